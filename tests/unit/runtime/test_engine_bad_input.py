"""Bad input ends in a defined, logged outcome; nothing escapes the engine; state stays whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_harness import T0, WA, Chat

from wactl.compiler.ir import IRSendStep
from wactl.runtime.effects import Log
from wactl.runtime.engine import Limits
from wactl.runtime.engine import loop as engine_loop
from wactl.runtime.events import Inbound, StartFlow, StatusUpdate, TimerFired
from wactl.runtime.state import state_to_data

ASK = """
flow: f
trigger: {keyword: [go]}
steps:
  - id: q
    ask: "Your number?"
    expect: number
    save: n
    retry_message: "A number please."
  - {id: s, send: "got {{ n }}"}
"""


def logged(chat: Chat, code: str) -> bool:
    return any(isinstance(e, Log) and e.code == code for e in chat.effects)


def test_unknown_message_type_is_logged_and_counts_as_an_unusable_answer() -> None:
    chat = Chat.of(ASK)
    chat.say("go")
    out = chat.say("", kind="unknown", raw_type="ephemeral")
    assert out == ["A number please."]
    assert logged(chat, "unsupported_message")


def test_media_location_contacts_to_a_number_ask_are_retried() -> None:
    chat = Chat.of(ASK)
    chat.say("go")
    assert chat.say("", kind="image") == ["A number please."]
    assert chat.say("", kind="location") == ["A number please."]
    assert chat.say("42") == ["got 42"]


def test_reactions_are_noted_and_never_answers() -> None:
    chat = Chat.of(ASK)
    chat.say("go")
    assert chat.say("👍", kind="reaction", reaction_to="wamid.1") == []
    assert chat.state.run is not None and chat.state.run.top.retries == 0
    assert logged(chat, "reaction")


def test_missing_template_variable_renders_as_nothing() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {x: null}
steps:
  - {id: s, send: "Hi {{ x }}!"}
""")
    assert chat.say("go") == ["Hi !"]


def test_division_by_zero_in_set_ends_the_run_with_a_logged_reason() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {a: 0}
steps:
  - {id: s, set: {b: 10 / a}}
  - {id: t, send: "never"}
""")
    assert chat.say("go") == []
    assert chat.state.run is None and logged(chat, "expression_error")
    assert chat.state.finished[-1].trace[-1].outcome.startswith("error:")


def test_division_by_zero_in_a_branch_arm_counts_as_false() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {a: 0}
steps:
  - id: b
    branch:
      - {if: '10 / a > 1', goto: big}
      - {else: small}
  - {id: big, send: "big", next: end}
  - {id: small, send: "small"}
""")
    assert chat.say("go") == ["small"]
    assert logged(chat, "expression_error")


def test_an_internal_error_keeps_the_state_from_before_the_event(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat.of(ASK)
    chat.say("go")
    before = state_to_data(chat.state)

    def broken(*args: object) -> str:
        raise RuntimeError("boom")
    monkeypatch.setitem(engine_loop.EXECUTORS, IRSendStep, broken)
    out = chat.engine.handle(chat.state, Inbound(WA, T0, "text", text="5"))
    assert state_to_data(out.state) == before
    assert [e.code for e in out.effects if isinstance(e, Log)] == ["internal"]


def test_max_visits_stops_a_bounded_loop() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {i: 0}
steps:
  - id: loop
    set: {i: i + 1}
    max_visits: 5
  - {id: back, goto: loop}
""")
    chat.say("go")
    assert chat.vars["i"] == 5 and logged(chat, "max_visits")


def test_step_limit_per_event_is_a_second_line_behind_the_compiler() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {i: 0}
steps:
  - id: loop
    set: {i: i + 1}
    max_visits: 100000
  - {id: back, goto: loop}
""", limits=Limits(max_steps_per_event=50))
    chat.say("go")
    assert logged(chat, "step_limit") and chat.state.run is None


def test_runs_older_than_the_age_limit_are_not_resumed() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
steps:
  - {id: w, wait: 40d}
  - {id: s, template: {name: late, params: []}}
""", limits=Limits(max_run_age=timedelta(days=30)))
    chat.say("go")
    chat.advance(timedelta(days=40))
    assert logged(chat, "run_expired") and chat.state.run is None


def test_stale_timers_and_statuses_are_harmless() -> None:
    chat = Chat.of(ASK)
    chat.feed(TimerFired(WA, T0, "timer99"))
    chat.feed(StatusUpdate(WA, T0, "wamid.x", "failed", "131047"))
    assert logged(chat, "stale_timer") and logged(chat, "delivery_failed")


def test_ask_outside_the_window_ends_with_a_clear_reason() -> None:
    chat = Chat.of(ASK)
    chat.feed(StartFlow(WA, T0, "f"))
    assert logged(chat, "window_closed") and chat.state.run is None
