"""The five stores of one shop on PostgreSQL, alone or inside a unit of work.

The same semantics as `wactl.runtime.memory.stores` (the reference): every statement
names the shop, so one shop's stores neither see nor change another's; text goes
through `enc`/`dec` (NUL-safe, order-preserving); documents (states, runs, fields) are
JSON text.  Reads return fresh objects built from rows, so nothing aliases the store.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import asyncpg

from wactl.runtime.effect_codec import effect_from_data, effect_to_data
from wactl.runtime.effects import SendTemplate
from wactl.runtime.records import (
    AiUsage,
    CustomerChange,
    MessageRecord,
    MessageStatus,
    RunStep,
    StatusChange,
    TimerRecord,
    apply_change,
    moves_forward,
)
from wactl.runtime.sessions import Session, SessionStatus
from wactl.runtime.state import (
    ConversationState,
    Customer,
    Run,
    decode_value,
    encode_value,
    run_from_data,
    run_to_data,
    state_from_data,
    state_to_data,
)
from wactl.service.postgres.db import Db
from wactl.service.postgres.text import dec, dec_opt, enc, enc_opt


def dumps(data: Any) -> str:
    """JSON text a `text` column keeps: NUL and other control characters come out escaped."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Bound:
    """A store of one shop over `db` (the pool, or a unit's connection)."""

    def __init__(self, db: Db, shop: str) -> None:
        self.db, self.shop = db, enc(shop)


# --------------------------------------------------------------------------- customers

_CUSTOMER = "wa_id, name, language, tags, fields, consent, first_contacted_at"
_SAVE_CUSTOMER = f"""
INSERT INTO customers (shop_id, {_CUSTOMER}, consent_at, consent_source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7::text IS NOT NULL THEN now() END,
        CASE WHEN $7::text IS NOT NULL THEN 'flow' END)
ON CONFLICT (shop_id, wa_id) DO UPDATE SET name = EXCLUDED.name,
    language = EXCLUDED.language, tags = EXCLUDED.tags, fields = EXCLUDED.fields,
    consent = EXCLUDED.consent, first_contacted_at = EXCLUDED.first_contacted_at,
    consent_at = CASE WHEN customers.consent IS DISTINCT FROM EXCLUDED.consent
                      THEN now() ELSE customers.consent_at END,
    consent_source = CASE WHEN customers.consent IS DISTINCT FROM EXCLUDED.consent
                          THEN 'flow' ELSE customers.consent_source END"""
"""A consent changed by a flow (its `consent` step) is stamped with the time of the unit
and the source `flow`, as the API stamps its own (`crm.record_consent`)."""


def _customer(row: asyncpg.Record) -> Customer:
    return Customer(dec(row["wa_id"]), dec_opt(row["name"]), dec_opt(row["language"]),
                    [dec(t) for t in row["tags"]], decode_value(json.loads(row["fields"])),
                    dec_opt(row["consent"]), row["first_contacted_at"])


def _customer_args(shop: str, c: Customer) -> tuple[Any, ...]:
    return (shop, enc(c.wa_id), enc_opt(c.name), enc_opt(c.language), [enc(t) for t in c.tags],
            dumps(encode_value(c.fields)), enc_opt(c.consent), c.first_contacted_at)


class PostgresCustomerStore(Bound):
    async def get(self, wa_id: str) -> Customer | None:
        row = await self.db.fetchrow(
            f"SELECT {_CUSTOMER} FROM customers WHERE shop_id = $1 AND wa_id = $2",
            self.shop, enc(wa_id))
        return None if row is None else _customer(row)

    async def save(self, customer: Customer) -> None:
        await self.db.execute(_SAVE_CUSTOMER, *_customer_args(self.shop, customer))

    async def apply(self, change: CustomerChange) -> None:
        """Read, change and write the row under its lock, so a concurrent change of the
        same customer (the management API) is applied after this one, not lost."""
        async with self.db.tx() as conn:
            await conn.execute("INSERT INTO customers (shop_id, wa_id) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING", self.shop, enc(change.wa_id))
            row = await conn.fetchrow(f"SELECT {_CUSTOMER} FROM customers WHERE shop_id = $1 "
                                      "AND wa_id = $2 FOR UPDATE", self.shop, enc(change.wa_id))
            assert row is not None  # inserted above when missing
            customer = _customer(row)
            apply_change(customer, change)
            await conn.execute(_SAVE_CUSTOMER, *_customer_args(self.shop, customer))

    async def list_ids(self, *, after: str | None = None, limit: int = 1000) -> list[str]:
        rows = await self.db.fetch(
            "SELECT wa_id FROM customers WHERE shop_id = $1 AND ($2::text IS NULL OR wa_id > $2)"
            " ORDER BY wa_id LIMIT $3", self.shop, enc_opt(after), limit)
        return [dec(r["wa_id"]) for r in rows]


# --------------------------------------------------------------------------- conversations

_MESSAGE = ("wa_id, direction, kind, body, at, message_id, wa_message_id, status, error, "
            "fallback, conversation")


def _message(row: asyncpg.Record) -> MessageRecord:
    fallback = None
    if row["fallback"] is not None:
        template = effect_from_data(json.loads(row["fallback"]))
        assert isinstance(template, SendTemplate)
        fallback = template
    return MessageRecord(dec(row["wa_id"]), row["direction"], dec(row["kind"]),
                         dec(row["body"]), row["at"], dec(row["message_id"]),
                         dec(row["wa_message_id"]), row["status"], dec_opt(row["error"]),
                         fallback, row["conversation"])


class PostgresConversationStore(Bound):
    async def load(self, wa_id: str) -> ConversationState | None:
        text = await self.db.fetchval(
            "SELECT state FROM conversation_states WHERE shop_id = $1 AND wa_id = $2",
            self.shop, enc(wa_id))
        return None if text is None else state_from_data(json.loads(text))

    async def save(self, state: ConversationState) -> None:
        await self.db.execute(
            "INSERT INTO conversation_states (shop_id, wa_id, state) VALUES ($1, $2, $3) "
            "ON CONFLICT (shop_id, wa_id) DO UPDATE SET state = EXCLUDED.state, "
            "updated_at = now()", self.shop, enc(state.wa_id), dumps(state_to_data(state)))

    async def append_message(self, message: MessageRecord) -> None:
        status = message.status
        if message.direction == "out" and message.message_id:
            status = status or "queued"
        fallback = None if message.fallback is None else dumps(effect_to_data(message.fallback))
        await self.db.execute(  # stamped with the customer's current session
            f"INSERT INTO messages (shop_id, {_MESSAGE}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (SELECT coalesce(max(number), "
            "0) FROM sessions WHERE shop_id = $1 AND wa_id = $2))",
            self.shop, enc(message.wa_id), message.direction, enc(message.kind),
            enc(message.text), message.at, enc(message.message_id),
            enc(message.wa_message_id), status, enc_opt(message.error), fallback)

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        rows = await self.db.fetch(
            f"SELECT * FROM (SELECT id, {_MESSAGE} FROM messages WHERE shop_id = $1 "
            "AND wa_id = $2 ORDER BY id DESC LIMIT $3) m ORDER BY id",
            self.shop, enc(wa_id), limit)
        return [_message(r) for r in rows]

    async def record_sent(self, message_id: str, wa_message_id: str) -> None:
        await self.db.execute(RECORD_SENT, self.shop, enc(message_id), enc(wa_message_id))

    async def status(self, wa_message_id: str, status: MessageStatus, at: datetime,
                     error: str | None = None) -> StatusChange:
        if not wa_message_id:
            return StatusChange(None, False)
        return await self._move("wa_message_id", enc(wa_message_id), status, error)

    async def fail(self, message_id: str, error: str) -> StatusChange:
        if not message_id:
            return StatusChange(None, False)
        return await self._move("message_id", enc(message_id), "failed", error)

    async def _move(self, by: str, key: str, status: MessageStatus,
                    error: str | None) -> StatusChange:
        """Move one outbound message's status forward, under its row lock (the newest row
        of an id logged twice, as the memory store keeps the last)."""
        async with self.db.tx() as conn:
            row = await conn.fetchrow(
                f"SELECT id, {_MESSAGE} FROM messages WHERE shop_id = $1 AND {by} = $2 "
                "AND direction = 'out' ORDER BY id DESC LIMIT 1 FOR UPDATE", self.shop, key)
            if row is None:
                return StatusChange(None, False)
            if not moves_forward(row["status"], status):
                return StatusChange(_message(row), False)
            row = await conn.fetchrow(
                f"UPDATE messages SET status = $2, error = CASE WHEN $2 = 'failed' THEN $3 "
                f"ELSE error END WHERE id = $1 RETURNING {_MESSAGE}",
                row["id"], status, enc_opt(error))
            assert row is not None  # locked above
            return StatusChange(_message(row), True)


    async def forget_bodies(self, before: datetime, *, limit: int | None = None) -> int:
        if limit is None:
            done = await self.db.execute(FORGET_ALL, self.shop, before)
        else:
            done = await self.db.execute(FORGET_SOME, self.shop, before, limit)
        return int(done.split()[-1])


FORGET_ALL = "UPDATE messages SET body = '' WHERE shop_id = $1 AND at < $2 AND body <> ''"
FORGET_SOME = """
UPDATE messages SET body = '' WHERE id = ANY(ARRAY(
    SELECT id FROM messages WHERE shop_id = $1 AND at < $2 AND body <> ''
    ORDER BY at LIMIT $3 FOR UPDATE SKIP LOCKED))"""
"""At most $3 of shop $1's oldest bodies before $2, skipping rows another replica's pass
(or a unit of work) holds: two passes at once never wait on each other nor empty a row
twice; the partial index `messages_with_body` finds them without walking emptied rows,
and the ids as one array make the update a primary-key lookup (with `IN (SELECT ...)`
the planner hashed the batch and read the whole table for every batch)."""


RECORD_SENT = """
UPDATE messages SET wa_message_id = $3,
    status = CASE WHEN status IN ('', 'queued') THEN 'sent' ELSE status END
WHERE shop_id = $1 AND message_id = $2 AND direction = 'out' AND message_id <> ''"""
"""WhatsApp accepted our message $2 of shop $1 under its id $3."""


# --------------------------------------------------------------------------- runs


class PostgresRunStore(Bound):
    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        data = dumps(run_to_data(run))
        if not finished:
            await self.db.execute(
                "INSERT INTO active_runs (shop_id, wa_id, run_id, run) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (shop_id, wa_id) DO UPDATE SET run_id = EXCLUDED.run_id, "
                "run = EXCLUDED.run", self.shop, enc(wa_id), enc(run.id), data)
            return
        await self.db.execute(
            "WITH gone AS (DELETE FROM active_runs WHERE shop_id = $1 AND wa_id = $2 "
            "AND run_id = $3) "
            "INSERT INTO runs (shop_id, wa_id, run_id, flow, started_at, run) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (shop_id, wa_id, run_id) "
            "DO UPDATE SET run = EXCLUDED.run, finished_at = now()",
            self.shop, enc(wa_id), enc(run.id), enc(run.flow), run.started_at, data)

    async def active(self, wa_id: str) -> Run | None:
        text = await self.db.fetchval(
            "SELECT run FROM active_runs WHERE shop_id = $1 AND wa_id = $2",
            self.shop, enc(wa_id))
        return None if text is None else run_from_data(json.loads(text))

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        rows = await self.db.fetch(
            "SELECT run FROM (SELECT seq, run FROM runs WHERE shop_id = $1 AND wa_id = $2 "
            "ORDER BY seq DESC LIMIT $3) r ORDER BY seq", self.shop, enc(wa_id), limit)
        return [run_from_data(json.loads(r["run"])) for r in rows]

    async def append_steps(self, steps: list[RunStep]) -> None:
        if not steps:
            return
        await self.db.executemany(
            "INSERT INTO run_steps (shop_id, wa_id, run_id, flow, version, step, kind, outcome, "
            "at, changed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [(self.shop, enc(s.wa_id), enc(s.run_id), enc(s.flow), enc(s.version), enc(s.step),
              enc(s.kind), enc(s.outcome), s.at, [enc(c) for c in s.changed]) for s in steps])

    async def steps(self, wa_id: str, run_id: str) -> list[RunStep]:
        rows = await self.db.fetch(
            "SELECT wa_id, run_id, flow, version, step, kind, outcome, at, changed FROM "
            "run_steps WHERE shop_id = $1 AND wa_id = $2 AND run_id = $3 ORDER BY id",
            self.shop, enc(wa_id), enc(run_id))
        return [RunStep(dec(r["wa_id"]), dec(r["run_id"]), dec(r["flow"]), dec(r["version"]),
                        dec(r["step"]), dec(r["kind"]), dec(r["outcome"]), r["at"],
                        tuple(dec(c) for c in r["changed"])) for r in rows]

    async def add_usage(self, usage: AiUsage) -> None:
        await self.db.execute(_ADD_USAGE, self.shop, usage.day, enc(usage.purpose),
                              enc(usage.agent), enc(usage.model), usage.calls,
                              usage.prompt_tokens, usage.completion_tokens, usage.cost)

    async def usage(self, since: date) -> list[AiUsage]:
        rows = await self.db.fetch(
            "SELECT day, purpose, agent, model, calls, prompt_tokens, completion_tokens, cost "
            "FROM ai_usage WHERE shop_id = $1 AND day >= $2 "
            "ORDER BY day, purpose, agent, model", self.shop, since)
        return [AiUsage(r["day"], dec(r["purpose"]), dec(r["agent"]), dec(r["model"]),
                        r["calls"], r["prompt_tokens"], r["completion_tokens"], r["cost"])
                for r in rows]


_ADD_USAGE = """
INSERT INTO ai_usage AS u (shop_id, day, purpose, agent, model, calls, prompt_tokens,
    completion_tokens, cost) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (shop_id, day, purpose, agent, model) DO UPDATE SET
    calls = u.calls + EXCLUDED.calls, prompt_tokens = u.prompt_tokens + EXCLUDED.prompt_tokens,
    completion_tokens = u.completion_tokens + EXCLUDED.completion_tokens,
    cost = u.cost + EXCLUDED.cost"""


# --------------------------------------------------------------------------- timers


def timer(row: asyncpg.Record) -> TimerRecord:
    return TimerRecord(dec(row["wa_id"]), dec(row["timer_id"]), row["at"])


class PostgresTimerStore(Bound):
    async def schedule(self, timer: TimerRecord) -> None:
        """Add or move a timer; a moved timer loses its lease (claimable at once)."""
        await self.db.execute(
            "INSERT INTO timers (shop_id, wa_id, timer_id, at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (shop_id, wa_id, timer_id) DO UPDATE SET at = EXCLUDED.at, "
            "lease_owner = CASE WHEN timers.at = EXCLUDED.at THEN timers.lease_owner END, "
            "lease_until = CASE WHEN timers.at = EXCLUDED.at THEN timers.lease_until END",
            self.shop, enc(timer.wa_id), enc(timer.timer_id), timer.at)

    async def get(self, wa_id: str, timer_id: str) -> TimerRecord | None:
        row = await self.db.fetchrow(
            "SELECT wa_id, timer_id, at FROM timers WHERE shop_id = $1 AND wa_id = $2 "
            "AND timer_id = $3", self.shop, enc(wa_id), enc(timer_id))
        return None if row is None else timer(row)

    async def cancel(self, wa_id: str, timer_id: str) -> None:
        await self.db.execute(
            "DELETE FROM timers WHERE shop_id = $1 AND wa_id = $2 AND timer_id = $3",
            self.shop, enc(wa_id), enc(timer_id))

    async def due(self, until: datetime, *, limit: int = 100) -> list[TimerRecord]:
        rows = await self.db.fetch(
            "SELECT wa_id, timer_id, at FROM timers WHERE shop_id = $1 AND at <= $2 "
            "ORDER BY at, wa_id, timer_id LIMIT $3", self.shop, until, limit)
        return [timer(r) for r in rows]

    async def pending(self) -> list[TimerRecord]:
        """Every timer not yet fired, earliest first."""
        rows = await self.db.fetch(
            "SELECT wa_id, timer_id, at FROM timers WHERE shop_id = $1 "
            "ORDER BY at, wa_id, timer_id", self.shop)
        return [timer(r) for r in rows]


# --------------------------------------------------------------------------- sessions

_SESSION = ("wa_id, number, status, opened_at, last_message_at, last_inbound_at, closed_at, "
            "closed_by, assigned_to, tags")


def _session(row: asyncpg.Record) -> Session:
    return Session(dec(row["wa_id"]), row["number"], row["status"], row["opened_at"],
                   row["last_message_at"], row["last_inbound_at"], row["closed_at"],
                   dec_opt(row["closed_by"]), dec_opt(row["assigned_to"]),
                   tuple(dec(t) for t in row["tags"]))


class PostgresSessionStore(Bound):
    async def current(self, wa_id: str) -> Session | None:
        row = await self.db.fetchrow(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND wa_id = $2 "
            "ORDER BY number DESC LIMIT 1", self.shop, enc(wa_id))
        return None if row is None else _session(row)

    async def history(self, wa_id: str) -> list[Session]:
        rows = await self.db.fetch(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND wa_id = $2 "
            "ORDER BY number", self.shop, enc(wa_id))
        return [_session(r) for r in rows]

    async def save(self, session: Session) -> None:
        s = session
        await self.db.execute(
            f"INSERT INTO sessions (shop_id, {_SESSION}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
            "ON CONFLICT (shop_id, wa_id, number) DO UPDATE SET status = EXCLUDED.status, "
            "opened_at = EXCLUDED.opened_at, last_message_at = EXCLUDED.last_message_at, "
            "last_inbound_at = EXCLUDED.last_inbound_at, closed_at = EXCLUDED.closed_at, "
            "closed_by = EXCLUDED.closed_by, assigned_to = EXCLUDED.assigned_to, "
            "tags = EXCLUDED.tags",
            self.shop, enc(s.wa_id), s.number, s.status, s.opened_at, s.last_message_at,
            s.last_inbound_at, s.closed_at, enc_opt(s.closed_by), enc_opt(s.assigned_to),
            [enc(t) for t in s.tags])

    async def stale(self, before: datetime, *, limit: int = 100) -> list[Session]:
        rows = await self.db.fetch(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND status = 'active' "
            "AND coalesce(last_inbound_at, opened_at) <= $2 "
            "ORDER BY coalesce(last_inbound_at, opened_at), wa_id, number LIMIT $3",
            self.shop, before, limit)
        return [_session(r) for r in rows]

    async def by_status(self, status: SessionStatus, *, limit: int = 100) -> list[Session]:
        rows = await self.db.fetch(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND status = $2 "
            "ORDER BY last_message_at DESC, wa_id, number LIMIT $3", self.shop, status, limit)
        return [_session(r) for r in rows]
