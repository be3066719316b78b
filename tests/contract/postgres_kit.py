"""A fresh PostgreSQL schema per test: for the port contract and the service's tests.

`WACTL_TEST_DATABASE_URL` names the server; `scripts/test` starts a throwaway
PostgreSQL 15 and sets it (with `WACTL_REQUIRE_POSTGRES=1`).  Without it:
- under `scripts/test` or CI (`WACTL_REQUIRE_POSTGRES` or `CI` set) every PostgreSQL
  test FAILS, naming the variable: a run meant to test PostgreSQL never passes without;
- a developer's plain `pytest` skips them, with that reason in the skip summary
  (`pytest -rs` lists it): a skip is visible, never a pass.
Each test gets its own schema (the pool's `search_path`), migrated, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from wactl.service.postgres import PostgresStore, create_pool, migrate

URL_VARIABLE = "WACTL_TEST_DATABASE_URL"


def _required() -> bool:
    flags = (os.environ.get("CI", ""), os.environ.get("WACTL_REQUIRE_POSTGRES", ""))
    return any(flag.strip().lower() not in ("", "0", "false", "no") for flag in flags)


def database_url() -> str:
    """The test server's URL; fails the test under scripts/test or CI without one,
    skips it (with the reason) for a developer's plain pytest."""
    url = os.environ.get(URL_VARIABLE, "")
    if url:
        return url
    reason = (f"{URL_VARIABLE} is not set: the PostgreSQL tests need a server "
              "(scripts/test starts one and sets it)")
    if _required():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[asyncpg.Pool]:
    """A pool whose connections work in a new, migrated schema, dropped at the end."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    pool = await create_pool(database_url(), schema=schema)
    try:
        await pool.execute(f"CREATE SCHEMA {schema}")
        await migrate(pool)
        yield pool
    finally:
        await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await pool.close()


@asynccontextmanager
async def postgres_store() -> AsyncIterator[PostgresStore]:
    async with fresh_schema() as pool:
        yield PostgresStore(pool)
