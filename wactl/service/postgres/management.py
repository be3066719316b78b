"""Shops and their API keys, for the operator's CLI and the management API.

A key reads `wak_<id>_<secret>`: the id finds the row, the secret is compared by its
SHA-256 in constant time.  Only the hash is stored, so a key is shown once, when it is
created; a revoked key never authenticates again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

PREFIX = "wak_"
_KEY = re.compile(r"wak_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
SHOP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
"""What a shop id may be: it appears in URLs, logs and `wactl.yaml`'s `shop:`."""


@dataclass(frozen=True, slots=True)
class Shop:
    shop_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    shop_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class Management:
    """Shops and keys in the database of `pool`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create_shop(self, shop_id: str, name: str = "") -> bool:
        """False when the shop exists already (nothing changes)."""
        if not SHOP_ID.fullmatch(shop_id):
            raise ValueError(f"invalid shop id {shop_id!r}: lower-case letters, digits, _ and -")
        done = await self.pool.fetchval(
            "INSERT INTO shops (shop_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING "
            "RETURNING true", shop_id, name)
        return bool(done)

    async def shops(self) -> list[Shop]:
        rows = await self.pool.fetch("SELECT shop_id, name, created_at FROM shops ORDER BY shop_id")
        return [Shop(r["shop_id"], r["name"], r["created_at"]) for r in rows]

    async def shop(self, shop_id: str) -> Shop | None:
        r = await self.pool.fetchrow(
            "SELECT shop_id, name, created_at FROM shops WHERE shop_id = $1", shop_id)
        return None if r is None else Shop(r["shop_id"], r["name"], r["created_at"])

    async def create_key(self, shop_id: str, name: str = "") -> tuple[ApiKey, str]:
        """A new key of the shop and its text (shown this once); LookupError for a shop
        that does not exist."""
        if await self.shop(shop_id) is None:
            raise LookupError(f"no shop {shop_id!r}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        row = await self.pool.fetchrow(
            "INSERT INTO api_keys (key_id, shop_id, name, hash) VALUES ($1, $2, $3, $4) "
            "RETURNING created_at", key_id, shop_id, name, _digest(secret))
        assert row is not None
        return ApiKey(key_id, shop_id, name, row["created_at"], None), f"{PREFIX}{key_id}_{secret}"

    async def revoke_key(self, key_id: str) -> bool:
        """False when no such key is in force."""
        done = await self.pool.fetchval(
            "UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL "
            "RETURNING true", key_id.removeprefix(PREFIX).split("_")[0])
        return bool(done)

    async def keys(self, shop_id: str) -> list[ApiKey]:
        rows = await self.pool.fetch(
            "SELECT key_id, shop_id, name, created_at, revoked_at FROM api_keys "
            "WHERE shop_id = $1 ORDER BY created_at, key_id", shop_id)
        return [ApiKey(r["key_id"], r["shop_id"], r["name"], r["created_at"], r["revoked_at"])
                for r in rows]

    async def authenticate(self, token: str) -> str | None:
        """The shop of a key in force, else None (malformed, unknown, wrong, revoked)."""
        match = _KEY.fullmatch(token)
        if match is None:
            return None
        row = await self.pool.fetchrow(
            "SELECT shop_id, hash, revoked_at FROM api_keys WHERE key_id = $1", match[1])
        if row is None or not hmac.compare_digest(bytes(row["hash"]), _digest(match[2])):
            return None
        return None if row["revoked_at"] is not None else str(row["shop_id"])
