"""The inbox on PostgreSQL (`wactl.runtime.inbox.InboxStore`).

`put` writes the events of one or more bodies in one statement; `claim` hands out, per conversation,
its oldest row, and only while no row of that conversation is leased, with
`FOR UPDATE SKIP LOCKED` so that workers of several processes never share a row.
Events are kept as the JSON text of `event_to_data` (text, not jsonb: NUL survives).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import asyncpg

from wactl.runtime.effect_codec import event_from_data, event_to_data
from wactl.runtime.events import Event
from wactl.runtime.inbox import InboxRow
from wactl.service.postgres.text import dec, enc

_CLAIM = """
WITH picked AS (
    SELECT i.id FROM inbox i
    WHERE (i.lease_until IS NULL OR i.lease_until <= $2)
      AND NOT EXISTS (SELECT 1 FROM inbox p WHERE p.shop_id = i.shop_id
                      AND p.wa_id = i.wa_id AND p.id < i.id)
      AND NOT EXISTS (SELECT 1 FROM inbox l WHERE l.shop_id = i.shop_id
                      AND l.wa_id = i.wa_id AND l.lease_until > $2)
    ORDER BY i.id LIMIT $4
    FOR UPDATE OF i SKIP LOCKED)
UPDATE inbox SET lease_owner = $1, lease_until = $3 FROM picked WHERE inbox.id = picked.id
RETURNING inbox.id, inbox.shop_id, inbox.event, inbox.received_at"""


_PUT = """
INSERT INTO inbox (shop_id, wa_id, event, received_at)
SELECT shop_id, wa_id, event, $4 FROM unnest($1::text[], $2::text[], $3::text[])
    WITH ORDINALITY AS t(shop_id, wa_id, event, n) ORDER BY n
RETURNING id"""
"""Every event of a write in one statement (atomic alone: no transaction to open)."""


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
        await self.pool.execute("DELETE FROM inbox WHERE id = $1", row_id)

    async def pending(self) -> int:
        count = await self.pool.fetchval("SELECT count(*) FROM inbox")
        return int(count)
