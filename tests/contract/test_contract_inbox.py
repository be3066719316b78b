"""Inbox contract: received events kept in one write, claimed per conversation in order.

Run for every store in `INBOXES` (the PostgreSQL inbox adds itself with one line, as
the stores do in `kits.FACTORIES`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

import pytest

from contract.kits import T0
from contract.postgres_kit import fresh_schema
from wactl.runtime.events import Inbound, StatusUpdate
from wactl.runtime.inbox import InboxStore
from wactl.runtime.memory import MemoryStore
from wactl.service.postgres.inbox import PostgresInbox

LEASE = timedelta(seconds=30)


@asynccontextmanager
async def memory_inbox() -> AsyncIterator[InboxStore]:
    yield MemoryStore().inbox


@asynccontextmanager
async def postgres_inbox() -> AsyncIterator[InboxStore]:
    async with fresh_schema() as pool:
        yield PostgresInbox(pool)


INBOXES: dict[str, Callable[[], AbstractAsyncContextManager[InboxStore]]] = {
    "memory": memory_inbox, "postgres": postgres_inbox}


@pytest.fixture(params=sorted(INBOXES))
async def inbox(request: pytest.FixtureRequest) -> AsyncIterator[InboxStore]:
    async with INBOXES[request.param]() as store:
        yield store


def _msg(wa_id: str, n: int) -> Inbound:
    return Inbound(wa_id, T0, "text", id=f"wamid.{wa_id}.{n}", text=f"m{n}")


async def test_rows_of_a_conversation_are_claimed_one_at_a_time_in_order(
        inbox: InboxStore) -> None:
    rows = await inbox.put([("s", _msg("1", 1)), ("s", _msg("2", 1)), ("s", _msg("1", 2)),
                            ("t", _msg("1", 1))], at=T0)
    first = await inbox.claim("w", now=T0, lease=LEASE)
    assert [r.id for r in first] == [rows[0].id, rows[1].id, rows[3].id]
    assert await inbox.claim("w2", now=T0, lease=LEASE) == []
    await inbox.done(rows[0].id)
    [second] = await inbox.claim("w2", now=T0, lease=LEASE)
    assert second.event == _msg("1", 2) and second.shop_id == "s"
    assert await inbox.pending() == 3


async def test_any_text_survives_the_inbox(inbox: InboxStore) -> None:
    event = Inbound("849\x00", T0, "text", id="wamid.\x00", text="nul\x00 \U0001f600 Tiếng Việt")
    await inbox.put([("s\x00hop", event)], at=T0)
    [row] = await inbox.claim("w", now=T0, lease=LEASE)
    assert (row.shop_id, row.event) == ("s\x00hop", event)


async def test_a_dead_workers_rows_are_claimed_again_after_the_lease(inbox: InboxStore) -> None:
    [row] = await inbox.put([("s", StatusUpdate("1", T0, "wamid.x", "read"))], at=T0)
    assert [r.id for r in await inbox.claim("w1", now=T0, lease=LEASE)] == [row.id]
    later = T0 + LEASE + timedelta(seconds=1)
    assert [r.id for r in await inbox.claim("w2", now=later, lease=LEASE)] == [row.id]
    await inbox.done(row.id)
    await inbox.done(row.id)  # twice is fine
    assert await inbox.pending() == 0


async def test_concurrent_claimers_never_share_a_row(inbox: InboxStore) -> None:
    await inbox.put([("s", _msg(str(n), 1)) for n in range(25)], at=T0)
    batches = await asyncio.gather(*(inbox.claim(f"w{n}", now=T0, lease=LEASE, limit=3)
                                     for n in range(10)))
    ids = [r.id for batch in batches for r in batch]
    assert len(ids) == len(set(ids)) == 25


async def test_a_row_put_while_the_last_one_ends_is_never_stranded(inbox: InboxStore) -> None:
    for n in range(20):  # one conversation: its only row ends as the next arrives
        [row] = await inbox.put([("s", _msg("9", 2 * n))], at=T0)
        assert [r.id for r in await inbox.claim("w", now=T0, lease=LEASE)] == [row.id]
        done, (new,) = await asyncio.gather(inbox.done(row.id),
                                            inbox.put([("s", _msg("9", 2 * n + 1))], at=T0))
        assert done is None
        [next_row] = await inbox.claim("w", now=T0, lease=LEASE)
        assert next_row.id == new.id
        await inbox.done(new.id)
    assert await inbox.pending() == 0


async def test_a_long_backlog_of_one_conversation_leaves_the_others_their_turn(
        inbox: InboxStore) -> None:
    await inbox.put([("s", _msg("flood", n)) for n in range(500)], at=T0)
    quiet = await inbox.put([("s", _msg("quiet", 1))], at=T0)
    claimed = await inbox.claim("w", now=T0, lease=LEASE)
    assert [r.event.wa_id for r in claimed] == ["flood", "quiet"]
    assert claimed[1].id == quiet[0].id
