"""The webhook parser never raises, whatever arrives, and what it gives is well formed.

Three sources of input: arbitrary bytes, arbitrary JSON, and WhatsApp-shaped bodies
whose every field may be the wrong type, missing, huge or odd (the likeliest real
trouble: a new message type, a relay that stringifies numbers).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.runtime.events import Inbound, StatusUpdate
from wactl.service.webhook.parse import MAX_ITEMS, MAX_TEXT, Malformed, Parsed, parse_webhook

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
KINDS = ["text", "image", "audio", "voice", "video", "document", "sticker", "location",
         "contacts", "interactive", "button", "reaction", "order", "system", "unsupported",
         "unknown", "request_welcome", "edit"]
odd = json_values | st.sampled_from(["", "x" * (MAX_TEXT + 5), "1795560000", "a\x00b", "\ud800",
                                     "\u00b2", "\u0661\u0662", "1e999", "NaN", "-1"])


def _maybe(draw: st.DrawFn, good: object) -> object:
    return draw(st.sampled_from([good, good, good]) | odd)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS) | st.text(max_size=6))
    inner = draw(st.sampled_from(["button_reply", "list_reply", "nfm_reply", "x"]))
    parts: dict[str, object] = {
        "text": {"body": _maybe(draw, "hello")},
        "interactive": {"type": _maybe(draw, inner),
                        inner: {"id": _maybe(draw, "id"), "title": _maybe(draw, "t"),
                                "response_json": _maybe(draw, '{"a": 1}')}},
        "location": {"latitude": _maybe(draw, 10.5), "longitude": _maybe(draw, 106.7)},
        "order": {"product_items": _maybe(draw, [{"product_retailer_id": "s", "quantity": 2}])},
        "contacts": _maybe(draw, [{"name": {"formatted_name": "A"}}]),
    }
    msg: dict[str, Any] = {"from": _maybe(draw, "84912345678"), "id": _maybe(draw, "wamid.1"),
                           "timestamp": _maybe(draw, "1795560000"), "type": kind,
                           kind: _maybe(draw, parts.get(kind, {"id": "m", "caption": "c"}))}
    if draw(st.booleans()):
        msg["errors"] = _maybe(draw, [{"code": 131051, "title": "Unsupported"}])
    if draw(st.booleans()):
        msg["referral"] = _maybe(draw, {"source_type": "ad", "source_id": 1})
    if draw(st.booleans()):
        del msg["from"]
        msg["from_user_id"] = _maybe(draw, "US.1349")
    return msg


@st.composite
def statuses(draw: st.DrawFn) -> dict[str, Any]:
    return {"id": _maybe(draw, "wamid.1"), "timestamp": _maybe(draw, "1795560000"),
            "status": draw(st.sampled_from(["sent", "delivered", "read", "failed", "deleted"])
                           | odd),
            "recipient_id": _maybe(draw, "84912345678"),
            "errors": _maybe(draw, [{"code": 131047}])}


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    value = {"metadata": _maybe(draw, {"phone_number_id": "1"}),
             "contacts": _maybe(draw, [{"profile": {"name": "Mai"}, "wa_id": "84912345678"}]),
             "messages": _maybe(draw, draw(st.lists(messages(), max_size=4))),
             "statuses": _maybe(draw, draw(st.lists(statuses(), max_size=4)))}
    change = {"field": _maybe(draw, "messages"), "value": _maybe(draw, value)}
    return {"object": "whatsapp_business_account",
            "entry": _maybe(draw, [{"id": "1", "changes": _maybe(draw, [change])}])}


def _check(result: Parsed | Malformed) -> None:
    if isinstance(result, Malformed):
        return
    assert len(result.events) <= MAX_ITEMS
    for event in result.events:
        assert isinstance(event, Inbound | StatusUpdate)
        assert event.at.tzinfo is not None and event.at.utcoffset() is not None
        assert isinstance(event.wa_id, str)
        if isinstance(event, Inbound):
            assert len(event.text) <= MAX_TEXT
            assert event.wa_id
    for note in result.all_notes:
        assert note.code and len(note.detail) <= MAX_TEXT


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _check(parse_webhook(raw, NOW))


@SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    result = parse_webhook(json.dumps(value).encode(), NOW)
    _check(result)
    assert isinstance(result, Parsed) == isinstance(value, dict)


@SETTINGS
@given(bodies())
def test_whatsapp_shaped_bodies_never_raise(value: dict[str, Any]) -> None:
    _check(parse_webhook(json.dumps(value).encode(), NOW))


@SETTINGS
@given(st.lists(statuses(), max_size=6))
def test_statuses_never_become_inbound(items: list[dict[str, Any]]) -> None:
    value = {"entry": [{"changes": [{"field": "messages", "value": {"statuses": items}}]}]}
    result = parse_webhook(json.dumps(value).encode(), NOW)
    assert isinstance(result, Parsed)
    assert not any(isinstance(e, Inbound) for e in result.events)
