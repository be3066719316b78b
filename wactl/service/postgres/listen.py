"""Deploys heard as they happen: `LISTEN wactl_deploy` on a connection of its own.

Every deploy, rollback and (de)activation ends with `NOTIFY wactl_deploy, '<shop>'`
(`deployments`, `programs`), so a replica reloads the shop at its next round rather
than at its next poll.  A lost connection is noticed (asyncpg's termination callback)
and made again at most every `RETRY`; until then the reloader polls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg

from wactl.service.postgres.programs import CHANNEL

log = logging.getLogger("wactl.service")
RETRY = timedelta(seconds=5)


class Hearer(Protocol):
    listening: bool

    def announce(self) -> None: ...


@dataclass
class DeployListener:
    url: str
    hearer: Hearer
    conn: asyncpg.Connection | None = None
    tried: datetime | None = None

    async def run_due(self, now: datetime) -> int:
        """Listen when not listening (a periodic job beside the reloader)."""
        if self.conn is not None and not self.conn.is_closed():
            return 0
        if self.tried is not None and now - self.tried < RETRY:
            return 0
        self.tried = now
        try:
            conn = await asyncpg.connect(self.url)
            await conn.add_listener(CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("cannot LISTEN for deploys (%s): polling", type(error).__name__,
                        extra={"code": "listen_down"})
            return 0
        conn.add_termination_listener(self._lost)
        self.conn, self.hearer.listening = conn, True
        self.hearer.announce()  # what was announced while not listening
        return 0

    def _heard(self, conn: object, pid: int, channel: str, payload: object) -> None:
        self.hearer.announce()

    def _lost(self, conn: object) -> None:
        self.hearer.listening = False
        log.warning("the deploy LISTEN connection was lost: polling",
                    extra={"code": "listen_lost"})

    async def close(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            await self.conn.close()
