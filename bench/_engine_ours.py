"""Ours: the scripted conversations through `Engine.handle` and through the unit of work.

Three ways, from the bare engine to what `wactl simulate` and the tests run:

- `engine`: `Engine.handle(state, event)` with the returned state passed to the next
  event, the HTTP and AI answers fed back as `HttpResult`/`AiResult` events;
- `engine+json`: the same, but between events the state goes through its stored form
  (`state_to_json`, JSON text and back), as the stores keep it;
- `conductor`: `Sandbox.handle(inbound)`: each event one unit of work over the in-memory
  store, then the outbox drained (sends to the in-memory channel, HTTP/AI requests to
  ports answering from the conversation's world, their answers units of their own):
  the path `wactl test` runs and, over PostgreSQL, the service.

The program is the example project's `wactl.yaml` with the one flow file, compiled
once (outside timing), as the hand-written function and the machine know one flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench._engine_conv import NOW, Conversation, Say, Transcript, Turn
from wactl.compiler.ir import Program
from wactl.runtime.effects import (
    AiRequest,
    CancelTimer,
    Effect,
    FieldsChanged,
    Handoff,
    HttpRequest,
    ScheduleTimer,
    SendInteractive,
    SendText,
    TagsChanged,
)
from wactl.runtime.events import AiResult, Event, HttpResult, Inbound
from wactl.runtime.state import (
    ConversationState,
    Customer,
    Run,
    state_from_json,
    state_to_json,
)

if TYPE_CHECKING:  # imported when first used: the engine may not exist yet
    from wactl.runtime.engine import Engine
    from wactl.runtime.sandbox import Sandbox

FLOWS_DIR = Path(__file__).resolve().parents[1] / "flows"
FLOW_FILES = {"order_status": "order_status.flow", "booking": "booking.flow"}
SECRETS = {"SHOP_API_TOKEN": "bench-token"}
WA_ID = "84900000000"


def program(flow: str) -> Program:
    """The example project's settings with `flow`'s file, compiled (errors stop the run)."""
    from wactl.compiler.project import compile_project

    names = ("wactl.yaml", FLOW_FILES[flow])
    result = compile_project({n: (FLOWS_DIR / n).read_text(encoding="utf-8") for n in names})
    if result.program is None:
        codes = ", ".join(f"{d.code} {d.message}" for d in result.diagnostics)
        raise SystemExit(f"flows/{FLOW_FILES[flow]} does not compile: {codes}")
    return result.program


def engine(flow: str) -> Engine:
    from wactl.runtime.engine import Engine

    return Engine(program(flow), secrets=SECRETS)


def inbound(turn: Turn, wa_id: str, shown: SendInteractive | None) -> Inbound:
    """The customer's message; a tap carries the id of the button with that title."""
    if isinstance(turn, Say):
        return Inbound(wa_id, NOW, text=turn.text)
    ids = [b.id for b in shown.buttons if b.title == turn.title] if shown else []
    return Inbound(wa_id, NOW, kind="button", text=turn.title,
                   button_id=ids[0] if ids else turn.title)


def answer(conv: Conversation, wa_id: str, effect: Effect) -> Event | None:
    """The world's answer to an HTTP or AI request (None for any other effect)."""
    if isinstance(effect, HttpRequest):
        status, body = conv.http[effect.url]
        return HttpResult(wa_id, NOW, effect.request_id, status, body, "application/json")
    if isinstance(effect, AiRequest):
        return AiResult(wa_id, NOW, effect.request_id, values=conv.ai.get(effect.text, {}))
    return None


def record(effects: Sequence[Effect], into: Transcript) -> None:
    """Add effects to a transcript, spelled as the hand-written function's replies are."""
    for e in effects:
        if isinstance(e, SendText):
            into.replies.append(e.text)
        elif isinstance(e, SendInteractive):
            into.buttons(e.body, [b.title for b in e.buttons])
        elif isinstance(e, HttpRequest):
            into.requests.append(f"{e.method} {e.url}")
        elif isinstance(e, AiRequest):
            into.requests.append(f"ai {e.purpose}: {e.text}")
        elif isinstance(e, Handoff):
            into.handoff = e.team
        elif isinstance(e, TagsChanged):
            into.tags.extend(e.added)
        elif isinstance(e, FieldsChanged):
            into.fields.update(e.values)
        elif isinstance(e, ScheduleTimer):
            into.timers.append(f"schedule {e.at:%H:%M}")
        elif isinstance(e, CancelTimer):
            into.timers.append("cancel")


def last_buttons(effects: Sequence[Effect],
                 shown: SendInteractive | None) -> SendInteractive | None:
    """The last button message among `effects`, else the one shown before."""
    for e in reversed(effects):
        if isinstance(e, SendInteractive):
            return e
    return shown


# --------------------------------------------------------------------------- Engine.handle


def _roundtrip(state: ConversationState) -> ConversationState:
    """The state as a store gives it back: its JSON form, through text."""
    return state_from_json(state_to_json(state))


def visits(run: Run) -> int:
    """Steps the run went through: trace entries, a step that waits counted once.

    An `ask` or `call` leaves two or more entries (asked, retried, answered); what
    compares with a transition of the `transitions` machine is one visit of the step.
    """
    trace = run.trace
    return sum(1 for i, t in enumerate(trace)
               if i == 0 or (t.step, t.flow) != (trace[i - 1].step, trace[i - 1].flow))


def _steps(state: ConversationState) -> int:
    return sum(visits(run) for run in state.finished)


def converse(eng: Engine, conv: Conversation, *, stored: bool = False,
             into: Transcript | None = None) -> tuple[int, int]:
    """Play `conv` through `Engine.handle`; returns (events handled, steps in the traces)."""
    state = ConversationState.new(WA_ID, language=conv.language)
    events = steps = 0
    shown: SendInteractive | None = None
    for turn in conv.turns:
        queue: list[Event] = [inbound(turn, WA_ID, shown)]
        while queue:
            outcome = eng.handle(state, queue.pop(0))
            state = _roundtrip(outcome.state) if stored else outcome.state
            events += 1
            steps += _steps(outcome.state)
            shown = last_buttons(outcome.effects, shown)
            if into is not None:
                record(outcome.effects, into)
            queue += [a for e in outcome.effects if (a := answer(conv, WA_ID, e)) is not None]
    run = state.run
    return events, steps + (visits(run) if run is not None else 0)


# --------------------------------------------------------------------------- Conductor


class WorldHttp:
    """The HTTP port: answers from the current conversation's world."""

    def __init__(self) -> None:
        self.conv: Conversation | None = None

    async def request(self, request: HttpRequest) -> HttpResult:
        assert self.conv is not None
        status, body = self.conv.http[request.url]
        return HttpResult("", NOW, request.request_id, status, body, "application/json")


class WorldAi:
    """The AI port: extraction answers from the current conversation's world."""

    def __init__(self) -> None:
        self.conv: Conversation | None = None

    async def ask(self, request: AiRequest) -> AiResult:
        assert self.conv is not None
        return AiResult("", NOW, request.request_id, values=self.conv.ai.get(request.text, {}))


def quiet() -> None:
    """Drop the driver's log records instead of printing them (no handler means stderr).

    The records are still made, as the service would make them; only the printing,
    which would time the terminal, is skipped.
    """
    logger = logging.getLogger("wactl")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


class ConductorBench:
    """A conductor over fresh in-memory ports, with the world's HTTP and AI answers."""

    def __init__(self, eng: Engine, *, check_json: bool = True) -> None:
        quiet()
        from wactl.runtime.memory import ManualClock
        from wactl.runtime.sandbox import Sandbox

        self.http, self.ai = WorldHttp(), WorldAi()
        self.conductor: Sandbox = Sandbox(eng, clock=ManualClock(NOW), http=self.http,
                                          ai=self.ai, check_json=check_json)
        self.count = 0

    async def converse(self, conv: Conversation, into: Transcript | None = None) -> int:
        """Play `conv` as a new customer; returns the inbound messages handled."""
        self.count += 1
        wa_id = f"84{self.count:09d}"
        self.http.conv = self.ai.conv = conv
        await self.conductor.shop.customers.save(Customer(wa_id, language=conv.language))
        shown: SendInteractive | None = None
        for turn in conv.turns:
            effects = await self.conductor.handle(inbound(turn, wa_id, shown))
            shown = last_buttons(effects, shown)
            if into is not None:
                record(effects, into)
        return len(conv.turns)


def play_conductor(eng: Engine, convs: Sequence[Conversation], rounds: int, *,
                   check_json: bool = True) -> int:
    """Every conversation `rounds` times through one conductor; inbound messages handled.

    `check_json` makes the in-memory stores keep states as JSON text (what `wactl test`
    uses, so a state a real store could not hold fails there); without it they keep copies.
    """

    async def play() -> int:
        bench = ConductorBench(eng, check_json=check_json)
        return sum([await bench.converse(c) for _ in range(rounds) for c in convs])

    return asyncio.run(play())
