"""The CRM side of the stores, for the management API: customers listed, changed,
exported and forgotten, and conversations read and worked.

A change to a customer takes the conversation's advisory lock (the one a unit of work
holds), so it lands before or after the runtime's unit for that customer, never inside
it: neither overwrites the other.  A change of consent is made inside the runtime's unit
itself (`record_consent`), because it publishes an event through the unit's outbox.
Text goes through `text.enc`/`dec` as everywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from wactl.runtime.driver.writes import write_effect
from wactl.runtime.effects import Publish
from wactl.runtime.ports import UnitOfWork
from wactl.runtime.state import encode_value
from wactl.service.postgres.store import PostgresUnit
from wactl.service.postgres.text import dec, dec_opt, enc, enc_opt

if TYPE_CHECKING:
    from wactl.service.postgres.db import Connection

_COLUMNS = ("wa_id, name, language, tags, fields, consent, consent_at, consent_source, "
            "first_contacted_at, created_at")


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer as the API shows it (fields as stored JSON)."""

    wa_id: str
    name: str | None
    language: str | None
    tags: list[str]
    fields: dict[str, Any]
    consent: str | None
    consent_at: datetime | None
    consent_source: str | None
    first_contacted_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    tag: str | None = None
    consent: str | None = None
    """opted_in, opted_out, or unknown (never asked)."""
    text: str | None = None
    """A part of the name or the wa_id, case-insensitive."""


@dataclass
class CustomerEdit:
    """A change to a customer; None leaves a value as it is.  (Consent is changed by
    `record_consent`, which publishes its event.)"""

    name: str | None = None
    language: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    set_fields: dict[str, Any] = field(default_factory=dict)
    unset_fields: list[str] = field(default_factory=list)


OPT_IN_CHANGED = "CustomerOptInChanged"
"""The event a flow's consent step publishes; the API's consent change publishes it too."""

_SET_CONSENT = f"""
UPDATE customers SET consent = $3, consent_at = $4, consent_source = $5
 WHERE shop_id = $1 AND wa_id = $2 AND consent IS DISTINCT FROM $3 RETURNING {_COLUMNS}"""


def _row(r: asyncpg.Record) -> CustomerRow:
    return CustomerRow(dec(r["wa_id"]), dec_opt(r["name"]), dec_opt(r["language"]),
                       [dec(t) for t in r["tags"]], json.loads(r["fields"]), dec_opt(r["consent"]),
                       r["consent_at"], dec_opt(r["consent_source"]), r["first_contacted_at"],
                       r["created_at"])


def like_pattern(text: str) -> str:
    """`text` as a literal inside an ILIKE pattern (its %, _ and \\ escaped)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def apply_edit(row: CustomerRow, edit: CustomerEdit) -> CustomerRow:
    """The customer after `edit` (pure: the same rules for every caller)."""
    tags = [t for t in row.tags if t not in edit.remove_tags]
    tags += [t for t in dict.fromkeys(edit.add_tags) if t not in tags]
    fields = {k: v for k, v in row.fields.items() if k not in edit.unset_fields}
    fields.update(encode_value(edit.set_fields))
    return CustomerRow(row.wa_id, edit.name if edit.name is not None else row.name,
                       edit.language if edit.language is not None else row.language, tags,
                       fields, row.consent, row.consent_at, row.consent_source,
                       row.first_contacted_at, row.created_at)


class Crm:
    """One shop's customers and conversations in the database of `pool`."""

    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, shop_id

    @asynccontextmanager
    async def _locked(self, wa_id: str) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
                               enc(self.shop), enc(wa_id))
            yield conn

    async def customers(self, where: CustomerFilter, *, after: str | None,
                        limit: int) -> list[CustomerRow]:
        """A page in wa_id order, after the wa_id `after`."""
        consent = where.consent
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM customers WHERE shop_id = $1"
            " AND ($2::text IS NULL OR wa_id > $2)"
            " AND ($3::text IS NULL OR $3 = ANY(tags))"
            " AND ($4::text IS NULL OR ($4 = 'unknown' AND consent IS NULL) OR consent = $4)"
            " AND ($5::text IS NULL OR wa_id ILIKE $5 OR name ILIKE $5)"
            " ORDER BY wa_id LIMIT $6",
            self.shop, enc_opt(after), enc_opt(where.tag), consent,
            None if where.text is None else like_pattern(enc(where.text)), limit)
        return [_row(r) for r in rows]

    async def customer(self, wa_id: str) -> CustomerRow | None:
        r = await self.pool.fetchrow(f"SELECT {_COLUMNS} FROM customers WHERE shop_id = $1 "
                                     "AND wa_id = $2", self.shop, enc(wa_id))
        return None if r is None else _row(r)

    async def create(self, wa_id: str, edit: CustomerEdit) -> CustomerRow | None:
        """The new customer; None when one with this wa_id exists (nothing changes)."""
        async with self._locked(wa_id) as conn:
            created = await conn.fetchrow(
                f"INSERT INTO customers (shop_id, wa_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
                f" RETURNING {_COLUMNS}", self.shop, enc(wa_id))
            if created is None:
                return None
            return await self._write(conn, apply_edit(_row(created), edit))

    async def edit(self, wa_id: str, edit: CustomerEdit) -> CustomerRow | None:
        """The changed customer; None when there is none."""
        async with self._locked(wa_id) as conn:
            r = await conn.fetchrow(f"SELECT {_COLUMNS} FROM customers WHERE shop_id = $1 "
                                    "AND wa_id = $2 FOR UPDATE", self.shop, enc(wa_id))
            return None if r is None else await self._write(conn, apply_edit(_row(r), edit))

    async def _write(self, conn: Connection, c: CustomerRow) -> CustomerRow:
        await conn.execute(
            "UPDATE customers SET name = $3, language = $4, tags = $5, fields = $6, consent = $7,"
            " consent_at = $8, consent_source = $9 WHERE shop_id = $1 AND wa_id = $2",
            self.shop, enc(c.wa_id), enc_opt(c.name), enc_opt(c.language),
            [enc(t) for t in c.tags], json.dumps(c.fields, ensure_ascii=False),
            enc_opt(c.consent), c.consent_at, enc_opt(c.consent_source))
        return c

    async def export(self, wa_id: str) -> dict[str, Any] | None:
        """Everything held about the customer (GDPR's right of access), JSON-shaped."""
        c = await self.customer(wa_id)
        if c is None:
            return None
        args = (self.shop, enc(wa_id))
        messages = await self.pool.fetch(
            "SELECT direction, kind, body, at, status, error, conversation FROM messages "
            "WHERE shop_id = $1 AND wa_id = $2 ORDER BY id", *args)
        sessions = await self.pool.fetch(
            "SELECT number, status, opened_at, last_message_at, closed_at, assigned_to, tags "
            "FROM sessions WHERE shop_id = $1 AND wa_id = $2 ORDER BY number", *args)
        runs = await self.pool.fetch(
            "SELECT run_id, flow, version, step, kind, outcome, at FROM run_steps "
            "WHERE shop_id = $1 AND wa_id = $2 ORDER BY id", *args)
        return {"customer": _plain(_as_dict(c)),
                "messages": [_plain(dict(m)) for m in messages],
                "conversations": [_plain(dict(s)) for s in sessions],
                "run_steps": [_plain(dict(r)) for r in runs]}

    async def forget(self, wa_id: str) -> bool:
        """Anonymise the customer: every row keyed by the wa_id moves to a pseudonym
        (aggregates keep counting them), message bodies are emptied, the name, fields,
        tags, state, runs (their variables), media and timers are gone; the run-step
        log stays.  False when there is none."""
        pseudonym = "forgotten-" + hashlib.sha256(f"{self.shop}\0{wa_id}".encode()).hexdigest()[:20]
        async with self._locked(wa_id) as conn:
            args = (self.shop, enc(wa_id))
            gone = await conn.execute("DELETE FROM customers WHERE shop_id = $1 AND wa_id = $2",
                                      *args)
            if gone == "DELETE 0":
                return False
            for table in ("conversation_states", "active_runs", "runs", "timers", "media",
                          "customer_numbers"):
                await conn.execute(f"DELETE FROM {table} WHERE shop_id = $1 AND wa_id = $2", *args)
            await conn.execute("UPDATE messages SET body = '', wa_id = $3 "
                               "WHERE shop_id = $1 AND wa_id = $2", *args, pseudonym)
            for table in ("sessions", "run_steps", "reach"):
                await conn.execute(f"UPDATE {table} SET wa_id = $3 WHERE shop_id = $1 "
                                   "AND wa_id = $2", *args, pseudonym)
            await conn.execute("INSERT INTO customers (shop_id, wa_id) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING", self.shop, pseudonym)
            return True


async def record_consent(u: UnitOfWork, status: str, source: str,
                         at: datetime) -> CustomerRow | None:
    """The unit's customer after recording `status` (given through `source` at `at`);
    None when there is no such customer.

    Only a change of status is recorded: with its time and source, and with the event a
    flow's consent step publishes (its payload plus status, time and source) put in the
    unit's outbox, so the event goes out once the change commits, and never without it.
    The same status again changes nothing and publishes nothing.
    """
    assert isinstance(u, PostgresUnit), "the API's store is PostgreSQL's"
    shop, wa_id = enc(u.shop_id), enc(u.wa_id)
    changed = await u.db.fetchrow(_SET_CONSENT, shop, wa_id, enc(status), at, enc(source))
    if changed is not None:
        await write_effect(u, Publish(OPT_IN_CHANGED, {
            "wa_id": u.wa_id, "consent": status, "status": status, "at": at.isoformat(),
            "source": source}), at)
        return _row(changed)
    found = await u.db.fetchrow(f"SELECT {_COLUMNS} FROM customers WHERE shop_id = $1 "
                                "AND wa_id = $2", shop, wa_id)
    return None if found is None else _row(found)


def _as_dict(c: CustomerRow) -> dict[str, Any]:
    return {name: getattr(c, name) for name in c.__slots__}


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Database values as JSON: times as ISO text, escaped text decoded."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, datetime):
            v = v.isoformat()
        elif isinstance(v, str):
            v = dec(v)
        elif isinstance(v, list):
            v = [dec(x) if isinstance(x, str) else x for x in v]
        out[k] = v
    return out
