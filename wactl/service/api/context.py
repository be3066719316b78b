"""What the API's handlers share: the database, the shops' keys, the page cursors."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from aiohttp import web

from wactl.runtime.ports import Store
from wactl.service.api.cursor import Cursors
from wactl.service.postgres.crm import Crm
from wactl.service.postgres.management import Management
from wactl.service.postgres.secrets import PostgresSecrets


@dataclass(frozen=True, slots=True)
class ApiContext:
    pool: asyncpg.Pool
    management: Management
    cursors: Cursors
    store: Store
    """The runtime's stores: a person's action is a unit of work like a webhook's event."""
    secrets: PostgresSecrets | None = None
    """Tokens and flow secrets, encrypted; None without an encryption key."""

    def crm(self, shop: str) -> Crm:
        return Crm(self.pool, shop)


CONTEXT = web.AppKey("api_context", ApiContext)


def context(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]
