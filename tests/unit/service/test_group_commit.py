"""Group commit: concurrent puts share a write, each gets its own rows, failures fail all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from wactl.runtime.events import Event, Inbound
from wactl.runtime.inbox import ForwardingInbox, InboxRow
from wactl.runtime.memory import MemoryStore
from wactl.service.group_commit import GroupCommit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Counting(ForwardingInbox):
    """The in-memory inbox, counting writes (and failing them while `down`)."""

    def __init__(self) -> None:
        super().__init__(MemoryStore().inbox)
        self.writes: list[int] = []
        self.down = False

    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        await asyncio.sleep(0)  # a write takes a round trip: others queue meanwhile
        if self.down:
            raise ConnectionError("database gone")
        self.writes.append(len(items))
        return await self.inner.put(items, at=at)


def _body(n: int, events: int = 1) -> list[tuple[str, Event]]:
    return [("shop", Inbound(f"849{n:08d}", T0, id=f"w{n}.{i}", text="hi"))
            for i in range(events)]


async def test_concurrent_puts_share_writes_and_each_gets_its_own_rows() -> None:
    store = Counting()
    group = GroupCommit(store)
    bodies = [_body(n, events=1 + n % 3) for n in range(50)]
    rows = await asyncio.gather(*(group.put(b, at=T0) for b in bodies))
    assert [[r.event for r in got] for got in rows] == [[e for _, e in b] for b in bodies]
    assert sum(store.writes) == sum(len(b) for b in bodies) == await group.pending()
    assert len(store.writes) < len(bodies)  # shared writes, not one per body
    ids = [r.id for got in rows for r in got]
    assert ids == sorted(ids)  # arrival order kept


async def test_a_failed_write_fails_every_put_of_its_batch_and_the_next_goes_on() -> None:
    store = Counting()
    group = GroupCommit(store)
    store.down = True
    results = await asyncio.gather(*(group.put(_body(n), at=T0) for n in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await group.pending() == 0
    store.down = False
    assert len(await group.put(_body(9), at=T0)) == 1


async def test_a_batch_is_cut_at_its_limit() -> None:
    store = Counting()
    group = GroupCommit(store, max_batch=4)
    await asyncio.gather(*(group.put(_body(n), at=T0) for n in range(10)))
    assert max(store.writes) <= 4 and sum(store.writes) == 10


async def test_an_empty_body_writes_nothing() -> None:
    store = Counting()
    assert await GroupCommit(store).put([], at=T0) == []
    assert store.writes == []


@pytest.mark.parametrize("count", [1, 2])
async def test_claims_go_straight_through(count: int) -> None:
    store = Counting()
    group = GroupCommit(store)
    for n in range(count):
        await group.put(_body(n), at=T0)
    claimed = await group.claim("w", now=T0, lease=timedelta(seconds=5))
    assert len(claimed) == count
