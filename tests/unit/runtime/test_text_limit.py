"""Long texts in WhatsApp-sized parts; a flow's text that does not fit fails its render."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime.expressions import ExprError
from wactl.runtime.text_limit import WHATSAPP_TEXT_LIMIT, fit_text, split_text


def test_a_5010_character_text_is_cut_at_its_last_paragraph_break_that_fits() -> None:
    paragraphs = [f"Câu số {i} về kem chống nắng. " * 30 for i in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)[:5010]
    parts = split_text(text)
    assert len(text) == 5010 and len(parts) == 2
    assert all(len(p) <= WHATSAPP_TEXT_LIMIT for p in parts)
    assert text.startswith(parts[0] + "\n\n") and text.endswith(parts[1])


def test_without_paragraphs_a_text_is_cut_after_a_sentence() -> None:
    text = "Một câu ngắn. " * 400
    first, *_ = split_text(text.strip())
    assert first.endswith(".") and len(first) <= WHATSAPP_TEXT_LIMIT


def test_one_unbroken_word_is_cut_at_the_limit() -> None:
    assert [len(p) for p in split_text("x" * 9000)] == [4096, 4096, 808]


def test_a_short_text_is_one_part_and_an_empty_one_none() -> None:
    assert split_text("  Chào bạn!\n") == ["Chào bạn!"]
    assert split_text(" \n ") == []


def test_fit_text_refuses_a_text_over_the_limit() -> None:
    assert fit_text("a" * 4096) == "a" * 4096
    with pytest.raises(ExprError) as caught:
        fit_text("a" * 4097)
    assert caught.value.code == "text_too_long" and "4097 characters" in caught.value.message


PIECES = st.sampled_from(["a", "bc ", "Câu. ", "! ", "\n", "\n\n", " ", "\t", "…", "x" * 50])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=400).map("".join), st.integers(1, 120))
def test_splitting_keeps_the_text_and_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert all(p == p.strip() for p in parts)
    position, rest = 0, text.strip()
    for part in parts:  # the parts are the text in order, only whitespace between them
        assert rest.startswith(part, position)
        position += len(part)
        while position < len(rest) and rest[position].isspace():
            position += 1
    assert position == len(rest)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=3000), st.integers(1, 500))
def test_splitting_any_text_respects_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join(text.split())
