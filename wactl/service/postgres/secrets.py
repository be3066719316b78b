"""Secrets at rest on PostgreSQL: shops' flow secrets and numbers' access tokens, encrypted.

Every value goes in as a keyring token (`wactl.service.crypto`) bound to where it lives:
a flow secret to its shop and name, an access token to its number and the number's shop.
A token copied into another row therefore reads as `CipherError("forged")`, and so does a
number's token after the number moves to another shop (the new shop sets its own).

`rotate` rewrites, in place, every value not under the keyring's current key.  Each
batch is one short transaction over rows locked `FOR UPDATE SKIP LOCKED`, so the service
keeps reading and writing while it runs: a reader sees the old token or the new one, and
both decrypt while the keyring holds both keys.  Roll the new keyring out to every
replica before rotating (a replica still on the old keyring would keep writing under the
old key, and could not read the new one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg

from wactl.service.crypto import VERSION, CipherError, Keyring
from wactl.service.postgres.text import dec, enc

log = logging.getLogger("wactl.service")


def secret_context(shop_id: str, name: str) -> str:
    """What a flow secret's ciphertext is bound to."""
    return f"shop:{_part(shop_id)}/secret:{_part(name)}"


def token_context(shop_id: str, phone_number_id: str) -> str:
    """What a number's access token is bound to."""
    return f"shop:{_part(shop_id)}/account:{_part(phone_number_id)}/token"


def _part(text: str) -> str:
    # Escaped, so no id can hold a `/` or `:` and pass for another place's context.
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@dataclass(frozen=True)
class _Sealed:
    """One encrypted column, as rotation walks it: keyset order over `keys`, `$1` the
    last key seen (empty: from the start), `$2` the current key's prefix, `$3` the batch."""

    select: str
    update: str
    keys: tuple[str, ...]
    column: str
    context: Callable[[asyncpg.Record], str]


_SECRETS = _Sealed(
    "SELECT shop_id, name, value FROM shop_secrets "
    "WHERE (cardinality($1::text[]) = 0 OR (shop_id, name) > ($1[1], $1[2])) "
    "AND NOT starts_with(value, $2) ORDER BY shop_id, name LIMIT $3 ",
    "UPDATE shop_secrets SET value = $3 WHERE shop_id = $1 AND name = $2",
    ("shop_id", "name"), "value",
    lambda r: secret_context(dec(r["shop_id"]), dec(r["name"])))

_TOKENS = _Sealed(
    "SELECT phone_number_id, shop_id, access_token FROM accounts "
    "WHERE (cardinality($1::text[]) = 0 OR phone_number_id > $1[1]) "
    "AND access_token IS NOT NULL AND NOT starts_with(access_token, $2) "
    "ORDER BY phone_number_id LIMIT $3 ",
    "UPDATE accounts SET access_token = $2 WHERE phone_number_id = $1",
    ("phone_number_id",), "access_token",
    lambda r: token_context(dec(r["shop_id"]), dec(r["phone_number_id"])))


class PostgresSecrets:
    """Encrypted flow secrets (`shop_secrets`) and access tokens (`accounts.access_token`)."""

    def __init__(self, pool: asyncpg.Pool, keyring: Keyring) -> None:
        self.pool, self.keyring = pool, keyring

    async def set_secret(self, shop_id: str, name: str, value: str) -> None:
        sealed = self.keyring.encrypt(value, context=secret_context(shop_id, name))
        await self.pool.execute(
            "INSERT INTO shop_secrets (shop_id, name, value, updated_at) "
            "VALUES ($1, $2, $3, now()) ON CONFLICT (shop_id, name) DO UPDATE "
            "SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            enc(shop_id), enc(name), sealed)

    async def secrets(self, shop_id: str) -> dict[str, str]:
        """The shop's secrets, decrypted (for the engine); `CipherError` if one is not
        readable with this keyring."""
        rows = await self.pool.fetch(
            "SELECT name, value FROM shop_secrets WHERE shop_id = $1 ORDER BY name",
            enc(shop_id))
        return {dec(r["name"]): self.keyring.decrypt(
                    r["value"], context=secret_context(shop_id, dec(r["name"])))
                for r in rows}

    async def secret_names(self, shop_id: str) -> list[str]:
        """The names only: listing what is set never decrypts anything."""
        rows = await self.pool.fetch(
            "SELECT name FROM shop_secrets WHERE shop_id = $1 ORDER BY name", enc(shop_id))
        return [dec(r["name"]) for r in rows]

    async def delete_secret(self, shop_id: str, name: str) -> bool:
        """Whether there was such a secret."""
        gone = await self.pool.fetchval(
            "DELETE FROM shop_secrets WHERE shop_id = $1 AND name = $2 RETURNING 1",
            enc(shop_id), enc(name))
        return gone is not None

    async def set_token(self, phone_number_id: str, token: str | None) -> bool:
        """Set (None: clear) a connected number's access token; False when there is no
        such number.  The row is locked while the token is sealed to its shop."""
        async with self.pool.acquire() as conn, conn.transaction():
            shop = await conn.fetchval(
                "SELECT shop_id FROM accounts WHERE phone_number_id = $1 FOR UPDATE",
                enc(phone_number_id))
            if shop is None:
                return False
            sealed = None if token is None else self.keyring.encrypt(
                token, context=token_context(dec(shop), phone_number_id))
            await conn.execute("UPDATE accounts SET access_token = $2 "
                               "WHERE phone_number_id = $1", enc(phone_number_id), sealed)
        return True

    async def token(self, phone_number_id: str) -> str | None:
        """The number's access token, decrypted; None when the number or its token is
        not there; `CipherError` when it does not decrypt."""
        row = await self.pool.fetchrow(
            "SELECT shop_id, access_token FROM accounts WHERE phone_number_id = $1",
            enc(phone_number_id))
        if row is None or row["access_token"] is None:
            return None
        return self.keyring.decrypt(
            row["access_token"], context=token_context(dec(row["shop_id"]), phone_number_id))

    async def rotate(self, batch: int = 100) -> int:
        """Re-encrypt every value not under the current key; returns how many.  A value
        that does not decrypt is left as it is (logged with its code, never its bytes).
        A first pass skips rows a writer holds (it writes under the current key); a
        second waits for the few still behind (a row locked by another statement)."""
        done = 0
        for sealed in (_SECRETS, _TOKENS):
            for lock in ("FOR UPDATE SKIP LOCKED", "FOR UPDATE"):
                done += await self._rotate(sealed, lock, batch)
        return done

    async def _rotate(self, sealed: _Sealed, lock: str, batch: int) -> int:
        prefix = f"{VERSION}.{self.keyring.current}."
        last: list[str] = []
        done = 0
        while True:
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(sealed.select + lock, last, prefix, batch)
                if not rows:
                    return done
                updates = [u for row in rows if (u := self._reseal(sealed, row))]
                await conn.executemany(sealed.update, updates)
            done += len(updates)
            last = [rows[-1][k] for k in sealed.keys]

    def _reseal(self, sealed: _Sealed, row: asyncpg.Record) -> tuple[str, ...] | None:
        context = sealed.context(row)
        try:
            plain = self.keyring.decrypt(row[sealed.column], context=context)
        except CipherError as err:
            log.warning("secret not rotated: %s", err, extra={"code": err.code})
            return None
        return (*(row[k] for k in sealed.keys), self.keyring.encrypt(plain, context=context))
