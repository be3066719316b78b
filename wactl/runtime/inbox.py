"""The inbox: events received from outside, kept durably until a worker has handled them.

The webhook handler puts every event a body holds in the inbox in one write before it
answers WhatsApp, so a crash after the answer loses nothing.  Workers claim rows the
way dispatchers claim outbox entries: per conversation only its oldest row, and only
when none of that conversation's is leased, so a conversation's events are handled
one at a time in arrival order while other conversations go on in parallel.  A row
ends in the unit of work that handles its event (one commit: the effects and the row's
end), so a crash never leaves a handled row behind; a status row ends after its
update, and handling it twice is harmless (statuses only move forward).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wactl.runtime.driver import Conductor
from wactl.runtime.events import Event, StatusUpdate
from wactl.runtime.ports import Clock, UnitOfWork

log = logging.getLogger("wactl.runtime")


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One received event of one shop's conversation; `id` orders arrival."""

    id: int
    shop_id: str
    event: Event
    received_at: datetime


class InboxStore(Protocol):
    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        """Keep every (shop, event) in one write, in the order given."""
        ...

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        """Per conversation its oldest row, if none of that conversation is leased."""
        ...

    async def done(self, row_id: int) -> None:
        ...

    async def done_in(self, unit: UnitOfWork, row_id: int) -> None:
        """End the row inside `unit` (a unit of work of this inbox's store), so that it
        ends if and only if the unit commits."""
        ...

    async def pending(self) -> int:
        """Rows not yet handled."""
        ...


class ForwardingInbox:
    """An inbox handing every call to `inner`: a wrapper (group commit, a test's outage)
    overrides only what it changes."""

    def __init__(self, inner: InboxStore) -> None:
        self.inner = inner

    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        return await self.inner.put(items, at=at)

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        return await self.inner.claim(owner, now=now, lease=lease, limit=limit)

    async def done(self, row_id: int) -> None:
        await self.inner.done(row_id)

    async def done_in(self, unit: UnitOfWork, row_id: int) -> None:
        await self.inner.done_in(unit, row_id)

    async def pending(self) -> int:
        return await self.inner.pending()


class InboxWorker:
    """Handles claimed inbox rows: statuses by `Conductor.status`, the rest as units."""

    def __init__(self, inbox: InboxStore, conductor: Conductor, clock: Clock, *,
                 owner: str = "inbox", lease: timedelta = timedelta(seconds=60),
                 parallel: int = 1) -> None:
        self.inbox, self.conductor, self.clock = inbox, conductor, clock
        self.owner, self.lease = owner, lease
        self.parallel = parallel
        """Rows handled at once: a claim holds one row per conversation, so rows of a
        batch are of different conversations and may go side by side (1: in order)."""

    async def run_once(self, limit: int = 100) -> int:
        """Claim a batch and handle it; the number of rows handled."""
        rows = await self.inbox.claim(self.owner, now=self.clock.now(), lease=self.lease,
                                      limit=limit)
        if self.parallel <= 1:
            for row in rows:
                await self._handle(row)
            return len(rows)
        gate = asyncio.Semaphore(self.parallel)

        async def gated(row: InboxRow) -> None:
            async with gate:
                await self._handle(row)

        await asyncio.gather(*(gated(row) for row in rows))
        return len(rows)

    async def _handle(self, row: InboxRow) -> None:
        if isinstance(row.event, StatusUpdate):
            await self.conductor.status(row.shop_id, row.event)
            await self.inbox.done(row.id)
            return

        async def end(unit: UnitOfWork) -> None:
            await self.inbox.done_in(unit, row.id)

        handled = await self.conductor.handle(row.shop_id, row.event, also=end)
        if handled.verdict == "unknown_shop":  # no unit was opened
            await self.inbox.done(row.id)
