"""Property: the PostgreSQL store answers as the in-memory reference does, operation by operation.

Hypothesis draws a sequence of store operations (customers, the message log and its
statuses, runs, timers, units that commit or roll back, outbox claims and their
outcomes) over a few awkward wa_ids (NUL, case, accents); both stores run it and
every answer must be equal.  The contract pins chosen cases; this finds the ones
nobody thought of.  One schema for the test, emptied between examples.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from contract.postgres_kit import database_url
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wactl.runtime.effects import (
    ConsentChanged,
    FieldsChanged,
    HttpRequest,
    SendText,
    TagsChanged,
)
from wactl.runtime.memory import MemoryStore
from wactl.runtime.ports import Store
from wactl.runtime.records import MessageRecord, RunStep, TimerRecord
from wactl.runtime.state import Customer, Frame, Run, run_to_data
from wactl.service.postgres import PostgresStore, create_pool, migrate

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
SHOPS = ("s", "t")
WA_IDS = ("849001", "a\x00b", "B", "é", "b")
TEXTS = ("", "hi", "nul\x00", "\x01x", "Tiếng Việt")
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

wa_ids = st.sampled_from(WA_IDS)
texts = st.sampled_from(TEXTS)
minutes = st.integers(0, 5).map(lambda m: T0 + timedelta(minutes=m))
shops = st.sampled_from((*SHOPS, SHOPS[0], SHOPS[0]))  # mostly one shop: more collisions


@dataclass(frozen=True)
class Op:
    name: str
    shop: str
    args: tuple[Any, ...]


def _op(name: str, *args: st.SearchStrategy[Any]) -> st.SearchStrategy[Op]:
    return st.builds(lambda shop, *a: Op(name, shop, a), shops, *args)


OPS = st.one_of(
    _op("save_customer", wa_ids, texts, st.lists(texts, max_size=2)),
    _op("tags", wa_ids, st.lists(texts, max_size=2), st.lists(texts, max_size=2)),
    _op("fields", wa_ids, st.dictionaries(texts, st.none() | texts, max_size=2)),
    _op("consent", wa_ids, st.sampled_from(["opted_in", "opted_out"])),
    _op("list_ids", st.none() | wa_ids, st.integers(1, 4)),
    _op("message", wa_ids, st.sampled_from(["in", "out", "out"]), texts, st.integers(0, 2)),
    _op("messages", wa_ids, st.none() | st.integers(1, 3)),
    _op("record_sent", st.integers(0, 2), st.integers(0, 2)),
    _op("record_sent", st.integers(0, 2), st.integers(0, 2)),
    _op("status", st.integers(0, 2), st.sampled_from(["sent", "delivered", "read", "failed"])),
    _op("status", st.integers(0, 2), st.sampled_from(["sent", "delivered", "read", "failed"])),
    _op("fail", st.integers(0, 2)),
    _op("save_run", wa_ids, st.sampled_from(["r1", "r2"]), st.booleans(), texts),
    _op("runs", wa_ids, st.none() | st.integers(1, 2)),
    _op("steps", st.sampled_from(["r1", "r2"]), st.lists(texts, max_size=2)),
    _op("timer", wa_ids, st.sampled_from(["t1", "t2"]), minutes),
    _op("cancel", wa_ids, st.sampled_from(["t1", "t2"])),
    _op("due", minutes, st.integers(1, 3)),
    _op("unit", wa_ids, st.lists(st.tuples(st.sampled_from(
        ["send", "request", "complete", "mark", "handled", "reached", "reach", "left_out"]),
        texts), max_size=4), st.booleans()),
    _op("claim_outbox", minutes, st.integers(1, 3)),
    _op("claim_timers", minutes, minutes, st.integers(1, 3)),
    _op("outcome", st.integers(0, 2), st.sampled_from(["done", "sent", "retry"]), minutes),
    _op("cursor", st.sampled_from(["daily"]), st.none() | minutes),
)


class Boom(Exception):
    pass


class Runner:
    """Runs operations on one store, remembering what its claims handed out."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.claimed: list[int] = []

    async def run(self, op: Op) -> Any:
        shop = self.store.shop(op.shop)
        a = op.args
        match op.name:
            case "save_customer":
                return await shop.customers.save(Customer(a[0], a[1], tags=list(a[2])))
            case "tags":
                return await shop.customers.apply(TagsChanged(a[0], tuple(a[1]), tuple(a[2])))
            case "fields":
                return await shop.customers.apply(FieldsChanged(a[0], dict(a[1])))
            case "consent":
                return await shop.customers.apply(ConsentChanged(a[0], a[1]))
            case "list_ids":
                ids = await shop.customers.list_ids(after=a[0], limit=a[1])
                return ids, [await shop.customers.get(i) for i in ids]
            case "message":
                direction = a[1]
                return await shop.conversations.append_message(MessageRecord(
                    a[0], direction, "text", a[2], T0, f"m{a[3]}",
                    status="queued" if direction == "out" else ""))
            case "messages":
                return await shop.conversations.messages(a[0], limit=a[1])
            case "record_sent":
                return await shop.conversations.record_sent(f"m{a[0]}", f"w{a[1]}")
            case "status":
                return await shop.conversations.status(f"w{a[0]}", a[1], T0, "131047")
            case "fail":
                return await shop.conversations.fail(f"m{a[0]}", "131026")
            case "save_run":
                run = Run(a[1], "f", T0, [Frame("f", "v1", "s", {"v": a[3]})])
                return await shop.runs.save(a[0], run, finished=a[2])
            case "runs":
                active = await shop.runs.active(a[0])
                return (None if active is None else run_to_data(active),
                        [run_to_data(r) for r in await shop.runs.finished(a[0], limit=a[1])])
            case "steps":
                await shop.runs.append_steps([
                    RunStep("849", a[0], "f", "v1", t, "send", t, T0, (t,)) for t in a[1]])
                return await shop.runs.steps("849", a[0])
            case "timer":
                return await shop.timers.schedule(TimerRecord(a[0], a[1], a[2]))
            case "cancel":
                return await shop.timers.cancel(a[0], a[1])
            case "due":
                return await shop.timers.due(a[0], limit=a[1])
            case "unit":
                return await self._unit(op)
            case "claim_outbox":
                entries = await self.store.claim_outbox("w", now=a[0], lease=LEASE, limit=a[1])
                self.claimed = [e.id for e in entries]
                return entries
            case "claim_timers":
                return await self.store.claim_timers("w", a[0], now=a[1], lease=LEASE,
                                                     limit=a[2])
            case "outcome":
                return await self._outcome(*a)
            case "cursor":
                if a[1] is not None:
                    await shop.set_cursor(a[0], a[1])
                return await shop.cursor(a[0]), await shop.left_out_count()
        raise AssertionError(op.name)

    async def _unit(self, op: Op) -> Any:
        wa_id, steps, fail = op.args
        seen: list[Any] = []
        try:
            async with self.store.shop(op.shop).unit(wa_id) as u:
                for what, text in steps:
                    if what == "send":
                        seen.append(await u.enqueue(SendText(wa_id, text), at=T0))
                    elif what == "request":
                        seen.append(await u.enqueue(HttpRequest(f"q{text}", "GET", "x"),
                                                    at=T0))
                    elif what == "complete":
                        seen.append(await u.complete(f"q{text}"))
                    elif what == "mark":
                        await u.mark_handled(text)
                    elif what == "handled":
                        seen.append(await u.handled(text))
                    elif what == "reached":
                        await u.reached(T0 + timedelta(minutes=1))
                    elif what == "reach":
                        seen.append(await u.reach(T0, T0 + timedelta(minutes=2)))
                    else:
                        await u.left_out(text, T0)
                if fail:
                    raise Boom
        except Boom:
            seen.append("rolled back")
        return seen

    async def _outcome(self, index: int, what: str, at: datetime) -> Any:
        if index >= len(self.claimed):
            return None
        entry_id = self.claimed[index]
        if what == "done":
            await self.store.done(entry_id)
        elif what == "sent":
            await self.store.sent(entry_id, f"w{entry_id % 4}")
        else:
            await self.store.retry(entry_id, not_before=at)
        return entry_id


async def _sql(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    url = database_url()
    name = f"test_props_{uuid.uuid4().hex[:12]}"

    async def setup() -> None:
        await _sql(url, f"CREATE SCHEMA {name}")
        pool = await create_pool(url, schema=name)
        try:
            await migrate(pool)
        finally:
            await pool.close()

    asyncio.run(setup())
    try:
        yield name
    finally:
        asyncio.run(_sql(url, f"DROP SCHEMA {name} CASCADE"))


async def _both(schema: str, ops: list[Op]) -> None:
    pool = await create_pool(database_url(), schema=schema)
    try:
        tables = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1 "
                                  "AND tablename <> 'wactl_migrations'", schema)
        await pool.execute("TRUNCATE " + ", ".join(r["tablename"] for r in tables)
                           + " RESTART IDENTITY")
        memory, postgres = Runner(MemoryStore()), Runner(PostgresStore(pool))
        for n, op in enumerate(ops):
            expected, got = await memory.run(op), await postgres.run(op)
            assert got == expected, f"operation {n}: {op}"
    finally:
        await pool.close()


@SETTINGS
@given(ops=st.lists(OPS, min_size=1, max_size=25))
@example(ops=[Op("message", "s", ("849001", "out", "hi", 0)), Op("record_sent", "s", (0, 0)),
              Op("status", "s", (0, "read")), Op("record_sent", "s", (0, 1)),
              Op("messages", "s", ("849001", None))])  # a late `sent` never undoes `read`
@example(ops=[Op("save_customer", "s", (wa, "", [])) for wa in WA_IDS]
         + [Op("list_ids", "s", (None, 2)), Op("list_ids", "s", ("a\x00b", 4))])
def test_postgres_answers_as_the_memory_store_does(schema: str, ops: list[Op]) -> None:
    asyncio.run(_both(schema, ops))
