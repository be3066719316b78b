"""Cases the engine property tests found, kept as plain regression tests.

Each once ended in the engine's safety net (an internal error) or left a state a store
could not keep; each must now end in a defined, logged outcome.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from wactl.compiler.project import compile_project
from wactl.runtime.effects import Log
from wactl.runtime.engine import Engine
from wactl.runtime.events import AiResult, HttpResult, Inbound
from wactl.runtime.state import ConversationState, state_from_data, state_to_data

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
WA = "84900000001"
FLOW = """
flow: f0
trigger: {keyword: [go]}
steps:
- id: c
  call: {url: "https://api.example/x"}
  save: x
- id: q
  ask: "Anything?"
"""


def _waiting_on_call() -> tuple[Engine, ConversationState]:
    result = compile_project({"flows/a.yaml": FLOW})
    assert result.program is not None
    engine = Engine(result.program)
    state = engine.handle(ConversationState.new(WA), Inbound(WA, T0, "text", text="go")).state
    assert state.run is not None and state.run.waiting is not None
    assert state.run.waiting.id == "http2"
    return engine, state


def test_deeply_nested_json_answer_is_not_an_internal_error() -> None:
    engine, state = _waiting_on_call()
    body = "[" * 3000 + "]" * 3000
    out = engine.handle(state, HttpResult(WA, T0, "http2", 200, body, "application/json"))
    assert not [e for e in out.effects if isinstance(e, Log) and e.code == "internal"]
    assert [e.code for e in out.effects if isinstance(e, Log)] == ["call_failed"]
    assert out.state.run is None  # no on_error: the error edge ends the run


def test_nested_json_answer_saved_keeps_the_state_storable() -> None:
    engine, state = _waiting_on_call()
    body = "[" * 500 + "]" * 500
    out = engine.handle(state, HttpResult(WA, T0, "http2", 200, body, "application/json"))
    run = out.state.run
    saved = None if run is None else run.top.vars.get("x")
    depth = 0
    while isinstance(saved, list) and saved:
        saved, depth = saved[0], depth + 1
    assert depth <= 64


def test_nan_and_infinity_in_an_answer_do_not_reach_the_state() -> None:
    engine, state = _waiting_on_call()
    for body in ('{"x": NaN}', '{"x": Infinity}', '{"x": 1e999}'):
        out = engine.handle(state, HttpResult(WA, T0, "http2", 200, body, "application/json"))
        text = json.dumps(state_to_data(out.state), allow_nan=False)
        assert state_to_data(state_from_data(json.loads(text))) == state_to_data(out.state)


BOOKING = """
flow: f0
trigger: {keyword: [go]}
vars: {n: 0}
steps:
- id: q
  ask: "How many people?"
  expect: number
  save: n
  extract: {n: number}
- id: done
  send: "ok {{ n }}"
"""


def test_extracted_number_nan_is_not_saved() -> None:
    result = compile_project({"flows/a.yaml": BOOKING})
    assert result.program is not None
    engine = Engine(result.program)
    state = engine.handle(ConversationState.new(WA), Inbound(WA, T0, "text", text="go")).state
    state = engine.handle(state, Inbound(WA, T0, "text", text="a few of us")).state
    assert state.run is not None and state.run.waiting is not None
    rid = state.run.waiting.id
    for value in ("nan", "inf", "1e999"):
        out = engine.handle(state, AiResult(WA, T0, rid, values={"n": value}))
        json.dumps(state_to_data(out.state), allow_nan=False)
        for run in out.state.finished:
            json.dumps(run.frames[0].vars if run.frames else {}, allow_nan=False)


RETRY = """
flow: f0
trigger: {keyword: [go]}
vars: {n: 0}
steps:
- id: q
  ask: "Number?"
  expect: number
  retry_message: "Again {{ 10 / n }}"
"""


def test_retry_message_that_fails_to_render_is_not_an_internal_error() -> None:
    result = compile_project({"flows/a.yaml": RETRY})
    assert result.program is not None and not result.diagnostics
    engine = Engine(result.program)
    state = engine.handle(ConversationState.new(WA), Inbound(WA, T0, "text", text="go")).state
    out = engine.handle(state, Inbound(WA, T0, "text", text="not a number"))
    assert not [e for e in out.effects if isinstance(e, Log) and e.code == "internal"]


def test_empty_field_step_is_not_an_internal_error() -> None:
    from wactl.runtime.events import StartFlow
    result = compile_project({"flows/a.yaml": "flow: a\nsteps:\n- id: s\n  field: {}\n"})
    assert result.program is not None and not result.diagnostics
    out = Engine(result.program).handle(ConversationState.new(WA), StartFlow(WA, T0, "a"))
    assert not [e for e in out.effects if isinstance(e, Log) and e.code == "internal"]
