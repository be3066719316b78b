"""Property: the PostgreSQL text escape is lossless, NUL-free and keeps code-point order.

The stores key customers by escaped wa_id under `COLLATE "C"`; if the escape changed
the order, `list_ids` paging would skip or repeat customers.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wactl.service.postgres.text import dec, enc

SETTINGS = settings(max_examples=400, deadline=None)
awkward = st.text(st.sampled_from("\x00\x01\x02a\x7f\U0001f600"), max_size=8) | st.text()


@SETTINGS
@given(awkward)
@example("\x01\x01")
@example("\x00\x01\x02")
def test_the_escape_is_lossless_and_nul_free(text: str) -> None:
    escaped = enc(text)
    assert "\x00" not in escaped and dec(escaped) == text


@SETTINGS
@given(st.lists(awkward, max_size=8))
@example(["\x00", "\x01", "\x02", "", "\x00\x00", "\x01\x00"])
def test_the_escape_keeps_code_point_order(texts: list[str]) -> None:
    assert [dec(t) for t in sorted(enc(t) for t in texts)] == sorted(texts)
