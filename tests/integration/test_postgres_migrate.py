"""Migrations: shipped with the package, applied once, recorded, safe when two start at once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from contract.postgres_kit import database_url

from wactl.service.postgres import create_pool, migrate, pending
from wactl.service.postgres.migrate import MIGRATIONS_TABLE, applied, migrations

TABLES = {"customers", "conversation_states", "messages", "active_runs", "runs", "run_steps",
          "timers", "outbox", "handled_keys", "schedule_cursors", "reach", "left_out", "inbox",
          "sessions", "accounts", "flow_versions", "inbox_heads", "media", "shops", "api_keys",
          "shop_secrets", "shop_programs", "ai_usage", "customer_numbers", MIGRATIONS_TABLE}


def test_the_migrations_ship_in_order_with_the_package() -> None:
    names = [name for name, _ in migrations()]
    assert names and names == sorted(names) and names[0].startswith("0001_")
    assert all(sql.strip() for _, sql in migrations())


async def test_two_migrators_at_once_apply_each_migration_once() -> None:
    url = database_url()
    schema = "test_migrate_race"
    pools = [await create_pool(url, schema=schema) for _ in range(2)]
    try:
        await pools[0].execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        assert await pending(pools[0]) == [name for name, _ in migrations()]
        first, second = await asyncio.gather(migrate(pools[0]), migrate(pools[1]))
        assert sorted([first, second], key=len) == [[], [name for name, _ in migrations()]]
        assert await pending(pools[1]) == []
        assert await applied(pools[1]) == [name for name, _ in migrations()]
        assert await migrate(pools[0]) == []  # idempotent: nothing left to apply
        tables = {r["tablename"] for r in await pools[0].fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)}
        assert tables == TABLES
    finally:
        await pools[0].execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for pool in pools:
            await pool.close()


async def test_a_failing_migration_leaves_nothing_behind() -> None:
    """The pending migrations apply in one transaction: a broken schema rolls back whole."""
    url = database_url()
    schema = "test_migrate_fail"
    pool = await create_pool(url, schema=schema)
    try:
        await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        await pool.execute("CREATE TABLE outbox (id int)")  # in the way of 0001
        with pytest.raises(asyncpg.DuplicateTableError, match="outbox"):
            await migrate(pool)
        assert await applied(pool) == []
        assert await pool.fetchval("SELECT to_regclass('customers')") is None
    finally:
        await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await pool.close()
