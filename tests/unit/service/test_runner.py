"""The service's worker loop: inbox rows become replies, timers fire, a failing round waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from wactl.compiler import compile_project
from wactl.runtime.driver import Conductor, Dispatcher, Outside
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.inbox import ForwardingInbox, InboxRow, InboxStore
from wactl.runtime.memory import (
    InMemoryChannel,
    InMemoryEventPublisher,
    ManualClock,
    MemoryStore,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.service import runner
from wactl.service.runner import Workers

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
FLOW = """
flow: nap
trigger: {keyword: [nap]}
steps:
  - id: ok
    send: "Napping."
  - id: sleep
    wait: 1h
  - id: wake
    send: "Awake."
"""


def _workers() -> tuple[Workers, MemoryStore, InMemoryChannel, ManualClock]:
    result = compile_project({"flows/nap.yaml": FLOW})
    assert result.program is not None
    store, channel, clock = MemoryStore(), InMemoryChannel(), ManualClock(T0)
    conductor = Conductor(store, {"shop": Engine(result.program)})
    outside = Outside(channel, UnavailableHttpClient(), UnavailableAiClient(),
                      InMemoryEventPublisher())
    dispatcher = Dispatcher(store, conductor, outside, clock)
    return Workers.of(conductor, store.inbox, dispatcher, clock, owner="w1"), store, channel, clock


async def test_rounds_turn_inbox_rows_into_replies_and_fire_timers() -> None:
    workers, store, channel, clock = _workers()
    await store.inbox.put([("shop", Inbound("849", T0, "text", id="m1", text="nap"))], at=T0)
    while await workers.round():
        pass
    assert [getattr(m, "text", "") for _, m in channel.outbox] == ["Napping."]
    clock.advance(timedelta(hours=1, seconds=1))
    while await workers.round():
        pass
    assert [getattr(m, "text", "") for _, m in channel.outbox] == ["Napping.", "Awake."]


class FlakyInbox(ForwardingInbox):
    """An inbox whose store is down for the first two claims."""

    def __init__(self, inner: InboxStore) -> None:
        super().__init__(inner)
        self.failures = 2

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database restarting")
        return await self.inner.claim(owner, now=now, lease=lease, limit=limit)


async def test_the_loop_survives_a_failing_round_and_stops_when_told(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workers, store, channel, _ = _workers()
    assert workers.inbox is not None
    flaky = workers.inbox.inbox = FlakyInbox(store.inbox)
    monkeypatch.setattr(runner, "BACKOFF", 0.0)
    await store.inbox.put([("shop", Inbound("849", T0, "text", id="m1", text="nap"))], at=T0)
    stop = asyncio.Event()
    task = asyncio.create_task(workers.run(stop))
    for _ in range(200):
        if channel.outbox:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [getattr(m, "text", "") for _, m in channel.outbox] == ["Napping."]
    assert flaky.failures == 0
