"""A shop's connected numbers as the management API works them (tokens kept apart,
encrypted, by `secrets.PostgresSecrets`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg

from wactl.service.postgres.text import dec, enc

_COLUMNS = ("phone_number_id, shop_id, display_phone, tier, status, webhook_url, "
            "access_token IS NOT NULL AS has_token")


@dataclass(frozen=True, slots=True)
class AccountRow:
    phone_number_id: str
    display_phone: str
    tier: int | None
    status: str
    webhook_url: str | None
    has_token: bool


def _row(r: asyncpg.Record) -> AccountRow:
    url = r["webhook_url"]
    return AccountRow(dec(r["phone_number_id"]), dec(r["display_phone"]), r["tier"],
                      r["status"], None if url is None else dec(url), r["has_token"])


class AccountsAdmin:
    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, shop_id

    async def all(self) -> list[AccountRow]:
        rows = await self.pool.fetch(f"SELECT {_COLUMNS} FROM accounts WHERE shop_id = $1 "
                                     "ORDER BY phone_number_id", enc(self.shop))
        return [_row(r) for r in rows]

    async def get(self, phone_number_id: str) -> AccountRow | None:
        r = await self.pool.fetchrow(f"SELECT {_COLUMNS} FROM accounts WHERE shop_id = $1 "
                                     "AND phone_number_id = $2", enc(self.shop),
                                     enc(phone_number_id))
        return None if r is None else _row(r)

    async def connect(self, phone_number_id: str, display_phone: str, tier: int | None,
                      webhook_url: str | None) -> bool:
        """False when the number is connected already (to this shop or another)."""
        done = await self.pool.fetchval(
            "INSERT INTO accounts (phone_number_id, shop_id, display_phone, tier, webhook_url) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
            enc(phone_number_id), enc(self.shop), enc(display_phone), tier,
            None if webhook_url is None else enc(webhook_url))
        return bool(done)

    async def change(self, phone_number_id: str, *, display_phone: str | None = None,
                     webhook_url: str | None = None, status: str | None = None,
                     tier: int | Literal["unlimited"] | None = None) -> bool:
        """Change what is given (None: kept); `tier` "unlimited" clears the cap."""
        done = await self.pool.fetchval(
            "UPDATE accounts SET display_phone = coalesce($3, display_phone), "
            "webhook_url = coalesce($4, webhook_url), status = coalesce($5, status), "
            "tier = CASE WHEN $6::text IS NULL THEN tier WHEN $6 = 'unlimited' THEN NULL "
            "ELSE $6::int END "
            "WHERE shop_id = $1 AND phone_number_id = $2 RETURNING true",
            enc(self.shop), enc(phone_number_id),
            None if display_phone is None else enc(display_phone),
            None if webhook_url is None else enc(webhook_url), status,
            None if tier is None else str(tier))
        return bool(done)

    async def disconnect(self, phone_number_id: str) -> bool:
        done = await self.pool.fetchval(
            "DELETE FROM accounts WHERE shop_id = $1 AND phone_number_id = $2 RETURNING true",
            enc(self.shop), enc(phone_number_id))
        return bool(done)
