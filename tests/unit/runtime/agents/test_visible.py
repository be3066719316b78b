"""Replies folded to what their reader sees before the safety checks read them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime.agents.visible import visible


@pytest.mark.parametrize(("text", "shown"), [
    ("0901\u200b234\u200c567\u200d", "0901234567"),
    ("\ufeffLan\u2060 \u00adAnh\u202e", "Lan Anh"),
    ("０９０１", "0901"), ("𝐋𝐚𝐧", "Lan"), ("①②", "12"), ("٠٩", "09"),
    ("0\u03329\u0301", "09"),
    ("Tra\u0302\u0300n Va\u0306n Bi\u0300nh", "Trần Văn Bình"),
    ("plain ASCII stays", "plain ASCII stays"),
])
def test_visible_folds_hidden_and_compatibility_characters(text: str, shown: str) -> None:
    assert visible(text) == shown


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_visible_is_idempotent_and_leaves_no_format_character(text: str) -> None:
    shown = visible(text)
    assert visible(shown) == shown
    assert not any(unicodedata.category(c) == "Cf" for c in shown)
