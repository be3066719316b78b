"""Crash tests: the example conversations with the process dying at every point.

Each example conversation test is played once without faults (the reference), then
again once per point of the unit of work and of the dispatchers, and per time that
point is reached: the "process" dies there (`InjectedCrash`), restarts over the same
store (leases run out, a new conductor and dispatcher), and the interrupted input is
delivered again, as WhatsApp redelivers a webhook that got no answer and a worker
re-runs its tick.  The conversation must end as the reference did: the same messages
sent, in the same order, the same customer and conversation state, and a message sent
twice only in the one window docs/guarantees.md names (the `carried_out` point).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from wactl.compiler import compile_project
from wactl.compiler.ir import Program
from wactl.dsl import ast
from wactl.runtime.convtest import Session
from wactl.runtime.driver import Faults, InjectedCrash
from wactl.runtime.driver.faults import DISPATCH_POINTS, UNIT_POINTS
from wactl.runtime.effects import AiRequest, HttpRequest, SendEffect, SendInteractive
from wactl.runtime.events import AiResult, Event, HttpResult
from wactl.runtime.ports import AiClient, HttpClient
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import state_to_data

EXAMPLES = Path(__file__).resolve().parents[3] / "flows"
MAX_NTH = 6
"""Times per point a crash is tried (the first six times the point is reached)."""


def _compiled() -> tuple[Program, list[ast.ConvTest]]:
    sources = {p.relative_to(EXAMPLES.parent).as_posix(): p.read_text("utf-8")
               for p in sorted(EXAMPLES.rglob("*")) if p.suffix in (".yaml", ".flow")}
    result = compile_project(sources)
    assert result.program is not None
    tests = [t for f in result.files for t in f.tests]
    assert len(tests) >= 10, "the example project's conversation tests were not found"
    return result.program, tests


PROGRAM, TESTS = _compiled()


@dataclass
class SameAnswer:
    """A remote side that answers a request again with its first answer (by request id),
    as a server honouring an idempotency key does; the first answers come from `inner`."""

    inner: Any
    answers: dict[str, Any] = field(default_factory=dict)
    asked: int = 0

    async def request(self, request: HttpRequest) -> HttpResult:
        self.asked += 1
        if request.request_id not in self.answers:
            self.answers[request.request_id] = await self.inner.request(request)
        result: HttpResult = self.answers[request.request_id]
        return result

    async def ask(self, request: AiRequest) -> AiResult:
        self.asked += 1
        if request.request_id not in self.answers:
            self.answers[request.request_id] = await self.inner.ask(request)
        result: AiResult = self.answers[request.request_id]
        return result


class CrashingSession(Session):
    """A test session whose process dies at `faults`, restarts and gets the input again."""

    def __init__(self, program: Program, test: ast.ConvTest, faults: Faults) -> None:
        super().__init__(program, test)
        self.faults, self.crashes = faults, 0
        self.remote_http, self.remote_ai = SameAnswer(self.http), SameAnswer(self.ai)
        self._start(Sandbox(self.engine, clock=self.clock, http=self._http(),
                            ai=self._ai(), faults=faults))

    def _http(self) -> HttpClient:
        return self.remote_http

    def _ai(self) -> AiClient:
        return self.remote_ai

    def _start(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.channel, self.events = sandbox.channel, sandbox.events
        self.customers = sandbox.shop.customers
        self.conversations = sandbox.shop.conversations

    def _restart(self) -> None:
        self.crashes += 1
        self.faults.disarm()
        old = self.sandbox
        old.store.expire_leases()
        self._start(Sandbox(self.engine, clock=self.clock, http=self._http(), ai=self._ai(),
                            store=old.store, channel=old.channel, events=old.events))

    async def _deliver(self, event: Event, key: str | None = None) -> None:
        try:
            self.took(await self.sandbox.handle(event, key=key))
        except InjectedCrash:
            self._restart()
            self.took(await self.sandbox.handle(event, key=key))  # delivered again
        self._seen_on_phone()

    def _seen_on_phone(self) -> None:
        """What the customer taps answers the last menu their phone shows, which the
        channel knows even when a crash kept the effects from this session."""
        menus = [m for m in self.channel.sent(self.wa_id) if isinstance(m, SendInteractive)]
        self.last_interactive = menus[-1] if menus else None

    async def user(self, turn: ast.UserTurn) -> None:
        self.count += 1
        event, shown = self.inbound(turn)
        from wactl.runtime.convtest import Line
        self.transcript.append(Line("user", shown))
        await self._deliver(event)

    async def advance(self, seconds: int) -> None:
        from datetime import timedelta

        from wactl.runtime.convtest import Line, _duration
        when = self.clock.now() + timedelta(seconds=seconds)
        self.transcript.append(Line("clock", f"+{_duration(seconds)}"))
        try:
            self.took(await self.sandbox.advance_to(when))
        except InjectedCrash:
            self._restart()
            self.took(await self.sandbox.advance_to(when))
        self._seen_on_phone()


@dataclass
class Ending:
    """How a conversation ended: what reached the customer, and what is stored."""

    sent: list[SendEffect]
    customer: Any
    state: Any
    events: list[str]
    outbox_left: int


async def _play(test: ast.ConvTest, faults: Faults) -> tuple[CrashingSession, Ending]:
    session = CrashingSession(PROGRAM, test, faults)
    if test.flow is not None:
        from wactl.runtime.events import StartFlow
        from wactl.runtime.state import ConversationState, Customer
        c = session.customer
        await session.customers.save(Customer(c.wa_id, c.name, c.language, list(c.tags),
                                              dict(c.fields), c.consent))
        state = ConversationState.new(c.wa_id)
        state.last_inbound_at = session.clock.now()
        await session.conversations.save(state)
        start = StartFlow(session.wa_id, session.clock.now(), test.flow)
        await session._deliver(start, key=f"start:{test.name}")  # the API's request id
        turns = test.turns
    else:
        c = session.customer
        from wactl.runtime.state import Customer
        await session.customers.save(Customer(c.wa_id, c.name, c.language, list(c.tags),
                                              dict(c.fields), c.consent))
        turns = test.turns
    for index, turn in enumerate(turns, 1):
        await session.turn(index, turn)
        session.pending.clear()  # matching is the example tests' job; here we compare endings
    wa_id = session.wa_id
    stored = await session.conversations.load(wa_id)
    customer = await session.customers.get(wa_id)
    data = None if stored is None else state_to_data(stored)
    return session, Ending([m for _, m in session.channel.outbox],
                           None if customer is None else customer,
                           data, [e.name for e in session.events.published],
                           len(session.sandbox.store.pending_outbox()))


def _cases() -> list[tuple[str, str, int]]:
    """(test name, point, nth) for every point each example test reaches."""
    import asyncio

    cases = []
    for test in TESTS:
        faults = Faults()
        asyncio.run(_play(test, faults))
        for point in (*UNIT_POINTS, *DISPATCH_POINTS):
            for nth in range(1, min(faults.seen[point], MAX_NTH) + 1):
                cases.append((test.name, point, nth))
    return cases


CASES = _cases()


def test_the_crash_cases_cover_every_point() -> None:
    points = {point for _, point, _ in CASES}
    assert points == {*UNIT_POINTS, *DISPATCH_POINTS}
    assert len({name for name, _, _ in CASES}) == len(TESTS)


def _only_window_duplicates(sent: list[SendEffect], reference: list[SendEffect]) -> bool:
    """`sent` is `reference` with at most one message repeated right after itself."""
    if sent == reference:
        return True
    if len(sent) != len(reference) + 1:
        return False
    for i in range(len(sent) - 1):
        if sent[i] == sent[i + 1] and sent[:i + 1] + sent[i + 2:] == reference:
            return True
    return False


@pytest.mark.parametrize(("name", "point", "nth"), CASES,
                         ids=[f"{n}-{p}-{k}" for n, p, k in CASES])
async def test_a_crash_anywhere_ends_the_conversation_as_without_it(
        name: str, point: str, nth: int) -> None:
    test = next(t for t in TESTS if t.name == name)
    _, reference = await _play(test, Faults())
    session, ending = await _play(test, Faults(point, nth))
    assert session.crashes == 1
    assert ending.customer == reference.customer
    assert ending.state == reference.state
    assert ending.outbox_left == reference.outbox_left == 0
    if point == "carried_out":
        assert _only_window_duplicates(ending.sent, reference.sent)
    else:
        assert ending.sent == reference.sent
    assert sorted(set(ending.events)) == sorted(set(reference.events))
