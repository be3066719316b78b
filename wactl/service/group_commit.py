"""Group commit for the inbox: concurrent webhook bodies written in one statement.

Every webhook handler must have its body durably in the inbox before it answers 200.
Written one by one, each body costs a pool checkout and a transaction: the database's
round trips, not the handler, bound the acknowledgement rate.  `GroupCommit` queues the
bodies that arrive while a write is in flight and writes them together as the next
write; each handler still awaits its own body's commit before answering, so nothing is
acknowledged that is not stored, and a failed write fails every handler of its batch
(each answers 503, and WhatsApp delivers them again).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from wactl.runtime.events import Event
from wactl.runtime.inbox import InboxRow, InboxStore
from wactl.runtime.ports import UnitOfWork

MAX_BATCH = 256
"""Bodies one write takes at most (the rest wait for the next)."""

Items = list[tuple[str, Event]]


class GroupCommit:
    """An `InboxStore` whose `put`s are batched; claims and the rest go straight through."""

    def __init__(self, inner: InboxStore, *, max_batch: int = MAX_BATCH) -> None:
        self.inner, self.max_batch = inner, max_batch
        self._queue: list[tuple[Items, asyncio.Future[list[InboxRow]]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def put(self, items: Items, *, at: datetime) -> list[InboxRow]:
        if not items:
            return []
        done: asyncio.Future[list[InboxRow]] = asyncio.get_running_loop().create_future()
        self._queue.append((items, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(at))
        return await done

    async def _write(self, at: datetime) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                rows = await self.inner.put([i for items, _ in batch for i in items], at=at)
            except Exception as exc:  # every waiter of the batch hears of it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            start = 0
            for items, done in batch:
                if not done.done():
                    done.set_result(rows[start:start + len(items)])
                start += len(items)

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        return await self.inner.claim(owner, now=now, lease=lease, limit=limit)

    async def done(self, row_id: int) -> None:
        await self.inner.done(row_id)

    async def done_in(self, unit: UnitOfWork, row_id: int) -> None:
        await self.inner.done_in(unit, row_id)

    async def pending(self) -> int:
        return await self.inner.pending()
