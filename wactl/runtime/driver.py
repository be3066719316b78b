"""The driver: feeds events to the pure engine and carries out its effects through the ports.

`Conductor.handle` takes one event to the end: it loads the conversation (the customer
from the customer store, the authoritative copy), runs the engine, carries out every
effect in order, feeds HTTP and AI answers back into the engine until nothing is
outstanding, and saves the state and runs after every engine outcome, so a crash
between two outcomes resumes from the last one.  One conversation is handled at a
time (a lock per wa_id); different conversations run concurrently.

`Conductor.advance_to` moves time: timers due by then fire in time order, and the
`schedule` triggers' cron times send a `ScheduleTick` to every known customer (the
engine checks each flow's audience and `if`).

The same driver serves tests, `wactl simulate` (in-memory ports, `Ports.in_memory`)
and, with PostgreSQL/WhatsApp ports, the service.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from wactl.compiler.ir import IRScheduleTrigger, Program
from wactl.runtime.driver_effects import carry_out, inbound_record
from wactl.runtime.effects import Effect, Log
from wactl.runtime.engine import Outcome
from wactl.runtime.events import Event, Inbound, ScheduleTick, TimerFired
from wactl.runtime.ports import (
    AiClient,
    Channel,
    Clock,
    ConversationStore,
    CustomerStore,
    EventPublisher,
    HttpClient,
    RunStore,
    SettableClock,
    TimerRecord,
    TimerStore,
)
from wactl.runtime.schedule import next_fire
from wactl.runtime.state import ConversationState, Customer

log = logging.getLogger("wactl.runtime")

MAX_ROUNDS = 100
"""Engine calls per event (the event plus the HTTP/AI answers fed back): a guard."""
MAX_FIRINGS = 10_000
"""Timers and schedule times one `advance_to` fires: a guard against a timer loop."""


class EngineLike(Protocol):
    """What the driver uses of `wactl.runtime.engine.Engine` (tests may pass a stub)."""

    @property
    def program(self) -> Program: ...

    def handle(self, state: ConversationState, event: Event) -> Outcome: ...


@dataclass
class Ports:
    """Everything the driver talks to."""

    customers: CustomerStore
    conversations: ConversationStore
    runs: RunStore
    timers: TimerStore
    channel: Channel
    http: HttpClient
    ai: AiClient
    events: EventPublisher
    clock: Clock

    @classmethod
    def in_memory(cls, *, clock: Clock | None = None, http: HttpClient | None = None,
                  ai: AiClient | None = None, check_json: bool = True) -> Ports:
        """In-memory stores, channel and publisher; no network unless `http`/`ai` are given.

        `check_json=False` keeps conversation states as copies instead of JSON text.
        """
        from wactl.runtime import memory

        return cls(memory.InMemoryCustomerStore(),
                   memory.InMemoryConversationStore(check_json=check_json),
                   memory.InMemoryRunStore(), memory.InMemoryTimerStore(),
                   memory.InMemoryChannel(), http or memory.UnavailableHttpClient(),
                   ai or memory.UnavailableAiClient(), memory.InMemoryEventPublisher(),
                   clock or memory.ManualClock())


class Conductor:
    """Runs events through `engine` with `ports`; see the module docstring."""

    def __init__(self, engine: EngineLike, ports: Ports) -> None:
        self.engine = engine
        self.ports = ports
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())
        self._checked = ports.clock.now()
        """Schedule times up to here have been ticked."""

    # ------------------------------------------------------------------ one event

    async def handle(self, event: Event) -> list[Effect]:
        """Handle `event` fully; returns every effect carried out, in order."""
        lock = self._locks.get(event.wa_id)
        if lock is None:
            lock = self._locks[event.wa_id] = asyncio.Lock()
        async with lock:
            return await self._handle_locked(event)

    async def _handle_locked(self, event: Event) -> list[Effect]:
        state, known = await self._load(event.wa_id)
        before = state.customer.clone()
        if isinstance(event, Inbound):
            await self.ports.conversations.append_message(inbound_record(event))
        done: list[Effect] = []
        queue: list[Event] = [event]
        for _ in range(MAX_ROUNDS):
            if not queue:
                break
            outcome = self.engine.handle(state, queue.pop(0))
            state = outcome.state
            await self._save(state)
            for effect in outcome.effects:
                answer = await carry_out(self.ports, state.wa_id, effect, self._time(event))
                done.append(effect)
                if answer is not None:
                    queue.append(answer)
        if queue:
            done.append(await self._give_up(state.wa_id, len(queue)))
        await self._save_customer(state.customer, before, known)
        return done

    def _time(self, event: Event) -> datetime:
        """The time of an answer fed back: now, but never before the event itself."""
        return max(self.ports.clock.now(), event.at)

    async def _load(self, wa_id: str) -> tuple[ConversationState, bool]:
        """The conversation (new if none) with the stored customer; whether it was known."""
        state = await self.ports.conversations.load(wa_id) or ConversationState.new(wa_id)
        customer = await self.ports.customers.get(wa_id)
        if customer is None:
            await self.ports.customers.save(state.customer)
            return state, False
        state.customer = customer
        return state, True

    async def _save(self, state: ConversationState) -> None:
        """Store the state, the runs that ended, and the run in progress."""
        await self.ports.conversations.save(state)
        for run in state.finished:
            await self.ports.runs.save(state.wa_id, run, finished=True)
        if state.run is not None:
            await self.ports.runs.save(state.wa_id, state.run)

    async def _save_customer(self, customer: Customer, before: Customer, known: bool) -> None:
        """Store profile changes (name, language, first contact) the engine made.

        Tags, fields and consent went to the store as changes while effects were
        carried out; the whole customer is written only when the profile changed.
        """
        profile = (customer.name, customer.language, customer.first_contacted_at)
        if not known or profile != (before.name, before.language, before.first_contacted_at):
            stored = await self.ports.customers.get(customer.wa_id) or customer
            stored.name, stored.language = customer.name, customer.language
            stored.first_contacted_at = customer.first_contacted_at
            await self.ports.customers.save(stored)

    async def _give_up(self, wa_id: str, left: int) -> Log:
        effect = Log("error", "driver_rounds",
                     f"stopped after {MAX_ROUNDS} engine calls for one event; "
                     f"{left} answer(s) not fed back")
        await carry_out(self.ports, wa_id, effect, self.ports.clock.now())
        return effect

    # ------------------------------------------------------------------ time

    async def advance_to(self, when: datetime) -> list[Effect]:
        """Fire due timers and schedule times up to `when`, earliest first."""
        done: list[Effect] = []
        for _ in range(MAX_FIRINGS):
            timer = await self._next_timer(when)
            tick = self._next_tick(when)
            if timer is None and tick is None:
                break
            if timer is not None and (tick is None or timer.at <= tick[0]):
                done += await self._fire_timer(timer)
            elif tick is not None:
                done += await self._fire_schedule(*tick)
        else:
            done.append(Log("error", "driver_firings",
                            f"stopped after {MAX_FIRINGS} timers and schedule times"))
            log.error("advance_to stopped", extra={"code": "driver_firings"})
        self._set_clock(when)
        self._checked = max(self._checked, when)
        return done

    async def _next_timer(self, when: datetime) -> TimerRecord | None:
        due = await self.ports.timers.due(when, limit=1)
        return due[0] if due else None

    def _next_tick(self, when: datetime) -> tuple[datetime, Sequence[str]] | None:
        """The earliest schedule time in (checked, when] and the flows due then."""
        tz = ZoneInfo(self.engine.program.project.timezone)
        found: dict[datetime, list[str]] = {}
        for flow in self.engine.program.flows:
            if isinstance(flow.trigger, IRScheduleTrigger):
                moment = next_fire(flow.trigger.cron, self._checked, tz)
                if moment is not None and moment <= when:
                    found.setdefault(moment, []).append(flow.id)
        if not found:
            return None
        first = min(found)
        return first, found[first]

    async def _fire_timer(self, timer: TimerRecord) -> list[Effect]:
        self._set_clock(timer.at)
        effects = await self.handle(TimerFired(timer.wa_id, timer.at, timer.timer_id))
        await self.ports.timers.cancel(timer.wa_id, timer.timer_id)
        return effects

    async def _fire_schedule(self, moment: datetime, flows: Sequence[str]) -> list[Effect]:
        self._set_clock(moment)
        self._checked = moment
        done: list[Effect] = []
        for flow in flows:
            async for wa_id in _customer_ids(self.ports.customers):
                done += await self.handle(ScheduleTick(wa_id, moment, flow))
        return done

    def _set_clock(self, when: datetime) -> None:
        clock = self.ports.clock
        if isinstance(clock, SettableClock):
            clock.set(when)


async def _customer_ids(customers: CustomerStore, page: int = 500) -> AsyncIterator[str]:
    """Every customer id, a page at a time."""
    after: str | None = None
    while True:
        ids = await customers.list_ids(after=after, limit=page)
        for wa_id in ids:
            yield wa_id
        if len(ids) < page:
            return
        after = ids[-1]
