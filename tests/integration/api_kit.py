"""The management API on a fresh PostgreSQL schema, with two shops and a key each."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from contract.postgres_kit import fresh_schema

from wactl.compiler.project import compile_project
from wactl.runtime.driver import Conductor
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.service.api import make_api
from wactl.service.api.context import ApiContext
from wactl.service.api.cursor import Cursors
from wactl.service.crypto import Keyring
from wactl.service.postgres import PostgresStore
from wactl.service.postgres.management import Management
from wactl.service.postgres.secrets import PostgresSecrets


@dataclass
class Api:
    client: TestClient[web.Request, web.Application]
    pool: asyncpg.Pool
    management: Management
    keys: dict[str, str]
    """shop id → its key."""

    def auth(self, shop: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[shop]}"}

    async def call(self, method: str, path: str, shop: str = "alpha", *,
                   json: Any = None, data: bytes | None = None,
                   headers: dict[str, str] | None = None,
                   params: dict[str, str] | None = None) -> tuple[int, Any]:
        answer = await self.client.request(method, f"/api{path}", json=json,
                                           data=None if data is None else io.BytesIO(data),
                                           params=params,
                                           headers=headers if headers is not None
                                           else self.auth(shop))
        body = await answer.json() if answer.status != 204 else None
        return answer.status, body


KEYRING = Keyring.from_env(Keyring.generate_line("k1"))

HELLO = {"flows/hello.yaml": """
flow: hello
trigger: {keyword: [hi]}
steps:
  - {id: ask, ask: "Tên bạn là gì?", save: name}
  - {id: greet, send: "Chào {{ name }}."}
"""}


async def converse(pool: asyncpg.Pool, shop: str, wa_id: str, text: str, *,
                   at: datetime | None = None, n: int = 1) -> None:
    """The runtime handles a customer's message to `shop` (the `hello` flow), as the
    service's worker would: the customer, a session, the messages, the state."""
    program = compile_project(HELLO).program
    assert program is not None
    conductor = Conductor(PostgresStore(pool), {shop: Engine(program)})
    await conductor.handle(shop, Inbound(wa_id, at or datetime.now(UTC), "text",
                                         id=f"wamid.{wa_id}.{n}", text=text))


@asynccontextmanager
async def api_on_postgres(shops: tuple[str, ...] = ("alpha", "beta"), *,
                          encrypted: bool = True) -> AsyncIterator[Api]:
    async with fresh_schema() as pool:
        management = Management(pool)
        keys = {}
        for shop in shops:
            await management.create_shop(shop, shop.title())
            keys[shop] = (await management.create_key(shop, "tests"))[1]
        root = web.Application()
        root.add_subapp("/api", make_api(ApiContext(
            pool, management, Cursors(b"secret"), PostgresStore(pool),
            PostgresSecrets(pool, KEYRING) if encrypted else None)))
        async with TestClient(TestServer(root)) as client:
            yield Api(client, pool, management, keys)
