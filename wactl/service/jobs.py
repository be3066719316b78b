"""The service's periodic jobs, each safe when several replicas run it at once.

- **Routing**: the connected numbers (`Store.accounts`) are read again every
  `ROUTES_EVERY`, so a number connected or suspended elsewhere is served or dropped
  here within seconds; the webhook handler reads the table this keeps.
- **Expiry**: every `EXPIRY_EVERY`, sessions whose 24 h window ran out are ended
  (`driver.sessions.expire`: each in its conversation's unit of work, which re-checks,
  so two replicas end a session once and publish one `ConversationClosed`).
- **Retention**: every `RETENTION_EVERY`, when the shop has a retention period, the
  bodies of messages and the media files older than it are emptied (idempotent; counts
  stay).
- **Media**: every round, a few wanted inbound media files are downloaded
  (`wactl.service.media.MediaJob`).
Timers, schedules and outbox retries are the workers' own (`runner.Workers`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wactl.runtime.driver import sessions
from wactl.runtime.ports import Account, Store
from wactl.service.media import MediaJob, MediaStore

log = logging.getLogger("wactl.service")

ROUTES_EVERY = timedelta(seconds=10)
EXPIRY_EVERY = timedelta(seconds=60)
RETENTION_EVERY = timedelta(hours=1)
EXPIRY_BATCH = 500
"""Sessions one expiry pass ends per shop (the next pass takes the rest)."""


@dataclass
class Routes:
    """phone_number_id → the account that owns it, as last read from the store."""

    accounts: dict[str, Account] = field(default_factory=dict)

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


@dataclass
class Jobs:
    """When each job last ran; `run_due` runs those whose time has come."""

    store: Store
    shops: Sequence[str]
    routes: Routes
    retention: Mapping[str, timedelta] = field(default_factory=dict)
    """Each shop's retention period (shops without one keep their messages)."""
    last: dict[str, datetime] = field(default_factory=dict)
    media: MediaStore | None = None
    media_job: MediaJob | None = None
    """Fetches inbound media every round (None: no Graph API client to fetch with)."""

    async def run_due(self, now: datetime) -> int:
        """Run the jobs that are due; how much they did (sessions ended, bodies emptied)."""
        done = 0 if self.media_job is None else await self.media_job.run_once(now)
        if self._due("routes", now, ROUTES_EVERY):
            await self.routes.load(self.store)
        if self._due("expiry", now, EXPIRY_EVERY):
            done += await self.expire(now)
        if self.retention and self._due("retention", now, RETENTION_EVERY):
            done += await self.retain(now)
        return done

    async def expire(self, now: datetime) -> int:
        ended = 0
        for shop in self.shops:
            closed = await sessions.expire(self.store, shop, now, limit=EXPIRY_BATCH)
            if closed:
                log.info("%d conversation(s) expired", len(closed), extra={
                    "code": "sessions_expired", "shop": shop, "count": len(closed)})
            ended += len(closed)
        return ended

    async def retain(self, now: datetime) -> int:
        emptied = 0
        for shop, period in self.retention.items():
            count = await self.store.shop(shop).conversations.forget_bodies(now - period)
            if self.media is not None:
                count += await self.media.forget(shop, now - period)
            if count:
                log.info("%d message bodies past retention emptied", count, extra={
                    "code": "retention", "shop": shop, "count": count})
            emptied += count
        return emptied

    def _due(self, job: str, now: datetime, every: timedelta) -> bool:
        last = self.last.get(job)
        if last is not None and now - last < every:
            return False
        self.last[job] = now
        return True
