"""Time for every shop: due timers claimed and fired, schedule triggers ticked once.

- A due timer is claimed with a lease (`Store.claim_timers`), so two workers never
  fire one timer; the unit of work that handles its `TimerFired` removes it, and a
  worker that dies mid-way leaves it to the next claim once the lease has run out.
- Each `schedule` flow keeps a durable cursor per (shop, flow) in the store: its cron
  times up to the cursor have fanned out.  A time fans out over the shop's customers
  a page at a time; each (flow, time, customer) is one `ScheduleTick` with its own
  idempotency key, so a restart mid-way or a second replica ticks nobody twice.
- After downtime, a missed time fires if it is recent (`catch_up`, an hour unless
  configured) and is skipped, with a log, when older.  A flow seen for the first
  time starts its cursor at `start` (no back-fill of times before it existed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wactl.compiler.ir import IRScheduleTrigger
from wactl.runtime.driver.conductor import Conductor, Handled
from wactl.runtime.driver.writes import write_log
from wactl.runtime.effects import Log
from wactl.runtime.events import ScheduleTick, TimerFired
from wactl.runtime.ports import Clock, Store
from wactl.runtime.schedule import next_fire

log = logging.getLogger("wactl.runtime")

PAGE = 500
"""Customers read per page of a schedule's fan-out."""
MAX_TIMES_PER_CHECK = 1000
"""Cron times one check walks for one flow (a per-minute cron after a long outage)."""


class Clockwork:
    """Fires timers and schedule times up to a moment; see the module docstring."""

    def __init__(self, store: Store, conductor: Conductor, clock: Clock, *,
                 owner: str = "clock", lease: timedelta = timedelta(seconds=60),
                 catch_up: timedelta = timedelta(hours=1), start: datetime | None = None,
                 page: int = PAGE) -> None:
        self.store, self.conductor, self.clock = store, conductor, clock
        self.owner, self.lease, self.catch_up, self.page = owner, lease, catch_up, page
        self.start = start or clock.now()

    async def fire_timers(self, until: datetime, *, limit: int = 100) -> list[Handled]:
        """Claim the timers due by `until` (any shop) and handle each."""
        claims = await self.store.claim_timers(self.owner, until, now=self.clock.now(),
                                               lease=self.lease, limit=limit)
        done: list[Handled] = []
        for claim in claims:
            t = claim.timer
            done.append(await self.conductor.handle(
                claim.shop_id, TimerFired(t.wa_id, t.at, t.timer_id)))
        return done

    def schedules(self, shop_id: str) -> list[tuple[str, str, ZoneInfo]]:
        """(flow id, cron, zone) of each schedule flow of the shop's program."""
        engine = self.conductor.engines.get(shop_id)
        if engine is None:
            return []
        program = engine.program
        tz = ZoneInfo(program.project.timezone)
        return [(f.id, f.trigger.cron, tz) for f in program.flows
                if isinstance(f.trigger, IRScheduleTrigger)]

    async def next_time(self, shop_id: str, until: datetime) -> datetime | None:
        """The earliest schedule time of the shop after its cursors, if it is by `until`."""
        found = []
        for flow, cron, tz in self.schedules(shop_id):
            moment = next_fire(cron, await self._cursor(shop_id, flow), tz)
            if moment is not None and moment <= until:
                found.append(moment)
        return min(found, default=None)

    async def tick(self, shop_id: str, until: datetime) -> list[Handled]:
        """Every schedule time of the shop due by `until`: recent ones fan out, old
        ones are skipped; the cursor moves past each."""
        shop = self.store.shop(shop_id)
        now = self.clock.now()
        done: list[Handled] = []
        for flow, cron, tz in self.schedules(shop_id):
            cursor = await self._cursor(shop_id, flow)
            for _ in range(MAX_TIMES_PER_CHECK):
                moment = next_fire(cron, cursor, tz)
                if moment is None or moment > until:
                    break
                if now - moment > self.catch_up:
                    write_log("", Log("warning", "schedule_missed",
                                      f"{flow} at {moment.isoformat()} was missed by more "
                                      f"than {self.catch_up}: skipped"), shop_id)
                else:
                    done += await self._fan_out(shop_id, flow, moment)
                await shop.set_cursor(flow, moment)
                cursor = moment
        return done

    async def _cursor(self, shop_id: str, flow: str) -> datetime:
        """The flow's cursor; one seen for the first time starts at `start`, stored at
        once, so a worker restarting later does not start it again at its own start."""
        shop = self.store.shop(shop_id)
        cursor = await shop.cursor(flow)
        if cursor is None:
            cursor = self.start
            await shop.set_cursor(flow, cursor)
        return cursor

    async def _fan_out(self, shop_id: str, flow: str, moment: datetime) -> list[Handled]:
        customers = self.store.shop(shop_id).customers
        done: list[Handled] = []
        after: str | None = None
        while True:
            ids = await customers.list_ids(after=after, limit=self.page)
            for wa_id in ids:
                done.append(await self.conductor.handle(shop_id, ScheduleTick(wa_id, moment,
                                                                               flow)))
            if len(ids) < self.page:
                return done
            after = ids[-1]
