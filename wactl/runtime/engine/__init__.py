"""The engine: (state, event) → (new state, effects), with no I/O of its own.

`Engine.handle` is the whole interface.  It works on a clone of the state, so the
state it was given is never touched: on success the caller stores the new state and
carries out the effects; if anything unexpected goes wrong, the caller gets the old
state back with a `Log` effect, so a run is never left half-written and no exception
escapes.  Time is the event's `at`; the engine reads no clock.

The work is split by subject, each module importing only those below it (a test keeps
the graph free of cycles): `deployed` holds what a deploy prepares (flows, versions,
edge tables, static options), `turn` the per-event context, `decision` what a step
decided, `messages` what the customer sees and the 24h window, `steps`/`ask`/`agent`
the step kinds (each paused kind with its start and its resumption), `loop` the only
place that follows edges, traces and ends runs, `inbound`/`results` who handles which
event.  `HANDLERS` below maps each event type to its handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from wactl.compiler.ir import IRAgent, IRFlow, Program
from wactl.runtime.effects import Effect, Log, SendEffect
from wactl.runtime.engine.deployed import Limits, deploy
from wactl.runtime.engine.inbound import (
    on_ai_result,
    on_customer_event,
    on_inbound,
    on_schedule,
    start_on_message,
)
from wactl.runtime.engine.loop import start_by_id
from wactl.runtime.engine.results import on_http_result, on_timer
from wactl.runtime.engine.status import on_status
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

__all__ = ["HANDLERS", "Engine", "Limits", "Outcome"]


@dataclass(slots=True)
class Outcome:
    state: ConversationState
    effects: list[Effect]


class Engine:
    """Runs a deployed program; keeps every flow version it has seen for runs in progress.

    Nothing in it changes while an event is handled: `deploy` replaces the whole
    `Deployment` (flows, versions, edge tables, options) at once.
    """

    def __init__(self, program: Program, *, limits: Limits | None = None,
                 secrets: dict[str, str] | None = None, versions: Iterable[IRFlow] = ()) -> None:
        """`versions`: earlier versions of flows that stored runs may still be pinned to
        (a service restarting loads them from its store)."""
        self.limits = limits or Limits()
        self.secrets = dict(secrets or {})
        self.deployed = deploy(program, self.limits, self.secrets, versions)

    def deploy(self, program: Program) -> None:
        """Make `program` current; runs in progress finish on the versions they started on."""
        self.deployed = deploy(program, self.limits, self.secrets, (), self.deployed)

    @property
    def program(self) -> Program:
        return self.deployed.program

    @property
    def flows(self) -> Mapping[str, IRFlow]:
        return self.deployed.flows

    @property
    def agents(self) -> Mapping[str, IRAgent]:
        return self.deployed.agents

    def knows(self, version: str) -> bool:
        return self.deployed.knows(version)

    def version(self, flow_id: str, version: str) -> IRFlow | None:
        """The flow a run pinned; the current one if that version is unknown but same id."""
        return self.deployed.version(flow_id, version)

    def handle(self, state: ConversationState, event: Event) -> Outcome:
        """The new state and the effects of one event; never raises."""
        turn = Turn(self.deployed, state.clone(), event)
        try:
            HANDLERS.get(type(event), _unknown)(turn, event)
        except Exception as exc:  # the safety net: a bug must not lose the conversation
            return Outcome(state.clone(), [Log("error", "internal",
                                       f"event {type(event).__name__} dropped: "
                                       f"{type(exc).__name__}: {exc}")])
        if any(isinstance(e, SendEffect) for e in turn.effects):
            turn.state.last_outbound_at = event.at
        return Outcome(turn.state, turn.effects)


# --------------------------------------------------------------------------- events


def _on_start(t: Turn, event: StartFlow) -> None:
    if event.message is not None:
        start_on_message(t, event.flow, dict(event.vars), event.message)
    else:
        start_by_id(t, event.flow, dict(event.vars), reason="started")


def _on_handback(t: Turn, event: HandbackToBot) -> None:
    t.state.handed_off, t.state.team, t.state.needs_human = False, None, False


def _unknown(t: Turn, event: Any) -> None:
    t.log("warning", "unknown_event", f"event {type(event).__name__} ignored")


E = TypeVar("E")
Handler = Callable[[Turn, Any], None]


def _on(kind: type[E], handler: Callable[[Turn, E], None]) -> tuple[type[Any], Handler]:
    """One row of the table; mypy checks that the handler takes that type of event."""
    return kind, handler


HANDLERS: dict[type[Any], Handler] = dict([
    _on(Inbound, on_inbound), _on(HttpResult, on_http_result), _on(AiResult, on_ai_result),
    _on(TimerFired, on_timer), _on(StartFlow, _on_start), _on(ScheduleTick, on_schedule),
    _on(CustomerEvent, on_customer_event), _on(HandbackToBot, _on_handback),
    _on(StatusUpdate, on_status),
])
"""The handler of each event type (an event of another type is logged as unknown)."""
