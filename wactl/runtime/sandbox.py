"""One shop's program over in-memory stores: what `wactl test` and `wactl simulate` run.

The sandbox is the service's path with the outside world drained in order: every
event is a unit of work through the `Conductor`, and after it the dispatchers carry
out the outbox until nothing is left (HTTP and AI answers come back as events of
their own), so every example test exercises what `wactl serve` will run.
`advance_to` moves a `ManualClock` through the due timers and schedule times in
time order, firing each with the clock at its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from wactl.runtime.driver import (
    Clockwork,
    Conductor,
    Dispatcher,
    EngineLike,
    Faults,
    Handled,
    Outside,
)
from wactl.runtime.driver.faults import NO_FAULTS
from wactl.runtime.effects import Effect, Log
from wactl.runtime.events import Event
from wactl.runtime.memory import (
    InMemoryChannel,
    InMemoryEventPublisher,
    ManualClock,
    MemoryStore,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.runtime.ports import AiClient, HttpClient, SettableClock
from wactl.runtime.records import DEFAULT_SHOP

MAX_ROUNDS = 100
"""Dispatch rounds after one event (answers fed back, sends made): a guard against a
flow that calls forever."""
MAX_FIRINGS = 10_000
"""Timers and schedule times one `advance_to` fires: a guard against a timer loop."""


class Sandbox:
    """An engine, an in-memory store and the outside world's stand-ins, for one shop."""

    def __init__(self, engine: EngineLike, *, clock: ManualClock | None = None,
                 http: HttpClient | None = None, ai: AiClient | None = None,
                 channel: InMemoryChannel | None = None,
                 events: InMemoryEventPublisher | None = None,
                 store: MemoryStore | None = None, shop_id: str = DEFAULT_SHOP,
                 check_json: bool = True, tier: int | None = None,
                 faults: Faults = NO_FAULTS, start: datetime | None = None) -> None:
        self.engine, self.shop_id = engine, shop_id
        self.clock = clock or ManualClock()
        self.store = store or MemoryStore(check_json=check_json)
        self.shop = self.store.shop(shop_id)
        self.channel = channel or InMemoryChannel()
        self.events = events or InMemoryEventPublisher()
        self.http = http or UnavailableHttpClient()
        self.ai = ai or UnavailableAiClient()
        tiers = {} if tier is None else {shop_id: tier}
        self.conductor = Conductor(self.store, {shop_id: engine}, tiers=tiers, faults=faults)
        outside = Outside(self.channel, self.http, self.ai, self.events)
        self.dispatcher = Dispatcher(self.store, self.conductor, outside, self.clock,
                                     faults=faults)
        self.clockwork = Clockwork(self.store, self.conductor, self.clock, start=start)

    async def handle(self, event: Event, *, key: str | None = None) -> list[Effect]:
        """Handle `event`, then drain the outbox; every effect decided, in order."""
        handled = await self.conductor.handle(self.shop_id, event, key=key)
        return [*handled.effects, *await self.drain()]

    async def drain(self) -> list[Effect]:
        """Carry out the outbox until it is empty (or only waits for a later time)."""
        done: list[Effect] = []
        for _ in range(MAX_ROUNDS):
            if not self.store.claimable(self.clock.now()):
                return done
            done += _effects(await self.dispatcher.run_once())
        done.append(Log("error", "driver_rounds",
                        f"stopped after {MAX_ROUNDS} dispatch rounds for one event; "
                        f"{len(self.store.pending_outbox())} outbox entries left"))
        return done

    async def advance_to(self, when: datetime) -> list[Effect]:
        """Fire due timers and schedule times up to `when`, earliest first (after
        carrying out what the outbox still holds, e.g. from before a restart)."""
        done: list[Effect] = await self.drain()
        for _ in range(MAX_FIRINGS):
            moment = await self._next_moment(when)
            if moment is None:
                break
            self._set_clock(moment)
            done += _effects(await self.clockwork.fire_timers(moment))
            done += _effects(await self.clockwork.tick(self.shop_id, moment))
            done += await self.drain()
        else:
            done.append(Log("error", "driver_firings",
                            f"stopped after {MAX_FIRINGS} timers and schedule times"))
        self._set_clock(when)
        return done

    async def _next_moment(self, when: datetime) -> datetime | None:
        timers = await self.shop.timers.due(when, limit=1)
        tick = await self.clockwork.next_time(self.shop_id, when)
        waits = self.store.tables.kv["outbox_not_before"]
        retry = min((w for w in waits.values() if self.clock.now() < w <= when), default=None)
        times = [t for t in (timers[0].at if timers else None, tick, retry) if t is not None]
        return min(times, default=None)

    def _set_clock(self, when: datetime) -> None:
        if isinstance(self.clock, SettableClock):
            self.clock.set(when)


def _effects(handled: Sequence[Handled]) -> list[Effect]:
    return [effect for h in handled for effect in h.effects]
