"""Shared test configuration.

In CI (`CI` set, as `.ci/run` is called) hypothesis runs derandomized: the same examples
on every run, so a landing never depends on the luck of a random seed.  Developers
running `scripts/test` locally keep random exploration, which is where new failures
are found (and then pinned with `@example`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from contract.postgres_kit import database_url
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


async def _sql(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A URL whose connections work in a new, empty schema (dropped after)."""
    url = database_url()
    schema = f"test_cli_{uuid.uuid4().hex[:12]}"
    asyncio.run(_sql(url, f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?search_path={schema}"
    finally:
        asyncio.run(_sql(url, f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """A new database on the test server, dropped at the end."""
    server = database_url()
    name = f"serve_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
