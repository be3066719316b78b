"""The inbox on PostgreSQL (`wactl.runtime.inbox.InboxStore`).

`put` writes the events of one or more bodies in one statement.  Each conversation with
rows waiting has a head row (`inbox_heads`: its oldest row's id and the conversation's
lease); `claim` leases the oldest free heads with `FOR UPDATE SKIP LOCKED`, so workers
of several processes never share a conversation, and a claim costs the same however
long one conversation's backlog is; `done` moves the head on.
Events are kept as the JSON text of `event_to_data` (text, not jsonb: NUL survives).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg

from wactl.runtime.effect_codec import event_from_data, event_to_data
from wactl.runtime.events import Event
from wactl.runtime.inbox import InboxRow
from wactl.runtime.ports import UnitOfWork
from wactl.service.postgres.store import PostgresUnit
from wactl.service.postgres.text import dec, enc

if TYPE_CHECKING:
    from wactl.service.postgres.db import Connection

_PUT = """
WITH new AS (
    INSERT INTO inbox (shop_id, wa_id, event, received_at)
    SELECT shop_id, wa_id, event, $4 FROM unnest($1::text[], $2::text[], $3::text[])
        WITH ORDINALITY AS t(shop_id, wa_id, event, n) ORDER BY n
    RETURNING id, shop_id, wa_id),
heads AS (
    INSERT INTO inbox_heads (shop_id, wa_id, first_id)
    SELECT shop_id, wa_id, min(id) FROM new GROUP BY shop_id, wa_id ORDER BY shop_id, wa_id
    ON CONFLICT (shop_id, wa_id) DO UPDATE
        SET first_id = coalesce(inbox_heads.first_id, EXCLUDED.first_id))
SELECT id FROM new"""
"""Every event of a write in one statement (atomic alone), and each conversation's head
row: created, or given this first row when it was empty.  Heads are locked in key
order, so two writes never wait on each other in a circle."""

_CLAIM = """
WITH picked AS (
    SELECT shop_id, wa_id FROM inbox_heads
    WHERE first_id IS NOT NULL AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY first_id LIMIT $4
    FOR UPDATE SKIP LOCKED),
leased AS (
    UPDATE inbox_heads h SET lease_owner = $1, lease_until = $3 FROM picked
    WHERE h.shop_id = picked.shop_id AND h.wa_id = picked.wa_id
    RETURNING h.first_id)
SELECT i.id, i.shop_id, i.event, i.received_at FROM inbox i JOIN leased ON i.id = leased.first_id"""
"""Lease the oldest heads that are free: per conversation its oldest row, one at a time."""

_TAKE = """
WITH head AS (
    SELECT h.shop_id, h.wa_id FROM inbox_heads h JOIN inbox i
        ON i.shop_id = h.shop_id AND i.wa_id = h.wa_id
    WHERE i.id = $1 FOR UPDATE OF h)
DELETE FROM inbox USING head WHERE inbox.id = $1 RETURNING inbox.shop_id, inbox.wa_id"""
"""End a row: its conversation's head locked first (a concurrent write waits for it)."""

_NEXT = """
UPDATE inbox_heads SET lease_owner = NULL, lease_until = NULL,
    first_id = (SELECT min(id) FROM inbox WHERE shop_id = $1 AND wa_id = $2)
WHERE shop_id = $1 AND wa_id = $2"""
"""A new statement, so a new snapshot: it sees every row committed meanwhile."""


async def _end_row(conn: Connection, row_id: int) -> None:
    taken = await conn.fetchrow(_TAKE, row_id)
    if taken is not None:
        await conn.execute(_NEXT, taken["shop_id"], taken["wa_id"])


class PostgresInbox:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        if not items:
            return []
        ids = await self.pool.fetch(
            _PUT, [enc(shop) for shop, _ in items], [enc(e.wa_id) for _, e in items],
            [json.dumps(event_to_data(e)) for _, e in items], at)
        ordered = sorted(int(r["id"]) for r in ids)  # ids are drawn in the SELECT's order
        return [InboxRow(row_id, shop, event, at)
                for row_id, (shop, event) in zip(ordered, items, strict=True)]

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        found = await self.pool.fetch(_CLAIM, owner, now, now + lease, limit)
        rows = [InboxRow(int(r["id"]), dec(r["shop_id"]), event_from_data(json.loads(r["event"])),
                         r["received_at"]) for r in found]
        return sorted(rows, key=lambda r: r.id)

    async def done(self, row_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _end_row(conn, row_id)

    async def done_in(self, unit: UnitOfWork, row_id: int) -> None:
        if not isinstance(unit, PostgresUnit) or unit.db.conn is None:
            raise TypeError("a unit of work of a PostgreSQL store is needed")
        await _end_row(unit.db.conn, row_id)

    async def pending(self) -> int:
        count = await self.pool.fetchval("SELECT count(*) FROM inbox")
        return int(count)
