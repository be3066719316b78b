"""The engine's work per event is bounded whatever the customer sends (docs/limits.md).

Each test sends something far past a bound and asserts the defined outcome: what is cut,
what is logged, which branch is taken, and that the state stays within its own bounds.
"""

from __future__ import annotations

import json

from engine_harness import T0, WA, Chat

from wactl.runtime.bounded_json import MAX_JSON_DEPTH, MAX_JSON_VALUES
from wactl.runtime.effects import Log
from wactl.runtime.events import HttpResult, Inbound, Location, Media
from wactl.runtime.inbound_bounds import (
    MAX_CONTACT_CARDS,
    MAX_DETAIL,
    MAX_INBOUND_TEXT,
    MAX_PROFILE_NAME,
    bounded,
)
from wactl.runtime.state import MAX_HISTORY, MAX_TRACE, state_to_data

MEGABYTE = 1_000_000

ECHO = """
flow: echo
trigger: {keyword: [hello]}
steps:
  - id: q
    ask: "Tell me more"
    save: said
  - id: s
    send: "You wrote {{ len(said) }} characters"
"""

LOOKUP = """
flow: lookup
trigger: {keyword: [stock]}
steps:
  - id: fetch
    call: {method: GET, url: "https://shop.example/stock", timeout: 5s}
    save: stock
    on_error: sorry
  - id: ok
    send: "In stock."
    next: end
  - id: sorry
    send: "Sorry, I can't check that now."
"""
STOCK = "GET https://shop.example/stock"

NUMBER = """
flow: n
trigger: {keyword: [go]}
steps:
  - id: q
    ask: "A number?"
    expect: number
    save: n
    retries: 100000
    retry_message: "Digits only."
  - {id: s, send: "got {{ n }}"}
"""


def logs(chat: Chat, code: str) -> list[Log]:
    return [e for e in chat.effects if isinstance(e, Log) and e.code == code]


def test_a_megabyte_message_is_cut_to_4096_characters_and_logged() -> None:
    chat = Chat.of(ECHO)
    chat.say("hello")
    out = chat.say("x" * MEGABYTE)
    assert out == [f"You wrote {MAX_INBOUND_TEXT} characters"]
    assert len(chat.vars["said"]) == MAX_INBOUND_TEXT
    assert max(len(text) for _, text in chat.state.history) == MAX_INBOUND_TEXT
    [cut] = logs(chat, "inbound_cut")
    assert cut.level == "warning" and "was 1,000,000" in cut.message


def test_a_megabyte_message_is_matched_on_its_start_only() -> None:
    starts = Chat.of(ECHO)
    assert starts.say("hello " + "x" * MEGABYTE) == ["Tell me more"]
    late = Chat.of(ECHO)
    late.say("x" * MAX_INBOUND_TEXT + " hello")
    assert late.state.run is None and logs(late, "unanswered")


def test_the_stored_state_stays_small_after_many_megabyte_messages() -> None:
    chat = Chat.of(ECHO)
    for _ in range(MAX_HISTORY + 5):
        chat.say("hello " + "y" * MEGABYTE)
    assert len(chat.state.history) == MAX_HISTORY
    assert len(json.dumps(state_to_data(chat.state))) < (MAX_HISTORY + 5) * MAX_INBOUND_TEXT


def test_many_invalid_answers_cost_one_retry_each_and_state_stays_bounded() -> None:
    chat = Chat.of(NUMBER)
    chat.say("go")
    for i in range(2 * MAX_TRACE):
        assert chat.say("no idea, sorry" + "!" * (i % 3)) == ["Digits only."]
    run = chat.state.run
    assert run is not None and len(run.trace) <= MAX_TRACE
    assert len(chat.state.history) == MAX_HISTORY
    assert chat.say("7") == ["got 7"]


def test_a_10000_deep_json_answer_takes_the_error_branch_with_a_reason() -> None:
    chat = Chat.of(LOOKUP)
    chat.http[STOCK] = HttpResult(WA, T0, "", 200, "[" * 10_000 + "]" * 10_000,
                                  "application/json")
    assert chat.say("stock") == ["Sorry, I can't check that now."]
    [failed] = logs(chat, "call_failed")
    assert f"nested more than {MAX_JSON_DEPTH} levels" in failed.message
    assert "stock" not in chat.vars


def test_a_json_answer_of_too_many_values_takes_the_error_branch() -> None:
    chat = Chat.of(LOOKUP)
    body = "[" + ",".join(["{}"] * MAX_JSON_VALUES) + "]"
    chat.http[STOCK] = HttpResult(WA, T0, "", 200, body, "application/json")
    assert chat.say("stock") == ["Sorry, I can't check that now."]
    assert "values" in logs(chat, "call_failed")[0].message


def test_a_json_answer_at_the_depth_limit_is_kept() -> None:
    chat = Chat.of(LOOKUP)
    chat.http[STOCK] = {"level": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" *
                                            (MAX_JSON_DEPTH - 1))}
    assert chat.say("stock") == ["In stock."]


def test_every_customer_controlled_field_is_cut() -> None:
    msg = Inbound(WA, T0, "image", id="m1", text="t" * MEGABYTE, name="n" * MEGABYTE,
                  button_id="b" * MEGABYTE, media=Media(id="i", caption="c" * MEGABYTE,
                                                       filename="f" * MEGABYTE),
                  location=Location(1.0, 2.0, name="p" * MEGABYTE, address="a"),
                  contacts=tuple({"name": str(i)} for i in range(1_000)))
    cut, fields = bounded(msg)
    assert fields == ["button_id", "contacts", "location", "media", "name", "text"]
    assert len(cut.text) == MAX_INBOUND_TEXT and len(cut.name or "") == MAX_PROFILE_NAME
    assert cut.media is not None and len(cut.media.caption or "") == MAX_INBOUND_TEXT
    assert len(cut.media.filename or "") == MAX_DETAIL and cut.media.id == "i"
    assert cut.location is not None and len(cut.location.name or "") == MAX_DETAIL
    assert cut.location.address == "a" and len(cut.contacts) == MAX_CONTACT_CARDS


def test_a_message_within_the_limits_is_the_same_object() -> None:
    msg = Inbound(WA, T0, text="hello", name="Lan")
    assert bounded(msg) == (msg, [])
    assert bounded(msg)[0] is msg
