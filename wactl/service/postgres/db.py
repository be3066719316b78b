"""Where a store's statements run: on the pool, or on a unit of work's connection.

Outside a unit each write is its own transaction (a statement alone, or `tx()` for a
few); inside one, every statement runs on the unit's connection, in its transaction,
so the unit's reads see its writes and nothing is visible elsewhere before it commits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection = PoolConnectionProxy[asyncpg.Record]


class Db:
    def __init__(self, pool: asyncpg.Pool, conn: Connection | None = None) -> None:
        self.pool, self.conn = pool, conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        if self.conn is not None:
            return await self.conn.fetch(sql, *args)
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        if self.conn is not None:
            return await self.conn.fetchrow(sql, *args)
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        if self.conn is not None:
            return await self.conn.fetchval(sql, *args)
        return await self.pool.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        if self.conn is not None:
            return await self.conn.execute(sql, *args)
        return await self.pool.execute(sql, *args)

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        async with self.tx() as conn:
            await conn.executemany(sql, args)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Connection]:
        """A connection in a transaction: the unit's, or a new one committed at the end."""
        if self.conn is not None:
            yield self.conn
            return
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
