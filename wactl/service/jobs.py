"""The service's periodic jobs, each safe when several replicas run it at once.

- **Routing**: the connected numbers (`Store.accounts`) are read again every
  `ROUTES_EVERY`, so a number connected or suspended elsewhere is served or dropped
  here within seconds; the webhook handler reads the table this keeps.
- **Expiry**: every `EXPIRY_EVERY`, sessions whose 24 h window ran out are ended
  (`driver.sessions.expire`: each in its conversation's unit of work, which re-checks,
  so two replicas end a session once and publish one `ConversationClosed`).
- **Retention**: every `RETENTION_EVERY`, when the shop has a retention period
  (`WACTL_RETENTION_DAYS`, the one shop's setting in single-shop mode), the bodies of
  messages older than it are emptied, `RETENTION_BATCH` at a time (`FOR UPDATE SKIP
  LOCKED`: replicas share the work, no body is emptied twice; the messages and so
  their counts stay), and the media files older than it too.
- **Media**: every round, a few wanted inbound media files are downloaded
  (`wactl.service.media.MediaJob`).
A pass that filled its batch runs again at the next round until the backlog is gone.
Timers, schedules and outbox retries are the workers' own (`runner.Workers`): a retry
waits out its back-off (`not_before`), and an entry whose lease ran out (its worker
died) is simply claimed again by the next claim, so no job re-issues leases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from wactl.runtime.driver import sessions
from wactl.runtime.ports import Account, Store
from wactl.runtime.tiers import UNLIMITED
from wactl.service.deploys import Reloader
from wactl.service.media import MediaJob, MediaStore

log = logging.getLogger("wactl.service")


class Periodic(Protocol):
    async def run_due(self, now: datetime) -> int: ...

ROUTES_EVERY = timedelta(seconds=10)
EXPIRY_EVERY = timedelta(seconds=60)
RETENTION_EVERY = timedelta(hours=1)
EXPIRY_BATCH = 500
"""Sessions one expiry pass ends per shop (the next round's pass takes the rest)."""
RETENTION_BATCH = 5_000
"""Bodies one retention pass empties per shop (the next round's pass takes the rest)."""


@dataclass
class Routes:
    """phone_number_id → the account that owns it, as last read from the store."""

    accounts: dict[str, Account] = field(default_factory=dict)
    _active: tuple[object, dict[str, list[str]]] = (None, {})

    def active(self, shop_id: str) -> list[str]:
        """The shop's active numbers, lowest first (worked out once per refresh)."""
        if self._active[0] is not self.accounts:
            by_shop: dict[str, list[str]] = {}
            for number in sorted(self.accounts):
                a = self.accounts[number]
                if a.status == "active":
                    by_shop.setdefault(a.shop_id, []).append(number)
            self._active = (self.accounts, by_shop)
        return self._active[1].get(shop_id, [])

    def shop(self, phone_number_id: str) -> tuple[str | None, str]:
        """(shop id, why not) for a number: None with `unknown_number` or
        `suspended_number` when it is not served."""
        account = self.accounts.get(phone_number_id)
        if account is None:
            return None, "unknown_number"
        if account.status != "active":
            return None, "suspended_number"
        return account.shop_id, ""

    async def load(self, store: Store) -> None:
        self.accounts = {a.phone_number_id: a for a in await store.accounts.all()}

    def tiers(self) -> dict[str, int]:
        """Each shop's messaging tier: the lowest of its active numbers' (a number
        without one is unlimited)."""
        tiers: dict[str, int] = {}
        for a in self.accounts.values():
            if a.status != "active":
                continue
            kept = tiers.setdefault(a.shop_id, UNLIMITED)
            if a.tier is not None and a.tier != UNLIMITED and (kept == UNLIMITED
                                                               or a.tier < kept):
                tiers[a.shop_id] = a.tier
        return tiers


@dataclass
class Jobs:
    """When each job last ran; `run_due` runs those whose time has come."""

    store: Store
    shops: Callable[[], Iterable[str]]
    """The shops served now (a shop deployed for the first time joins at once)."""
    routes: Routes
    retention: Mapping[str, timedelta] = field(default_factory=dict)
    """Each shop's retention period (shops without one keep their messages)."""
    last: dict[str, datetime] = field(default_factory=dict)
    expiry_batch: int = EXPIRY_BATCH
    retention_batch: int = RETENTION_BATCH
    media: MediaStore | None = None
    media_job: MediaJob | None = None
    """Fetches inbound media every round (None: no Graph API client to fetch with)."""
    reloader: Reloader | None = None
    """Rebuilds a shop's engine after a deploy through the API (`wactl.service.deploys`)."""
    every_shop_retention: timedelta | None = None
    """The retention period of a shop without its own (`WACTL_RETENTION_DAYS`)."""
    tiers: dict[str, int] | None = None
    """The conductor's tiers, kept as the numbers' (refreshed with the routes)."""
    extra: Sequence[Periodic] = ()
    """More jobs that keep their own time (the key file watch)."""

    async def run_due(self, now: datetime) -> int:
        """Run the jobs that are due; how much they did (sessions ended, bodies emptied).

        A job that filled its batch is due again at the next round rather than after its
        period, so a backlog (a replica down for a day) drains batch by batch between the
        rounds' other work instead of one batch an hour."""
        done = 0 if self.media_job is None else await self.media_job.run_once(now)
        if self.reloader is not None:
            done += await self.reloader.run_due(now)
        for job in self.extra:
            done += await job.run_due(now)
        if self._due("routes", now, ROUTES_EVERY):
            await self.routes.load(self.store)
            if self.tiers is not None:
                self.tiers.clear()
                self.tiers.update(self.routes.tiers())
        if self._due("expiry", now, EXPIRY_EVERY):
            ended, more = await self.expire(now)
            done += self._again("expiry", ended, more)
        if (self.retention or self.every_shop_retention) and self._due(
                "retention", now, RETENTION_EVERY):
            emptied, more = await self.retain(now)
            done += self._again("retention", emptied, more)
        return done

    async def expire(self, now: datetime) -> tuple[int, bool]:
        """(sessions ended, whether a shop had more than a batch)."""
        ended, more = 0, False
        for shop in list(self.shops()):
            closed = await sessions.expire(self.store, shop, now, limit=self.expiry_batch)
            if closed:
                log.info("%d conversation(s) expired", len(closed), extra={
                    "code": "sessions_expired", "shop": shop, "count": len(closed)})
            ended += len(closed)
            more = more or len(closed) >= self.expiry_batch
        return ended, more

    async def retain(self, now: datetime) -> tuple[int, bool]:
        """(bodies emptied, whether a shop had more than a batch): one short statement
        per shop (`forget_bodies` with a limit), never one transaction over a year."""
        emptied, more = 0, False
        for shop, period in self._periods():
            bodies = await self.store.shop(shop).conversations.forget_bodies(
                now - period, limit=self.retention_batch)
            more = more or bodies >= self.retention_batch
            count = bodies
            if self.media is not None:
                count += await self.media.forget(shop, now - period)
            if count:
                log.info("%d message bodies past retention emptied", count, extra={
                    "code": "retention", "shop": shop, "count": count})
            emptied += count
        return emptied, more

    def _periods(self) -> list[tuple[str, timedelta]]:
        shops = dict.fromkeys([*self.retention, *self.shops()])
        periods = [(s, self.retention.get(s, self.every_shop_retention)) for s in shops]
        return [(s, p) for s, p in periods if p is not None]

    def _again(self, job: str, done: int, more: bool) -> int:
        if more:
            del self.last[job]
        return done

    def _due(self, job: str, now: datetime, every: timedelta) -> bool:
        last = self.last.get(job)
        if last is not None and now - last < every:
            return False
        self.last[job] = now
        return True
