"""The database schema: plain SQL migrations shipped in this package, applied in order.

Each file `migrations/NNNN_name.sql` runs once, recorded by name in `wactl_migrations`;
the ones pending apply in one transaction with the rows recording them, so a failed
migration leaves the schema as it was.
`migrate` holds a transaction-level advisory lock while it looks and applies: two
replicas starting at once apply each migration once (the second waits, then finds
nothing left to do).  Tables go into the connection's current schema (`search_path`).
"""

from __future__ import annotations

from importlib import resources

import asyncpg

MIGRATIONS_TABLE = "wactl_migrations"
_LOCK = "wactl.migrate"
"""Hashed with the schema into the advisory lock key: one migrator per schema at a time."""


def migrations() -> list[tuple[str, str]]:
    """(name, SQL) of every shipped migration, in the order they apply."""
    folder = resources.files("wactl.service.postgres") / "migrations"
    files = sorted((f.name, f) for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for name, f in files]


async def applied(pool: asyncpg.Pool) -> list[str]:
    """Names of the migrations recorded as applied, in order; [] on a fresh database."""
    async with pool.acquire() as conn:
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", MIGRATIONS_TABLE)
        if not exists:
            return []
        rows = await conn.fetch(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY name")
        return [str(r["name"]) for r in rows]


async def pending(pool: asyncpg.Pool) -> list[str]:
    """Names of shipped migrations not applied yet (none: the schema is current)."""
    done = set(await applied(pool))
    return [name for name, _ in migrations() if name not in done]


async def not_current(pool: asyncpg.Pool) -> str | None:
    """None when every shipped migration is applied, else which are not (for `/readyz`:
    a replica of a newer release must not take traffic on an older schema)."""
    behind = await pending(pool)
    return f"migrations not applied: {', '.join(behind)}" if behind else None


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply every shipped migration not applied yet; returns the names applied now."""
    done: list[str] = []
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1 || current_schema()))",
                           _LOCK)
        await conn.execute(f"""CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
            name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())""")
        already = {r["name"] for r in await conn.fetch(f"SELECT name FROM {MIGRATIONS_TABLE}")}
        for name, sql in migrations():
            if name in already:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name) VALUES ($1)", name)
            done.append(name)
    return done
