"""Running one conversation test (LANGUAGE.md "A conversation test") against a program.

A test runs the real engine and driver with in-memory stores, a `ManualClock` and the
test's HTTP/AI mocks, so what passes here is what the service would do:
- The clock starts at `START` (Monday 2026-01-05 09:00 in the project's time zone:
  a working day and hour, far from any 24h-window or day boundary) and moves only on
  `clock` turns, which fire the timers and schedules due by then.
- The customer of the test is stored before anything happens.  With `flow:` the
  flow starts at once (`StartFlow`) in a conversation where the customer has just
  written (the 24h window is open, for 24 hours from the start, as when a flow starts
  in the middle of a chat); else the first `user` turn goes through the triggers as
  in production (and opens the window).
- `bot` turns are compared, in order, with the messages the bot sent.  A message
  the test does not expect where it writes a `user` or `clock` turn (or at the end)
  fails the test too: a test shows the whole conversation.
- `expect` is checked after the last turn (see `convtest_check`): `vars` are those of
  the conversation's last run, its outermost frame (the flow the run started with),
  whether that run is still waiting or has finished; tags, fields and consent come
  from the customer store, handoff from the stored conversation, events from the
  published ones.
The first failing turn stops the test; its result keeps the conversation so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from wactl.compiler.ir import Program
from wactl.dsl import ast
from wactl.runtime import memory
from wactl.runtime.convtest_check import (
    Failure,
    FinalState,
    check_expect,
    compare_message,
    describe,
    expected_lines,
    unified,
)
from wactl.runtime.coverage import Reached, reached_in
from wactl.runtime.effects import (
    Effect,
    Log,
    Publish,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)
from wactl.runtime.engine import Engine, Outcome
from wactl.runtime.events import Event, Inbound, Location, Media, StartFlow
from wactl.runtime.mocks import MockAi, MockHttp
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import ConversationState, Customer, Run, TraceEntry

START = (2026, 1, 5, 9, 0)
"""Year, month, day, hour, minute every test starts at, in the project's time zone."""
SendEffect = SendText | SendMedia | SendInteractive | SendTemplate


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a test's transcript: who said it and what (several lines of text)."""

    who: Literal["user", "bot", "clock", "note"]
    text: str


@dataclass(slots=True)
class TestResult:
    """The outcome of one test: failures (none when it passed), transcript, coverage."""

    __test__ = False  # not a pytest test class, whatever its name says
    name: str
    file: str = ""
    failures: list[Failure] = field(default_factory=list)
    transcript: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth knowing on a failure: unmocked requests, errors the engine logged."""
    reached: Reached = field(default_factory=Reached)

    @property
    def passed(self) -> bool:
        return not self.failures


def start_time(program: Program) -> datetime:
    """`START` in the project's time zone, as UTC."""
    return datetime(*START, tzinfo=ZoneInfo(program.project.timezone)).astimezone(UTC)


class RecordingEngine(Engine):
    """The engine, keeping every run it returned (latest snapshot, last touched last)."""

    def __init__(self, program: Program, secrets: dict[str, str]) -> None:
        super().__init__(program, secrets=secrets)
        self.runs: dict[str, Run] = {}

    def handle(self, state: ConversationState, event: Event) -> Outcome:
        outcome = super().handle(state, event)
        new = outcome.state
        for run in [*new.finished, *new.side, *([new.run] if new.run else [])]:
            self.runs.pop(run.id, None)
            self.runs[run.id] = run
        return outcome


async def run_test(program: Program, test: ast.ConvTest, file: str = "") -> TestResult:
    """Run `test` against `program`; never raises for anything the test or flows do."""
    session = Session(program, test)
    failure = await session.play()
    result = session.result(file, await session.traces())
    if failure is not None:
        result.failures.append(failure)
    else:
        result.failures.extend(check_expect(test.expect, await session.final_state()))
    return result


class Session:
    """One test being played: the ports, what was sent and not yet matched, the transcript."""

    def __init__(self, program: Program, test: ast.ConvTest) -> None:
        self.program, self.test = program, test
        self.customer = test.customer or ast.TestCustomer()
        mocks = test.mocks or ast.Mocks()
        self.http, self.ai = MockHttp(mocks.http), MockAi(mocks.ai)
        self.clock = memory.ManualClock(start_time(program))
        secrets = {name: f"test-{name.lower()}" for name in program.project.secrets}
        self.engine = RecordingEngine(program, secrets)
        self.sandbox = Sandbox(self.engine, clock=self.clock, http=self.http, ai=self.ai)
        self.channel, self.events = self.sandbox.channel, self.sandbox.events
        self.customers = self.sandbox.shop.customers
        self.conversations = self.sandbox.shop.conversations
        self.pending: list[SendEffect] = []
        self.last_interactive: SendInteractive | None = None
        self.last_template = False
        """The last message sent was a template (its buttons are not known here)."""
        self.transcript: list[Line] = []
        self.logs: list[str] = []
        self.count = 0

    @property
    def wa_id(self) -> str:
        return self.customer.wa_id

    async def play(self) -> Failure | None:
        """Set up, then every turn in order; the first failure stops the test."""
        c = self.customer
        await self.customers.save(Customer(c.wa_id, c.name, c.language, list(c.tags),
                                           dict(c.fields), c.consent))
        turns = list(enumerate(self.test.turns, 1))
        if self.test.flow is not None:
            state = ConversationState.new(c.wa_id)
            state.last_inbound_at = self.clock.now()  # as if the customer had just written
            await self.conversations.save(state)
            first = turns[0][1] if turns else None
            message = None
            if isinstance(first, ast.UserTurn):  # the flow starts on that message
                turns = turns[1:]
                message = self.user_message(first)
            self.took(await self.sandbox.handle(
                StartFlow(self.wa_id, self.clock.now(), self.test.flow, message=message)))
        for index, turn in turns:
            failure = await self.turn(index, turn)
            if failure is not None:
                return failure
        return self.unexpected(f"after turn {len(self.test.turns)}")

    async def turn(self, index: int, turn: ast.UserTurn | ast.BotTurn | ast.ClockTurn
                   ) -> Failure | None:
        where = f"turn {index}"
        if isinstance(turn, ast.BotTurn):
            return self.bot(where, turn)
        failure = self.unexpected(where)
        if failure is not None:
            return failure
        if isinstance(turn, ast.ClockTurn):
            await self.advance(turn.advance.seconds)
            return None
        failure = self.not_offered(where, turn)
        if failure is not None:
            return failure
        await self.user(turn)
        return None

    def not_offered(self, where: str, turn: ast.UserTurn) -> Failure | None:
        """A tap on a button or list row the last message did not offer fails here (after
        a template, whose quick-reply buttons live in WhatsApp, any button may be tapped)."""
        if self.last_template:
            return None
        last = self.last_interactive
        if turn.button is not None:
            offered = [] if last is None else [b.title for b in last.buttons]
            if turn.button not in offered:
                return Failure(where, f"the customer taps [{turn.button}], which the bot did "
                               "not offer", _offer(offered, "buttons"))
        if turn.list_ is not None:
            rows = [] if last is None else [r.id for s in last.sections for r in s.rows]
            if turn.list_ not in rows:
                return Failure(where, f"the customer picks row `{turn.list_}`, which the bot "
                               "did not offer", _offer(rows, "list rows"))
        return None

    # ------------------------------------------------------------------ turns

    def bot(self, where: str, turn: ast.BotTurn) -> Failure | None:
        """Match the next message the bot sent against `turn`."""
        if not self.pending:
            return Failure(where, "expected a bot message, but the bot sent nothing more",
                           unified(expected_lines(turn), []))
        message = self.pending.pop(0)
        diff = compare_message(turn, message)
        if diff is None:
            return None
        return Failure(where, "the bot's message differs from the expected one", diff)

    def unexpected(self, where: str) -> Failure | None:
        """A failure when the bot sent messages no `bot` turn has matched yet."""
        if not self.pending:
            return None
        lines = [line for message in self.pending for line in describe(message)]
        count = len(self.pending)
        noun = "message" if count == 1 else "messages"
        return Failure(where, f"the bot sent {count} {noun} the test does not expect "
                       "(add `bot` turns for them)", unified([], lines))

    async def advance(self, seconds: int) -> None:
        when = self.clock.now() + timedelta(seconds=seconds)
        self.transcript.append(Line("clock", f"+{_duration(seconds)}"))
        self.took(await self.sandbox.advance_to(when))

    async def user(self, turn: ast.UserTurn) -> None:
        self.took(await self.sandbox.handle(self.user_message(turn)))

    def user_message(self, turn: ast.UserTurn) -> Inbound:
        """The customer's next message, noted in the transcript."""
        self.count += 1
        event, shown = self.inbound(turn)
        self.transcript.append(Line("user", shown))
        return event

    def inbound(self, turn: ast.UserTurn) -> tuple[Inbound, str]:
        """The customer's message for a `user` turn, and how the transcript shows it."""
        base: dict[str, Any] = {"wa_id": self.wa_id, "at": self.clock.now(),
                                "id": f"wamid.test{self.count}", "name": self.customer.name}
        if turn.button is not None:
            bid = self.choice_id(turn.button, "button")
            return Inbound(**base, kind="button", text=turn.button, button_id=bid), \
                f"[{turn.button}]"
        if turn.list_ is not None:
            title = self.row_title(turn.list_)
            return Inbound(**base, kind="list", text=title, list_id=turn.list_), \
                f"[{title}] ({turn.list_})"
        if turn.location is not None:
            lat, lon = turn.location.get("latitude", 0.0), turn.location.get("longitude", 0.0)
            return Inbound(**base, kind="location", location=Location(lat, lon)), \
                f"location {lat}, {lon}"
        for kind in ("image", "document", "audio", "video"):
            url = getattr(turn, kind)
            if url is not None:
                return Inbound(**base, kind=kind, media=Media(url=url)), f"{kind} {url}"
        return Inbound(**base, kind="text", text=turn.text or ""), turn.text or ""

    def choice_id(self, title: str, kind: str) -> str:
        """The id of the last interactive message's button titled `title` (else the title)."""
        last = self.last_interactive
        buttons = [] if last is None else [b for b in last.buttons if b.title == title]
        return buttons[0].id if buttons else title

    def row_title(self, row_id: str) -> str:
        last = self.last_interactive
        rows = [] if last is None else [r for s in last.sections for r in s.rows
                                        if r.id == row_id]
        return rows[0].title if rows else row_id

    def took(self, effects: Sequence[Effect]) -> None:
        """Note what the bot sent (to be matched) and what it logged as a problem."""
        for effect in effects:
            if isinstance(effect, SendText | SendMedia | SendInteractive | SendTemplate):
                self.pending.append(effect)
                self.last_template = isinstance(effect, SendTemplate)
                self.transcript.append(Line("bot", "\n".join(describe(effect))))
                if isinstance(effect, SendInteractive):
                    self.last_interactive = effect
            elif isinstance(effect, Log) and effect.level != "info":
                where = ".".join(p for p in (effect.flow, effect.step) if p)
                self.logs.append(f"{effect.level} {effect.code}"
                                 f"{f' at {where}' if where else ''}: {effect.message}")

    # ------------------------------------------------------------------ results

    async def final_state(self) -> FinalState:
        customer = await self.customers.get(self.wa_id)
        state = await self.conversations.load(self.wa_id)
        return FinalState(
            vars=self.last_vars(), tags=list(customer.tags) if customer else [],
            fields=dict(customer.fields) if customer else {},
            consent=customer.consent if customer else None,
            handoff=bool(state and state.handed_off),
            events=[e.name for e in self.events.published if isinstance(e, Publish)])

    def last_vars(self) -> dict[str, Any]:
        """The outermost frame's variables of the last run that was not a rule's."""
        runs = list(self.engine.runs.values())
        main = [r for r in runs if not _is_rule(self.program, r.flow)] or runs
        if not main or not main[-1].frames:
            return {}
        return dict(main[-1].frames[0].vars)

    async def traces(self) -> list[list[TraceEntry]]:
        """Every run's steps, from the run-step log."""
        runs = self.sandbox.shop.runs
        return [[TraceEntry(s.at, s.flow, s.step, s.kind, s.outcome, s.changed, s.version)
                 for s in await runs.steps(self.wa_id, run_id)] for run_id in self.engine.runs]

    def result(self, file: str, traces: list[list[TraceEntry]]) -> TestResult:
        notes = [*self.http.unmocked, *self.logs]
        if any(r.purpose == "reply" for r in self.ai.requests) and not any(
                m.reply is not None for m in self.ai.mocks):
            notes.append("an agent replied with no `ai` mock to answer it (error no_mock)")
        return TestResult(self.test.name, file, [], list(self.transcript), notes,
                          reached_in(self.program, traces))


def _offer(offered: list[str], what: str) -> str:
    if not offered:
        return "the last bot message offered nothing to tap"
    return f"the last bot message offered {what}: " + ", ".join(f"[{o}]" for o in offered)


def _is_rule(program: Program, flow_id: str) -> bool:
    flow = program.flow(flow_id)
    return flow is not None and flow.rule


def _duration(seconds: int) -> str:
    """`90` -> `1m30s`, `86400` -> `1d`: how a clock turn shows in the transcript."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"
