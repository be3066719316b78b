"""Reading the model's answers: strict about the shape, forgiving inside it."""

from __future__ import annotations

import pytest

from wactl.runtime.agents.answers import (
    coerce,
    read_extract,
    read_intent,
    read_object,
    read_reply,
)
from wactl.runtime.effects import AiRequest

INTENT = AiRequest("i", "intent", "849", "x", intents={"booking": ("people",), "faq": ()})
EXTRACT = AiRequest("e", "extract", "849", "x",
                    fields={"n": "number", "d": "date", "t": "time", "e": "email",
                            "p": "phone", "s": "text"})


def test_a_reply_is_its_text() -> None:
    answer = read_reply("  Xin chào!\n")
    assert answer is not None and (answer.text, answer.handoff) == ("Xin chào!", False)


@pytest.mark.parametrize("content", ["[[HANDOFF]]", "Để mình chuyển bạn nhé [[ handoff ]]",
                                     "[[HAND\u200bOFF]]", "［［HANDOFF］］"])
def test_the_marker_anywhere_is_a_handoff(content: str) -> None:
    answer = read_reply(content)
    assert answer is not None and answer.handoff and answer.text is None


def test_no_content_is_invalid() -> None:
    assert read_reply(None) is None


def test_json_in_a_code_fence_is_read() -> None:
    assert read_object('```json\n{"a": 1}\n```') == {"a": 1}
    assert read_object("[1]") is None and read_object("nope") is None


def test_an_intent_with_its_values() -> None:
    answer = read_intent('{"intent": "booking", "confidence": 0.8, '
                         '"values": {"people": 2, "other": 1, "day": null}}', INTENT)
    assert answer is not None
    assert (answer.intent, answer.confidence, answer.values) == ("booking", 0.8, {"people": 2})


def test_no_intent_is_an_answer() -> None:
    answer = read_intent('{"intent": null, "confidence": 0.1}', INTENT)
    assert answer is not None and answer.intent is None and answer.values == {}


def test_a_missing_confidence_defaults_by_the_intent() -> None:
    answer = read_intent('{"intent": "faq"}', INTENT)
    assert answer is not None and answer.confidence == 1.0


@pytest.mark.parametrize("content", [
    '{"intent": "weather", "confidence": 0.9}',
    '{"intent": "faq", "confidence": 1.5}',
    '{"intent": "faq", "confidence": true}',
    '{"intent": "faq", "confidence": 0.5, "values": [1]}',
    "faq",
    None,
])
def test_nonsense_intents_are_invalid(content: str | None) -> None:
    assert read_intent(content, INTENT) is None


def test_extract_coerces_each_field_or_drops_it() -> None:
    values = read_extract('{"values": {"n": "2", "d": "2026-11-27", "t": "14:30:00", '
                          '"e": "not an email", "p": "+84 901-234-567", "s": 5, "x": 1}}',
                          EXTRACT)
    assert values == {"n": 2, "d": "2026-11-27", "t": "14:30", "p": "+84901234567", "s": "5"}


@pytest.mark.parametrize("content", ['{"values": [1]}', "[]", "oops"])
def test_extract_of_the_wrong_shape_is_invalid(content: str) -> None:
    assert read_extract(content, EXTRACT) is None


def test_extract_with_no_values_is_empty() -> None:
    assert read_extract("{}", EXTRACT) == {}


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (2.0, "number", 2), (2.5, "number", 2.5), ("abc", "number", None), (True, "number", None),
    (float("nan"), "number", None), ("next friday", "date", None), ("", "text", None),
    ({"a": 1}, "text", None), ("lan@shop.vn", "email", "lan@shop.vn"), ("abc", "phone", None),
])
def test_coerce(value: object, kind: str, expected: object) -> None:
    assert coerce(value, kind) == expected
