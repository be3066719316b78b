"""Inbox contract: received events kept in one write, claimed per conversation in order.

Run for every store in `INBOXES` (the PostgreSQL inbox adds itself with one line, as
the stores do in `kits.FACTORIES`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from contract.kits import T0
from wactl.runtime.events import Inbound, StatusUpdate
from wactl.runtime.inbox import InboxStore
from wactl.runtime.memory import MemoryStore

INBOXES: dict[str, Callable[[], InboxStore]] = {"memory": lambda: MemoryStore().inbox}
LEASE = timedelta(seconds=30)


@pytest.fixture(params=sorted(INBOXES))
def inbox(request: pytest.FixtureRequest) -> InboxStore:
    return INBOXES[request.param]()


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
