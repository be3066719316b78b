"""`render_url`: each template value percent-encoded for the part of the URL it lands in."""

from __future__ import annotations

import pytest

from wactl.runtime.expressions import ExprError
from wactl.runtime.urls import render_url

SCOPE = {"id": 10423, "evil": "../../admin/delete?force=1#", "at": "@127.0.0.1:8080/",
         "q": "áo dài & more", "none": None, "base": "https://api.shop.example/v2",
         "crlf": "https://api.shop.example/x\r\nHost: evil"}


@pytest.mark.parametrize(("template", "url"), [
    ("https://api.shop.example/orders/{{ id }}", "https://api.shop.example/orders/10423"),
    ("https://api.shop.example/orders/{{ evil }}",
     "https://api.shop.example/orders/..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23"),
    ("https://api.shop.example/s?q={{ q }}&n={{ id }}",
     "https://api.shop.example/s?q=%C3%A1o%20d%C3%A0i%20%26%20more&n=10423"),
    ("https://api.shop.example/s#{{ evil }}",
     "https://api.shop.example/s#..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23"),
    ("https://{{ at }}.shop.example/x", "https://%40127.0.0.1%3A8080%2F.shop.example/x"),
    ("https://api.shop.example:{{ at }}/x", "https://api.shop.example:%40127.0.0.1%3A8080%2F/x"),
    ("https://api.shop.example/o/{{ none }}/x", "https://api.shop.example/o//x"),
    ("{{ base }}/orders/{{ evil }}",
     "https://api.shop.example/v2/orders/..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23"),
    ("{{ crlf }}", "https://api.shop.example/x%0D%0AHost:%20evil"),
    ("https://cửahàng.vn/tìm kiếm?q={{ q }}",
     "https://cửahàng.vn/t%C3%ACm%20ki%E1%BA%BFm?q=%C3%A1o%20d%C3%A0i%20%26%20more"),
    ("https://api.shop.example/a/../b", "https://api.shop.example/a/../b"),  # as written
])
def test_values_are_encoded_for_where_they_land(template: str, url: str) -> None:
    assert render_url(template, SCOPE) == url


@pytest.mark.parametrize("value", ["..", ".", "..."])
def test_a_dot_segment_value_is_encoded(value: str) -> None:
    url = render_url("https://a.example/x/{{ v }}/y", {"v": value})
    assert url == f"https://a.example/x/{'%2E' * len(value)}/y"


def test_errors_are_expression_errors() -> None:
    with pytest.raises(ExprError) as syntax:
        render_url("https://a.example/{{ id ", SCOPE)
    assert syntax.value.code == "syntax_error"
    with pytest.raises(ExprError) as large:
        render_url("https://a.example/{{ v }}", {"v": "x" * 200_000})
    assert large.value.code == "too_large"
