"""`/readyz` on PostgreSQL: ready only while every shipped migration is applied."""

from __future__ import annotations

from contract.postgres_kit import fresh_schema

from wactl.service.postgres.migrate import MIGRATIONS_TABLE, migrations, not_current


async def test_a_schema_behind_the_shipped_migrations_is_not_ready() -> None:
    async with fresh_schema() as pool:
        assert await not_current(pool) is None
        newest = migrations()[-1][0]
        await pool.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE name = $1", newest)
        assert await not_current(pool) == f"migrations not applied: {newest}"
