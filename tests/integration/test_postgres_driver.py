"""The runtime's driver on the PostgreSQL stores: a conversation, a restart, a timer, statuses.

The contract checks each port alone; this runs the real Conductor, Dispatcher and
Clockwork over `PostgresStore`, as `wactl serve` will, with the in-memory channel
standing in for WhatsApp.  A restart is a new store on a new pool over the same schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from contract.postgres_kit import database_url, fresh_schema

from wactl.compiler.project import compile_project
from wactl.runtime.driver import Clockwork, Conductor, Dispatcher, Outside
from wactl.runtime.effects import SendText
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound, StatusUpdate
from wactl.runtime.memory import (
    InMemoryChannel,
    InMemoryEventPublisher,
    ManualClock,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.runtime.records import DEFAULT_SHOP
from wactl.service.postgres import PostgresStore, create_pool

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
WA = "84900000001"
FLOWS = {"flows/echo.yaml": """
flow: echo
trigger: {keyword: [hi]}
steps:
  - id: a
    send: "Hello!"
  - id: b
    ask: "Your name?"
    save: name
  - id: c
    send: "Nice to meet you, {{ name }}."
""", "flows/nap.yaml": """
flow: nap
trigger: {keyword: [nap]}
steps:
  - id: sleep
    wait: 1h
  - id: wake
    send: "Awake."
"""}


def _engine() -> Engine:
    result = compile_project(FLOWS)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return Engine(result.program)


@dataclass
class Service:
    """One process of the service: its store on its own pool, and the driver."""

    store: PostgresStore
    conductor: Conductor
    dispatcher: Dispatcher
    clockwork: Clockwork

    @classmethod
    def over(cls, store: PostgresStore, channel: InMemoryChannel,
             clock: ManualClock) -> Service:
        conductor = Conductor(store, {DEFAULT_SHOP: _engine()})
        outside = Outside(channel, UnavailableHttpClient(), UnavailableAiClient(),
                          InMemoryEventPublisher())
        return cls(store, conductor, Dispatcher(store, conductor, outside, clock),
                   Clockwork(store, conductor, clock))

    async def say(self, text: str, n: int) -> None:
        await self.conductor.handle(DEFAULT_SHOP, Inbound(WA, T0, "text", id=f"wamid.in{n}",
                                                          text=text))
        await self.drain()

    async def drain(self) -> None:
        """Dispatch until the outbox is empty (a send's round reports no event)."""
        for _ in range(20):
            if not await self.store.pending_outbox():
                return
            await self.dispatcher.run_once()
        raise AssertionError("the outbox never emptied")


@pytest.fixture
async def world() -> AsyncIterator[tuple[str, InMemoryChannel, ManualClock, Service]]:
    async with fresh_schema() as pool:
        schema = await pool.fetchval("SELECT current_schema()")
        channel, clock = InMemoryChannel(), ManualClock(T0)
        yield schema, channel, clock, Service.over(PostgresStore(pool), channel, clock)


def _texts(channel: InMemoryChannel) -> list[str]:
    return [m.text if isinstance(m, SendText) else type(m).__name__
            for m in channel.sent(WA)]


async def test_a_conversation_continues_after_a_restart_and_duplicates_are_answered_once(
        world: tuple[str, InMemoryChannel, ManualClock, Service]) -> None:
    schema, channel, clock, first = world
    await first.say("hi", 1)
    await first.say("hi", 1)  # WhatsApp delivers it again
    assert _texts(channel) == ["Hello!", "Your name?"]
    restarted_pool = await create_pool(database_url(), schema=schema)
    try:
        again = Service.over(PostgresStore(restarted_pool), channel, clock)
        await again.say("Lan\x00", 2)
        await again.say("Lan\x00", 2)
        assert _texts(channel) == ["Hello!", "Your name?", "Nice to meet you, Lan\x00."]
        log = await again.store.shop(DEFAULT_SHOP).conversations.messages(WA)
        assert [(m.direction, m.text, m.status) for m in log] == [
            ("in", "hi", ""), ("out", "Hello!", "sent"), ("out", "Your name?", "sent"),
            ("in", "Lan\x00", ""), ("out", "Nice to meet you, Lan\x00.", "sent")]
        assert all(m.wa_message_id.startswith("wamid.") for m in log if m.direction == "out")
        [run] = await again.store.shop(DEFAULT_SHOP).runs.finished(WA)
        steps = await again.store.shop(DEFAULT_SHOP).runs.steps(WA, run.id)
        assert [s.step for s in steps] == ["a", "b", "b", "c", "end"]
    finally:
        await restarted_pool.close()


async def test_statuses_out_of_order_leave_the_message_read(
        world: tuple[str, InMemoryChannel, ManualClock, Service]) -> None:
    _, channel, _, service = world
    await service.say("hi", 1)
    first_id = channel.outbox[0][0]
    for status in ("read", "delivered", "sent"):
        await service.conductor.status(DEFAULT_SHOP, StatusUpdate(WA, T0, first_id, status))
    log = await service.store.shop(DEFAULT_SHOP).conversations.messages(WA)
    assert [m.status for m in log if m.direction == "out"] == ["read", "sent"]


async def test_a_wait_timer_fires_once(
        world: tuple[str, InMemoryChannel, ManualClock, Service]) -> None:
    _, channel, clock, service = world
    await service.say("nap", 1)
    assert await service.clockwork.fire_timers(clock.now()) == []
    clock.set(T0 + timedelta(hours=1))
    assert len(await service.clockwork.fire_timers(clock.now())) == 1
    await service.drain()
    assert await service.clockwork.fire_timers(clock.now()) == []
    await service.drain()
    assert _texts(channel) == ["Awake."]
    assert await service.store.shop(DEFAULT_SHOP).timers.pending() == []
