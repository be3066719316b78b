"""The PostgreSQL `Store`: every shop's data in one database, units as transactions.

A unit of work is one transaction on one pooled connection.  It holds its conversation
with a transaction-level advisory lock on (shop, wa_id), so units of one conversation
never interleave, in this process or across replicas; within a process an asyncio lock
queues them first, in arrival order, without holding a connection while they wait.
The transaction commits when the unit's block ends and rolls back on an exception.

Claims (due timers, outbox entries) are one statement each: `FOR UPDATE SKIP LOCKED`
picks rows no other claimer is taking, and the lease columns written in the same
statement keep them from the next claimer until the lease runs out.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

import asyncpg

from wactl.compiler.ir import IRFlow
from wactl.runtime.effect_codec import effect_from_data, effect_to_data
from wactl.runtime.effects import AiRequest, HttpRequest
from wactl.runtime.records import Account, ClaimedTimer, OutboxEffect, OutboxEntry
from wactl.service.postgres.db import Db
from wactl.service.postgres.programs import keep_flows
from wactl.service.postgres.stores import (
    PostgresConversationStore,
    PostgresCustomerStore,
    PostgresRunStore,
    PostgresSessionStore,
    PostgresTimerStore,
    dumps,
    timer,
)
from wactl.service.postgres.text import dec, enc

_CLAIM_TIMERS = """
WITH picked AS (
    SELECT shop_id, wa_id, timer_id FROM timers
    WHERE at <= $2 AND (lease_until IS NULL OR lease_until <= $3)
    ORDER BY at, shop_id, wa_id, timer_id LIMIT $5
    FOR UPDATE SKIP LOCKED)
UPDATE timers t SET lease_owner = $1, lease_until = $4 FROM picked
WHERE t.shop_id = picked.shop_id AND t.wa_id = picked.wa_id AND t.timer_id = picked.timer_id
RETURNING t.shop_id, t.wa_id, t.timer_id, t.at"""

_CLAIM_OUTBOX = """
WITH picked AS (
    SELECT o.id FROM outbox o
    WHERE (o.lease_until IS NULL OR o.lease_until <= $2)
      AND (o.not_before IS NULL OR o.not_before <= $2)
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.shop_id = o.shop_id
                      AND p.wa_id = o.wa_id AND p.id < o.id)
      AND NOT EXISTS (SELECT 1 FROM outbox l WHERE l.shop_id = o.shop_id
                      AND l.wa_id = o.wa_id AND l.lease_until > $2)
    ORDER BY o.id LIMIT $4
    FOR UPDATE OF o SKIP LOCKED)
UPDATE outbox SET lease_owner = $1, lease_until = $3 FROM picked WHERE outbox.id = picked.id
RETURNING outbox.id, outbox.shop_id, outbox.wa_id, outbox.effect, outbox.message_id,
          outbox.created_at, outbox.attempts"""
"""Each conversation's oldest entry (none older in the outbox), when it is neither
leased nor waiting for a retry, and no entry of that conversation is leased."""

_SENT = """
WITH entry AS (DELETE FROM outbox WHERE id = $1 RETURNING shop_id, message_id),
sent AS (
    UPDATE messages m SET wa_message_id = $2,
        status = CASE WHEN m.status IN ('', 'queued') THEN 'sent' ELSE m.status END
    FROM entry WHERE m.shop_id = entry.shop_id AND m.message_id = entry.message_id
        AND m.direction = 'out' AND m.message_id <> '')
SELECT count(*) FROM entry"""
"""Take a send entry out and record WhatsApp's id on its message: one statement."""


def _entry(row: asyncpg.Record) -> OutboxEntry:
    effect = effect_from_data(json.loads(row["effect"]))
    assert isinstance(effect, OutboxEffect)
    return OutboxEntry(row["id"], dec(row["shop_id"]), dec(row["wa_id"]), effect,
                       dec(row["message_id"]), row["created_at"], row["attempts"])


class PostgresStore:
    """Every shop's data in the database of `pool` (migrated: see `migrate`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary())
        self._shops: dict[str, PostgresShop] = {}
        self.accounts = PostgresAccountStore(pool)

    def shop(self, shop_id: str) -> PostgresShop:
        shop = self._shops.get(shop_id)
        if shop is None:
            shop = self._shops[shop_id] = PostgresShop(self, shop_id)
        return shop

    def lock(self, shop_id: str, wa_id: str) -> asyncio.Lock:
        """This process's queue for a conversation (the advisory lock spans processes)."""
        key = (shop_id, wa_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------ claims

    async def claim_timers(self, owner: str, until: datetime, *, now: datetime,
                           lease: timedelta, limit: int = 100) -> list[ClaimedTimer]:
        rows = await self.pool.fetch(_CLAIM_TIMERS, owner, until, now, now + lease, limit)
        claims = [ClaimedTimer(dec(r["shop_id"]), timer(r), now + lease) for r in rows]
        claims.sort(key=lambda c: (c.timer.at, c.shop_id, c.timer.wa_id, c.timer.timer_id))
        return claims

    async def claim_outbox(self, owner: str, *, now: datetime, lease: timedelta,
                           limit: int = 100) -> list[OutboxEntry]:
        rows = await self.pool.fetch(_CLAIM_OUTBOX, owner, now, now + lease, limit)
        return sorted((_entry(r) for r in rows), key=lambda e: e.id)

    async def done(self, entry_id: int) -> None:
        await self.pool.execute("DELETE FROM outbox WHERE id = $1", entry_id)

    async def sent(self, entry_id: int, wa_message_id: str) -> None:
        await self.pool.fetchval(_SENT, entry_id, enc(wa_message_id))

    async def retry(self, entry_id: int, *, not_before: datetime) -> None:
        await self.pool.execute(
            "UPDATE outbox SET attempts = attempts + 1, lease_owner = NULL, "
            "lease_until = NULL, not_before = $2 WHERE id = $1", entry_id, not_before)

    async def pending_outbox(self) -> list[OutboxEntry]:
        """Every entry not yet carried out, in id order."""
        rows = await self.pool.fetch(
            "SELECT id, shop_id, wa_id, effect, message_id, created_at, attempts FROM outbox "
            "ORDER BY id")
        return [_entry(r) for r in rows]


class PostgresFlowVersionStore:
    """Flow versions (`FlowVersionStore`) in `flow_versions`, written in one transaction."""

    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, enc(shop_id)

    async def keep(self, flows: list[IRFlow], *, at: datetime) -> list[str]:
        async with self.pool.acquire() as conn, conn.transaction():
            return await keep_flows(conn, dec(self.shop), flows, at)

    async def versions(self) -> list[IRFlow]:
        rows = await self.pool.fetch(
            "SELECT ir FROM flow_versions WHERE shop_id = $1 ORDER BY seq", self.shop)
        return [IRFlow.model_validate_json(r["ir"]) for r in rows]

    async def active(self) -> dict[str, str]:
        rows = await self.pool.fetch(
            "SELECT flow, version FROM flow_versions WHERE shop_id = $1 AND active", self.shop)
        return {dec(r["flow"]): dec(r["version"]) for r in rows}


class PostgresAccountStore:
    """Connected numbers (`AccountStore`) in the `accounts` table."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def get(self, phone_number_id: str) -> Account | None:
        row = await self.pool.fetchrow(f"SELECT {_ACCOUNT} FROM accounts "
                                       "WHERE phone_number_id = $1", enc(phone_number_id))
        return None if row is None else _account(row)

    async def put(self, account: Account) -> None:
        a = account
        await self.pool.execute(
            f"INSERT INTO accounts ({_ACCOUNT}) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (phone_number_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, "
            "display_phone = EXCLUDED.display_phone, tier = EXCLUDED.tier, "
            "status = EXCLUDED.status",
            enc(a.phone_number_id), enc(a.shop_id), enc(a.display_phone), a.tier, a.status)

    async def all(self) -> list[Account]:
        rows = await self.pool.fetch(f"SELECT {_ACCOUNT} FROM accounts ORDER BY phone_number_id")
        return [_account(r) for r in rows]


_ACCOUNT = "phone_number_id, shop_id, display_phone, tier, status"


def _account(row: asyncpg.Record) -> Account:
    return Account(dec(row["phone_number_id"]), dec(row["shop_id"]), dec(row["display_phone"]),
                   row["tier"], row["status"])


class PostgresShop:
    """One shop's stores (`ShopStore`)."""

    def __init__(self, store: PostgresStore, shop_id: str) -> None:
        self.store, self.shop_id = store, shop_id
        self.db = Db(store.pool)
        self.customers = PostgresCustomerStore(self.db, shop_id)
        self.conversations = PostgresConversationStore(self.db, shop_id)
        self.runs = PostgresRunStore(self.db, shop_id)
        self.timers = PostgresTimerStore(self.db, shop_id)
        self.sessions = PostgresSessionStore(self.db, shop_id)
        self.flow_versions = PostgresFlowVersionStore(store.pool, shop_id)

    def unit(self, wa_id: str) -> AbstractAsyncContextManager[PostgresUnit]:
        return self._unit(wa_id)

    @asynccontextmanager
    async def _unit(self, wa_id: str) -> AsyncIterator[PostgresUnit]:
        async with (self.store.lock(self.shop_id, wa_id), self.store.pool.acquire() as conn,
                    conn.transaction()):
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
                               enc(self.shop_id), enc(wa_id))
            yield PostgresUnit(Db(self.store.pool, conn), self.shop_id, wa_id)

    async def cursor(self, flow: str) -> datetime | None:
        at: datetime | None = await self.db.fetchval(
            "SELECT at FROM schedule_cursors WHERE shop_id = $1 AND flow = $2",
            enc(self.shop_id), enc(flow))
        return at

    async def set_cursor(self, flow: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO schedule_cursors (shop_id, flow, at) VALUES ($1, $2, $3) "
            "ON CONFLICT (shop_id, flow) DO UPDATE SET at = EXCLUDED.at",
            enc(self.shop_id), enc(flow), at)

    async def left_out_count(self, flow: str | None = None) -> int:
        count: int = await self.db.fetchval(
            "SELECT coalesce(sum(count), 0) FROM left_out WHERE shop_id = $1 "
            "AND ($2::text IS NULL OR flow = $2)", enc(self.shop_id),
            None if flow is None else enc(flow))
        return int(count)


class PostgresUnit:
    """One conversation's unit of work (`UnitOfWork`) on a connection in a transaction."""

    def __init__(self, db: Db, shop_id: str, wa_id: str) -> None:
        self.db, self.shop_id, self.wa_id = db, shop_id, wa_id
        self.customers = PostgresCustomerStore(db, shop_id)
        self.conversations = PostgresConversationStore(db, shop_id)
        self.runs = PostgresRunStore(db, shop_id)
        self.timers = PostgresTimerStore(db, shop_id)
        self.sessions = PostgresSessionStore(db, shop_id)
        self._shop, self._wa = enc(shop_id), enc(wa_id)

    async def handled(self, key: str) -> bool:
        found = await self.db.fetchval(
            "SELECT true FROM handled_keys WHERE shop_id = $1 AND key = $2", self._shop,
            enc(key))
        return found is not None

    async def mark_handled(self, key: str) -> None:
        await self.db.execute("INSERT INTO handled_keys (shop_id, key) VALUES ($1, $2) "
                              "ON CONFLICT DO NOTHING", self._shop, enc(key))

    async def enqueue(self, effect: OutboxEffect, *, at: datetime,
                      message_id: str = "") -> OutboxEntry:
        request_id = None
        if isinstance(effect, HttpRequest | AiRequest):
            message_id = effect.request_id
            request_id = enc(message_id)
        row = await self.db.fetchrow(
            "INSERT INTO outbox (id, shop_id, wa_id, effect, message_id, request_id, created_at) "
            "SELECT n, $1, $2, $3, CASE WHEN $4 = '' THEN 'out-' || n ELSE $4 END, $5, $6 "
            "FROM (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS n) s "
            "RETURNING id, message_id", self._shop, self._wa, dumps(effect_to_data(effect)),
            enc(message_id), request_id, at)
        assert row is not None  # an INSERT ... SELECT of one row returns it
        return OutboxEntry(row["id"], self.shop_id, self.wa_id, effect, dec(row["message_id"]),
                           at)

    async def complete(self, request_id: str) -> bool:
        rows = await self.db.fetch(
            "DELETE FROM outbox WHERE shop_id = $1 AND wa_id = $2 AND request_id = $3 "
            "RETURNING id", self._shop, self._wa, enc(request_id))
        return bool(rows)

    async def reach(self, since: datetime, at: datetime) -> tuple[bool, int]:
        row = await self.db.fetchrow(
            "SELECT count(*) FILTER (WHERE wa_id = $2) AS me, count(*) AS everyone FROM reach "
            "WHERE shop_id = $1 AND at > $3 AND at <= $4", self._shop, self._wa, since, at)
        assert row is not None  # an aggregate returns one row
        return row["me"] > 0, int(row["everyone"])

    async def reached(self, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO reach (shop_id, wa_id, at) VALUES ($1, $2, $3) "
            "ON CONFLICT (shop_id, wa_id) DO UPDATE SET at = EXCLUDED.at",
            self._shop, self._wa, at)

    async def left_out(self, flow: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO left_out (shop_id, flow, count) VALUES ($1, $2, 1) "
            "ON CONFLICT (shop_id, flow) DO UPDATE SET count = left_out.count + 1",
            self._shop, enc(flow))
