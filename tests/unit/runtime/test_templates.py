"""Template rendering: display rules, null-safety, shared budget and error offsets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from wactl.diagnostics import Span
from wactl.dsl.expr import parse_template
from wactl.runtime.expressions import MAX_TEXT, ExprError, Meter
from wactl.runtime.templates import render, render_src

SCOPE: dict[str, Any] = {
    "customer": {"name": None, "tags": ["vip", "mới"], "fields": {"points": 120.0}},
    "order_id": 10423,
    "order": {"carrier": "GHN", "total": 50.0, "eta": date(2024, 5, 12), "paid": True},
    "now": datetime(2024, 5, 10, 9, 30),
}


@pytest.mark.parametrize(("src", "text"), [
    ("Đơn {{ order_id }} đang trên đường với {{ order.carrier }}.",
     "Đơn 10423 đang trên đường với GHN."),
    ('Chào {{ customer.name | default("bạn") }}!', "Chào bạn!"),
    ("Total {{ order.total }}đ", "Total 50đ"),
    ("Points {{ customer.fields.points / 3 }}", "Points 40"),
    ("Ratio {{ 1 / 3 }}", "Ratio 0.333333333333333"),
    ("Tags: {{ customer.tags }}", "Tags: vip, mới"),
    ("ETA {{ order.eta }}", "ETA 2024-05-12"),
    ("Today {{ now }}", "Today 2024-05-10"),
    ("[{{ order.paid }}][{{ false }}][{{ null }}]", "[true][false][]"),
    ("Hi {{ nobody }}, {{ nobody.name }}", "Hi , "),
    ("{{ order.carrier | lower }}{{ order.carrier | upper }}", "ghnGHN"),
    ("{{ len(customer.tags) }} tags", "2 tags"),
    ("no holes at all", "no holes at all"),
    ("", ""),
    ('{{ "{{" }} literal', "{{ literal"),
    ("line one\n{{ order_id }}\nline three", "line one\n10423\nline three"),
])
def test_render(src: str, text: str) -> None:
    assert render_src(src, SCOPE) == text


def test_render_a_parsed_node() -> None:
    node, diags = parse_template("Mã đơn: {{ order_id }}", Span("f.yaml", 1, 1))
    assert diags == [] and node is not None
    assert render(node, SCOPE) == "Mã đơn: 10423"


def test_error_offsets_are_template_offsets() -> None:
    with pytest.raises(ExprError) as info:
        render_src("Total: {{ order.total / 0 }}", SCOPE)
    assert info.value.code == "division_by_zero"
    assert "Total: {{ order.total / 0 }}"[info.value.offset] == "0"


def test_syntax_errors_become_expr_errors() -> None:
    with pytest.raises(ExprError) as info:
        render_src("Hi {{ name", SCOPE)
    assert (info.value.code, info.value.offset) == ("syntax_error", 3)
    assert "WA402" in info.value.message


def test_all_holes_share_one_budget() -> None:
    node, _ = parse_template("{{ order_id }}" * 30, Span("f", 1, 1))
    assert node is not None
    meter = Meter(1000)
    render(node, SCOPE, meter=meter)
    assert meter.used == 30
    with pytest.raises(ExprError) as info:
        render(node, SCOPE, budget=29)
    assert info.value.code == "budget_exceeded"


def test_output_is_capped() -> None:
    big = "x" * (MAX_TEXT // 3 + 1)
    with pytest.raises(ExprError) as info:
        render_src("{{ a }}{{ a }}{{ a }}", {"a": big})
    assert info.value.code == "too_large"
