"""`customer_numbers`: the number each customer of a many-number shop last wrote to
(`wactl.service.numbers`), written in one statement per webhook body."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from wactl.service.numbers import Seen, latest
from wactl.service.postgres.text import dec, enc


class PostgresNumbers:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def note(self, seen: list[Seen], at: datetime) -> None:
        if not seen:
            return
        rows = sorted(latest(seen).items())  # one row per key: ON CONFLICT needs that
        await self.pool.execute(
            "INSERT INTO customer_numbers (shop_id, wa_id, phone_number_id, seen_at) "
            "SELECT s, w, n, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(s, w, n) "
            "ON CONFLICT (shop_id, wa_id) DO UPDATE SET phone_number_id = "
            "EXCLUDED.phone_number_id, seen_at = EXCLUDED.seen_at "
            "WHERE customer_numbers.seen_at <= EXCLUDED.seen_at",
            [enc(s) for (s, _), _ in rows], [enc(w) for (_, w), _ in rows],
            [enc(n) for _, n in rows], at)

    async def number(self, shop_id: str, wa_id: str) -> str | None:
        found = await self.pool.fetchval(
            "SELECT phone_number_id FROM customer_numbers WHERE shop_id = $1 AND wa_id = $2",
            enc(shop_id), enc(wa_id))
        return None if found is None else dec(found)
