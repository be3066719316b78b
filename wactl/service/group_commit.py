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
from datetime import datetime

from wactl.runtime.events import Event
from wactl.runtime.inbox import ForwardingInbox, InboxRow, InboxStore

MAX_BATCH = 256
"""Bodies one write takes at most (the rest wait for the next)."""

Items = list[tuple[str, Event]]


class GroupCommit(ForwardingInbox):
    """An `InboxStore` whose `put`s are batched; claims and the rest go straight through."""

    def __init__(self, inner: InboxStore, *, max_batch: int = MAX_BATCH) -> None:
        super().__init__(inner)
        self.max_batch = max_batch
        self._queue: list[tuple[Items, datetime, asyncio.Future[list[InboxRow]]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def put(self, items: Items, *, at: datetime) -> list[InboxRow]:
        if not items:
            return []
        done: asyncio.Future[list[InboxRow]] = asyncio.get_running_loop().create_future()
        self._queue.append((items, at, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await done

    async def _write(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            at = max(when for _, when, _ in batch)  # when the last of them arrived
            try:
                rows = await self.inner.put([i for items, _, _ in batch for i in items], at=at)
            except Exception as exc:  # every waiter of the batch hears of it
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            start = 0
            for items, _, done in batch:
                if not done.done():
                    done.set_result(rows[start:start + len(items)])
                start += len(items)
