"""The engine: (state, event) → (new state, effects), with no I/O of its own.

`Engine.handle` is the whole interface.  It works on a clone of the state, so the
state it was given is never touched: on success the caller stores the new state and
carries out the effects; if anything unexpected goes wrong, the caller gets the old
state back with a `Log` effect, so a run is never left half-written and no exception
escapes.  Time is the event's `at`; the engine reads no clock.

The work is split by subject: `engine_turn` holds the per-event context (scope,
effects, limits), `engine_run` steps through a flow's graph, `engine_inbound` applies
DESIGN.md's precedence to a customer's message, `engine_messages` renders what the
customer sees and keeps the 24h window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from wactl.compiler.ir import IRAgent, IRFlow, Program
from wactl.runtime.answers import Option
from wactl.runtime.effects import Effect, Log, SendEffect
from wactl.runtime.engine.inbound import (
    on_ai_result,
    on_customer_event,
    on_inbound,
    on_schedule,
)
from wactl.runtime.engine.run import on_http_result, on_timer, start_by_id
from wactl.runtime.engine.status import on_status
from wactl.runtime.engine.triggers import TriggerIndex
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import (
    AiResult,
    CustomerEvent,
    Event,
    HandbackToBot,
    HttpResult,
    Inbound,
    ScheduleTick,
    StartFlow,
    StatusUpdate,
    TimerFired,
)
from wactl.runtime.state import ConversationState


@dataclass(frozen=True, slots=True)
class Limits:
    """The runtime guard behind the compiler's cycle check."""

    max_steps_per_event: int = 1000
    max_run_age: timedelta = timedelta(days=30)
    expr_budget: int = 10_000


@dataclass(slots=True)
class Outcome:
    state: ConversationState
    effects: list[Effect]


class Engine:
    """Runs a deployed program; keeps every flow version it has seen for runs in progress."""

    def __init__(self, program: Program, *, limits: Limits | None = None,
                 secrets: dict[str, str] | None = None, versions: Iterable[IRFlow] = ()) -> None:
        """`versions`: earlier versions of flows that stored runs may still be pinned to
        (a service restarting loads them from its store)."""
        self.limits = limits or Limits()
        self.secrets = dict(secrets or {})
        self._versions: dict[str, IRFlow] = {f.hash or f.id: f for f in versions}
        self._edges: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.options_cache: dict[tuple[str, str, str], list[Option]] = {}
        """Options of asks whose picks hold no template, by (flow version, step, language)."""
        self.deploy(program)

    def deploy(self, program: Program) -> None:
        """Make `program` current; runs in progress finish on the versions they started on."""
        self.program = program
        self.flows: dict[str, IRFlow] = {f.id: f for f in program.flows}
        self.agents: dict[str, IRAgent] = {a.id: a for a in program.agents}
        for flow in program.flows:
            self._versions[flow.hash or flow.id] = flow
        self.triggers = TriggerIndex(program.flows)
        self.pins = sub_flow_pins(program.flows)
        self.tz = ZoneInfo(program.project.timezone)
        langs = [program.project.language, *program.project.languages]
        self.languages: tuple[str, ...] = tuple(dict.fromkeys(langs))

    def knows(self, version: str) -> bool:
        return version in self._versions

    def version(self, flow_id: str, version: str) -> IRFlow | None:
        """The flow a run pinned; the current one if that version is unknown but same id."""
        return self._versions.get(version) or self.flows.get(flow_id)

    def targets(self, flow_id: str, version: str, step_id: str, kind: str) -> list[str]:
        """Where a step's edges of `kind` lead, in order (cached per flow version and step)."""
        key = (version, step_id)
        table = self._edges.get(key)
        if table is None:
            flow = self.version(flow_id, version)
            step = None if flow is None else flow.steps.get(step_id)
            table = {}
            for edge in [] if step is None else step.edges:
                table.setdefault(edge.kind, []).append(edge.to)
            self._edges[key] = table
        return table.get(kind, [])

    def handle(self, state: ConversationState, event: Event) -> Outcome:
        """The new state and the effects of one event; never raises."""
        turn = Turn(self, state.clone(), event)
        try:
            _dispatch(turn, event)
        except Exception as exc:  # the safety net: a bug must not lose the conversation
            return Outcome(state.clone(), [Log("error", "internal",
                                       f"event {type(event).__name__} dropped: "
                                       f"{type(exc).__name__}: {exc}")])
        if any(isinstance(e, SendEffect) for e in turn.effects):
            turn.state.last_outbound_at = event.at
        return Outcome(turn.state, turn.effects)


def sub_flow_pins(flows: Iterable[IRFlow]) -> dict[str, dict[str, str]]:
    """For each flow, the versions of every flow its `run` steps reach (transitively):
    what a run starting on it pins."""
    by_id = {f.id: f for f in flows}
    calls = {f.id: {s.params["flow"] for s in f.steps.values() if s.kind == "run"}
             for f in by_id.values()}
    pins: dict[str, dict[str, str]] = {}
    for flow_id in by_id:
        seen: set[str] = set()
        todo = list(calls[flow_id])
        while todo:
            callee = todo.pop()
            if callee in seen or callee not in by_id:
                continue
            seen.add(callee)
            todo += calls[callee]
        pins[flow_id] = {c: by_id[c].hash or c for c in sorted(seen)}
    return pins


def _dispatch(t: Turn, event: Event) -> None:
    if isinstance(event, Inbound):
        on_inbound(t, event)
    elif isinstance(event, HttpResult):
        on_http_result(t, event)
    elif isinstance(event, AiResult):
        on_ai_result(t, event)
    elif isinstance(event, TimerFired):
        on_timer(t, event)
    elif isinstance(event, StartFlow):
        start_by_id(t, event.flow, dict(event.vars), reason="started")
    elif isinstance(event, ScheduleTick):
        on_schedule(t, event)
    elif isinstance(event, CustomerEvent):
        on_customer_event(t, event)
    elif isinstance(event, HandbackToBot):
        t.state.handed_off, t.state.team, t.state.needs_human = False, None, False
    elif isinstance(event, StatusUpdate):
        on_status(t, event)
    else:
        t.log("warning", "unknown_event", f"event {type(event).__name__} ignored")
