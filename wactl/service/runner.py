"""The service's workers in one process: inbox, outbox, timers, schedules and jobs, in a loop.

`Workers.run` goes round until stopped: it handles claimed inbox rows (each a unit of
work), carries out claimed outbox entries, fires claimed due timers and ticks each
shop's schedules, and sleeps a little only when a round found nothing to do.  Every
step claims with a lease in the store, so any number of processes may run it side by
side on one PostgreSQL; in memory, one process owns everything.

A failure of one round (the database gone for a moment) is logged and the loop goes
on after a pause: what was claimed and not finished is claimed again when its lease
runs out, and what was committed stays committed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from wactl.runtime.driver import Clockwork, Conductor, Dispatcher
from wactl.runtime.inbox import InboxStore, InboxWorker
from wactl.runtime.ports import Clock

if TYPE_CHECKING:
    from wactl.service.jobs import Jobs

log = logging.getLogger("wactl.service")

IDLE = 0.05
"""Seconds to sleep after a round that found nothing to do."""
BACKOFF = 1.0
"""Seconds to wait after a round that failed."""


@dataclass
class Workers:
    """Everything that works off durable queues, for every shop of `conductor`."""

    conductor: Conductor
    inbox: InboxWorker | None
    """None when the webhook handler runs each event's unit itself (no inbox store)."""
    dispatcher: Dispatcher
    clockwork: Clockwork
    clock: Clock
    jobs: Jobs | None = None
    """Routing refresh, session expiry, retention (`wactl.service.jobs`)."""

    @classmethod
    def of(cls, conductor: Conductor, inbox: InboxStore | None, dispatcher: Dispatcher,
           clock: Clock, *, owner: str, lease: timedelta = timedelta(seconds=60),
           parallel: int = 1) -> Workers:
        clockwork = Clockwork(conductor.store, conductor, clock, owner=owner, lease=lease)
        worker = None if inbox is None else InboxWorker(inbox, conductor, clock, owner=owner,
                                                        lease=lease, parallel=parallel)
        return cls(conductor, worker, dispatcher, clockwork, clock)

    async def round(self) -> int:
        """One round over every queue; how much work it found."""
        found = 0 if self.inbox is None else await self.inbox.run_once()
        found += (await self.dispatcher.run_batch())[0]  # entries carried out, not answers
        now = self.clock.now()
        found += len(await self.clockwork.fire_timers(now))
        for shop in list(self.conductor.engines):  # a shop deployed meanwhile joins
            found += len(await self.clockwork.tick(shop, now))
        if self.jobs is not None:
            found += await self.jobs.run_due(now)
        return found

    async def run(self, stop: asyncio.Event) -> None:
        """Go round until `stop` is set."""
        while not stop.is_set():
            try:
                found = await self.round()
            except Exception:  # a store outage: log, wait, go on; nothing committed is lost
                log.exception("worker round failed", extra={"code": "worker_round"})
                await _sleep(stop, BACKOFF)
                continue
            if not found:
                await _sleep(stop, IDLE)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
