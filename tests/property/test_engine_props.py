"""Properties of `Engine.handle` under random event sequences.

Whatever a customer sends, whatever the outside world answers (or fails to), and in
whatever order — stale timers, answers to requests nobody waits for, taps on buttons
of older messages — the engine never raises and never falls into its safety net
(`Log(code="internal")`), its state always survives the store's JSON round trip, it
is pure (same input, same output; the input untouched), every traced step exists in
the flow, and no event takes more steps than the runtime guard allows.

Driven on the example project (flows/) and on random generated projects that compile.
"""

from __future__ import annotations

import json
from typing import Any

from ast_strategies import source_files
from engine_strategies import (
    World,
    example_program,
    generated_flows,
    new_world,
    next_event,
    project_sources,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wactl.compiler.project import compile_files, compile_project
from wactl.dsl import ast
from wactl.runtime.effects import Log
from wactl.runtime.engine import Engine, Limits, Outcome
from wactl.runtime.events import Event
from wactl.runtime.state import ConversationState, Run, run_to_data, state_from_data, state_to_data

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
LANGUAGES = st.sampled_from([None, "vi", "en", "fr"])


def as_json(state: ConversationState) -> str:
    """The text a store keeps (strict JSON: no NaN or Infinity, which PostgreSQL refuses)."""
    return json.dumps(state_to_data(state), sort_keys=True, allow_nan=False)


def assert_sound(event: Event, outcome: Outcome) -> None:
    """No safety net, and the new state round-trips through JSON unchanged."""
    internal = [e for e in outcome.effects if isinstance(e, Log) and e.code == "internal"]
    assert not internal, (event, internal)
    text = as_json(outcome.state)
    back = state_from_data(json.loads(text))
    assert as_json(back) == text, event


def runs_of(state: ConversationState) -> list[Run]:
    return [r for r in (state.run, *state.side, *state.finished) if r is not None]


def assert_traced_steps_exist(engine: Engine, outcome: Outcome) -> None:
    for run in runs_of(outcome.state):
        for entry in run.trace:
            flow = engine.flows.get(entry.flow)
            assert flow is not None, entry
            assert entry.step == "end" or entry.step in flow.steps, entry


RECORDS = 3
"""Trace entries an event may add besides steps: the outside answer a run resumes on
(`extracted`, then `answered` or `invalid answer`, then `out of retries`)."""


def assert_guard(engine: Engine, event: Event, outcome: Outcome) -> None:
    """Steps taken during this event stay under the guard.

    The guard counts step visits; run ends, sub-flow returns (each pays for itself with
    the `run` step before it) and the records of an outside answer are not steps.
    """
    taken = [e for run in runs_of(outcome.state) for e in run.trace
             if e.at == event.at and e.kind != "end"
             and not e.outcome.startswith("returned from ")]
    assert len(taken) <= engine.limits.max_steps_per_event + RECORDS, (event, taken[-5:])


def drive(data: st.DataObject, world: World, events: int, *checks: Any) -> None:
    for _ in range(events):
        event = data.draw(next_event(world))
        outcome = world.engine.handle(world.state, event)
        assert_sound(event, outcome)
        for check in checks:
            check(world.engine, event, outcome)
        world.absorb(outcome)


# --------------------------------------------------------------------------- example project


@SETTINGS
@given(st.data(), LANGUAGES)
def test_example_project_survives_any_event_sequence(data: st.DataObject,
                                                     language: str | None) -> None:
    drive(data, new_world(example_program(), language), 30)


@SETTINGS
@given(st.data(), LANGUAGES)
def test_handle_is_pure(data: st.DataObject, language: str | None) -> None:
    world = new_world(example_program(), language)
    for _ in range(20):
        event = data.draw(next_event(world))
        before = as_json(world.state)
        one = world.engine.handle(world.state, event)
        two = world.engine.handle(world.state, event)
        assert as_json(world.state) == before, event
        assert one.effects == two.effects, event
        assert as_json(one.state) == as_json(two.state), event
        assert [run_to_data(r) for r in one.state.finished] == \
            [run_to_data(r) for r in two.state.finished], event
        world.absorb(one)


# --------------------------------------------------------------------------- generated projects


def _compiled(file: ast.SourceFile) -> Engine:
    result = compile_project(project_sources(file))
    assume(result.program is not None)
    assume(not any(d.severity == "error" for d in result.diagnostics))
    assert result.program is not None
    return Engine(result.program, limits=Limits(max_steps_per_event=12))


@settings(SETTINGS, max_examples=80)
@given(generated_flows(), st.data(), LANGUAGES)
def test_generated_projects_run_soundly(file: ast.SourceFile, data: st.DataObject,
                                        language: str | None) -> None:
    engine = _compiled(file)
    world = World(engine, ConversationState.new("84900000001", language=language))
    drive(data, world, 20,
          lambda e, ev, o: assert_traced_steps_exist(e, o), assert_guard)


@settings(SETTINGS, max_examples=30)
@given(source_files("flows/gen.yaml"), st.data(), LANGUAGES)
def test_random_asts_that_compile_run_soundly(file: ast.SourceFile, data: st.DataObject,
                                              language: str | None) -> None:
    result = compile_files([file])
    assume(result.program is not None)
    assert result.program is not None
    engine = Engine(result.program, limits=Limits(max_steps_per_event=12))
    world = World(engine, ConversationState.new("84900000001", language=language))
    drive(data, world, 15,
          lambda e, ev, o: assert_traced_steps_exist(e, o), assert_guard)
