"""The in-memory `Store`: every shop's tables in this process, with units and claims.

Units of work are copy-on-commit transactions (`tables.Tx`) under a lock per
(shop, wa_id), so tests see the atomicity and isolation a PostgreSQL transaction
with a row lock gives.  Claims (timers, outbox entries) run without an `await`, so
two claimers in one event loop never get the same row.  Nothing is shared between
processes: a restart in a test is a new driver over the same `MemoryStore`.
"""

from __future__ import annotations

import asyncio
import weakref
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import count
from types import TracebackType
from typing import Any

from wactl.compiler.ir import IRFlow
from wactl.runtime.effects import AiRequest, HttpRequest
from wactl.runtime.events import Event
from wactl.runtime.inbox import InboxRow
from wactl.runtime.memory.stores import (
    MemoryConversationStore,
    MemoryCustomerStore,
    MemoryRunStore,
    MemorySessionStore,
    MemoryTimerStore,
    index_new_customers,
)
from wactl.runtime.memory.tables import Tables, Tx
from wactl.runtime.ports import UnitOfWork
from wactl.runtime.records import Account, ClaimedTimer, OutboxEffect, OutboxEntry

REQUESTS = (HttpRequest, AiRequest)
"""Entries whose answer comes back as an event (a tuple: no union built per check)."""


class MemoryStore:
    """Every shop's data; `shop(id)` gives one shop's stores."""

    def __init__(self, *, check_json: bool = True) -> None:
        self.tables = Tables()
        self.tables.on_commit.append(index_new_customers)
        self.check_json = check_json
        self._ids = count(1)
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary())
        self._shops: dict[str, MemoryShop] = {}
        self.inbox = MemoryInbox(self)
        self.accounts = MemoryAccountStore(self.tables)

    def shop(self, shop_id: str) -> MemoryShop:
        shop = self._shops.get(shop_id)
        if shop is None:
            shop = self._shops[shop_id] = MemoryShop(self, shop_id)
        return shop

    def next_id(self) -> int:
        """The next outbox id: a sequence, so ids a rolled-back unit took are skipped."""
        return next(self._ids)

    def lock(self, shop_id: str, wa_id: str) -> asyncio.Lock:
        key = (shop_id, wa_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------ claims

    async def claim_timers(self, owner: str, until: datetime, *, now: datetime,
                           lease: timedelta, limit: int = 100) -> list[ClaimedTimer]:
        kv = self.tables.kv
        leases = kv["timer_leases"]
        due = sorted(((t.at, k[0], t.wa_id, t.timer_id), k, t) for k, t in kv["timers"].items()
                     if t.at <= until)
        claimed: list[ClaimedTimer] = []
        for _, key, timer in due:
            held = leases.get(key)
            if held is not None and held[2] == timer.at and held[1] > now:
                continue
            leases[key] = (owner, now + lease, timer.at)
            claimed.append(ClaimedTimer(key[0], timer, now + lease))
            if len(claimed) == limit:
                break
        return claimed

    async def claim_outbox(self, owner: str, *, now: datetime, lease: timedelta,
                           limit: int = 100) -> list[OutboxEntry]:
        kv = self.tables.kv
        ids = claim_heads(kv["queues"], kv["outbox_leases"], kv["outbox_not_before"],
                          owner=owner, now=now, lease=lease, limit=limit)
        return [kv["outbox"][i] for i in ids]

    async def done(self, entry_id: int) -> None:
        tx = self.tables.begin()
        remove_entry(tx, entry_id)
        tx.commit()

    async def sent(self, entry_id: int, wa_message_id: str) -> None:
        tx = self.tables.begin()
        entry: OutboxEntry | None = tx.get("outbox", entry_id)
        if entry is not None:
            conversations = MemoryConversationStore(self.tables, entry.shop_id, tx)
            await conversations.record_sent(entry.message_id, wa_message_id)
            remove_entry(tx, entry_id)
        tx.commit()

    async def retry(self, entry_id: int, *, not_before: datetime) -> None:
        kv = self.tables.kv
        entry = kv["outbox"].get(entry_id)
        if entry is None:
            return
        kv["outbox"][entry_id] = replace(entry, attempts=entry.attempts + 1)
        kv["outbox_leases"].pop(entry_id, None)
        kv["outbox_not_before"][entry_id] = not_before

    def claimable(self, now: datetime) -> bool:
        """Whether `claim_outbox` at `now` would hand out anything."""
        kv = self.tables.kv
        return any(_free(queue[0], kv["outbox_leases"], kv["outbox_not_before"], now)
                   for queue in kv["queues"].values() if queue)

    def expire_leases(self) -> None:
        """Every lease runs out at once: what a crashed worker's leases do in time
        (the crash tests' restart, without moving the conversation's clock)."""
        self.tables.kv["outbox_leases"].clear()
        self.tables.kv["timer_leases"].clear()
        self.tables.kv["inbox_leases"].clear()

    def pending_outbox(self) -> list[OutboxEntry]:
        """Every entry not yet carried out, in id order (tests and the crash suite)."""
        return sorted(self.tables.kv["outbox"].values(), key=lambda e: e.id)


def claim_heads(queues: dict[Any, tuple[int, ...]], leases: dict[int, Any],
                waits: dict[int, datetime], *, owner: str, now: datetime, lease: timedelta,
                limit: int) -> list[int]:
    """Lease each conversation's oldest row (its queue's head) that is free at `now`, in
    id order, at most `limit`: rows go out one at a time per conversation, in order."""
    claimed: list[int] = []
    for head in sorted(queue[0] for queue in queues.values() if queue):
        if _free(head, leases, waits, now):
            leases[head] = (owner, now + lease)
            claimed.append(head)
            if len(claimed) == limit:
                break
    return claimed


def _free(row_id: int, leases: dict[int, Any], waits: dict[int, datetime],
          now: datetime) -> bool:
    """Neither leased to someone until after `now` nor waiting for a retry time."""
    held, wait = leases.get(row_id), waits.get(row_id)
    return (held is None or held[1] <= now) and (wait is None or wait <= now)


def leave_queue(tx: Tx, table: str, key: Any, row_id: int) -> None:
    """Take `row_id` out of its conversation's queue (the queue goes when empty)."""
    queue = tuple(i for i in tx.get(table, key) or () if i != row_id)
    if queue:
        tx.put(table, key, queue)
    else:
        tx.delete(table, key)


def remove_entry(tx: Tx, entry_id: int) -> None:
    """Take a carried-out entry out of the outbox and its conversation's queue."""
    entry: OutboxEntry | None = tx.get("outbox", entry_id)
    if entry is None:
        return
    key = (entry.shop_id, entry.wa_id)
    leave_queue(tx, "queues", key, entry_id)
    tx.delete("outbox", entry_id)
    tx.delete("outbox_leases", entry_id)
    tx.delete("outbox_not_before", entry_id)
    if isinstance(entry.effect, REQUESTS):
        tx.delete("requests", (*key, entry.effect.request_id))


class MemoryFlowVersionStore:
    """Flow versions (`FlowVersionStore`) as IR JSON text, as PostgreSQL keeps them."""

    def __init__(self, tables: Tables, shop_id: str) -> None:
        self.tables, self.shop_id = tables, shop_id

    async def keep(self, flows: list[IRFlow], *, at: datetime) -> list[str]:
        kept: dict[tuple[str, str], tuple[int, str]] = self.tables.kv["flow_versions"]
        active: dict[tuple[str, str], str] = self.tables.kv["flow_active"]
        new = []
        for flow in flows:
            if (self.shop_id, flow.hash) not in kept:
                kept[(self.shop_id, flow.hash)] = (len(kept), flow.model_dump_json())
                new.append(flow.hash)
        for key in [k for k in active if k[0] == self.shop_id]:
            del active[key]
        active.update({(self.shop_id, f.id): f.hash for f in flows})
        return new

    async def versions(self) -> list[IRFlow]:
        kept: dict[tuple[str, str], tuple[int, str]] = self.tables.kv["flow_versions"]
        mine = sorted(v for k, v in kept.items() if k[0] == self.shop_id)
        return [IRFlow.model_validate_json(text) for _, text in mine]

    async def active(self) -> dict[str, str]:
        active: dict[tuple[str, str], str] = self.tables.kv["flow_active"]
        return {k[1]: v for k, v in active.items() if k[0] == self.shop_id}


class MemoryAccountStore:
    """Connected numbers (`AccountStore`), by phone_number_id."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    async def get(self, phone_number_id: str) -> Account | None:
        account: Account | None = self.tables.kv["accounts"].get(phone_number_id)
        return account

    async def put(self, account: Account) -> None:
        self.tables.kv["accounts"][account.phone_number_id] = account

    async def all(self) -> list[Account]:
        accounts = self.tables.kv["accounts"]
        return [accounts[k] for k in sorted(accounts)]


class MemoryInbox:
    """The inbox (`wactl.runtime.inbox.InboxStore`) over the in-memory tables."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._ids = count(1)

    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        tx = self.store.tables.begin()
        rows = []
        for shop_id, event in items:
            row = InboxRow(next(self._ids), shop_id, event, at)
            key = (shop_id, event.wa_id)
            tx.put("inbox", row.id, row)
            tx.put("inbox_queues", key, (*(tx.get("inbox_queues", key) or ()), row.id))
            rows.append(row)
        tx.commit()
        return rows

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 100) -> list[InboxRow]:
        kv = self.store.tables.kv
        ids = claim_heads(kv["inbox_queues"], kv["inbox_leases"], {}, owner=owner, now=now,
                          lease=lease, limit=limit)
        return [kv["inbox"][i] for i in ids]

    async def done(self, row_id: int) -> None:
        tx = self.store.tables.begin()
        _end_row(tx, row_id)
        tx.commit()

    async def done_in(self, unit: UnitOfWork, row_id: int) -> None:
        if not isinstance(unit, MemoryUnit) or unit.store is not self.store:
            raise TypeError("a unit of work of this inbox's store is needed")
        _end_row(unit.tx, row_id)

    async def pending(self) -> int:
        return len(self.store.tables.kv["inbox"])


def _end_row(tx: Tx, row_id: int) -> None:
    row: InboxRow | None = tx.get("inbox", row_id)
    if row is not None:
        leave_queue(tx, "inbox_queues", (row.shop_id, row.event.wa_id), row_id)
        tx.delete("inbox", row_id)
        tx.delete("inbox_leases", row_id)


class MemoryShop:
    """One shop's stores (`ShopStore`)."""

    def __init__(self, store: MemoryStore, shop_id: str) -> None:
        self.store, self.shop_id = store, shop_id
        tables = store.tables
        self.customers = MemoryCustomerStore(tables, shop_id)
        self.conversations = MemoryConversationStore(tables, shop_id,
                                                     check_json=store.check_json)
        self.runs = MemoryRunStore(tables, shop_id)
        self.timers = MemoryTimerStore(tables, shop_id)
        self.sessions = MemorySessionStore(tables, shop_id)
        self.flow_versions = MemoryFlowVersionStore(tables, shop_id)

    def unit(self, wa_id: str) -> AbstractAsyncContextManager[MemoryUnit]:
        return _UnitScope(self.store, self.shop_id, wa_id)

    async def cursor(self, flow: str) -> datetime | None:
        at: datetime | None = self.store.tables.kv["cursors"].get((self.shop_id, flow))
        return at

    async def set_cursor(self, flow: str, at: datetime) -> None:
        self.store.tables.kv["cursors"][(self.shop_id, flow)] = at

    async def left_out_count(self, flow: str | None = None) -> int:
        counts = self.store.tables.kv["left_out"]
        return sum(n for (shop, f), n in counts.items()
                   if shop == self.shop_id and flow in (None, f))


class _UnitScope:
    """`MemoryShop.unit`: the conversation's lock held, committed on a clean exit only.

    A plain class rather than `asynccontextmanager`, whose generator machinery cost as
    much as the rest of an empty unit (measured in bench/engine.py's conductor rows).
    """

    __slots__ = ("lock", "shop_id", "store", "tx", "wa_id")

    def __init__(self, store: MemoryStore, shop_id: str, wa_id: str) -> None:
        self.store, self.shop_id, self.wa_id = store, shop_id, wa_id
        self.lock: asyncio.Lock | None = None
        self.tx: Tx | None = None

    async def __aenter__(self) -> MemoryUnit:
        lock = self.store.lock(self.shop_id, self.wa_id)
        await lock.acquire()
        try:
            self.tx = self.store.tables.begin()
            unit = MemoryUnit(self.store, self.shop_id, self.wa_id, self.tx)
        except BaseException:
            lock.release()
            raise
        self.lock = lock
        return unit

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self.lock is not None and self.tx is not None
        try:
            if kind is None:
                self.tx.commit()
        finally:
            self.lock.release()


class MemoryUnit:
    """One conversation's unit of work (`UnitOfWork`) over a transaction."""

    def __init__(self, store: MemoryStore, shop_id: str, wa_id: str, tx: Tx) -> None:
        self.store, self.shop_id, self.wa_id, self.tx = store, shop_id, wa_id, tx
        tables = store.tables
        self.customers = MemoryCustomerStore(tables, shop_id, tx)
        self.conversations = MemoryConversationStore(tables, shop_id, tx,
                                                     check_json=store.check_json)
        self.runs = MemoryRunStore(tables, shop_id, tx)
        self.timers = MemoryTimerStore(tables, shop_id, tx)
        self.sessions = MemorySessionStore(tables, shop_id, tx)

    async def handled(self, key: str) -> bool:
        return self.tx.get("handled", (self.shop_id, key)) is not None

    async def mark_handled(self, key: str) -> None:
        self.tx.put("handled", (self.shop_id, key), True)

    async def enqueue(self, effect: OutboxEffect, *, at: datetime,
                      message_id: str = "") -> OutboxEntry:
        entry_id = self.store.next_id()
        if isinstance(effect, REQUESTS):
            message_id = effect.request_id
            self.tx.put("requests", (self.shop_id, self.wa_id, message_id), entry_id)
        entry = OutboxEntry(entry_id, self.shop_id, self.wa_id, effect,
                            message_id or f"out-{entry_id}", at)
        key = (self.shop_id, self.wa_id)
        self.tx.put("outbox", entry_id, entry)
        self.tx.put("queues", key, (*(self.tx.get("queues", key) or ()), entry_id))
        return entry

    async def complete(self, request_id: str) -> bool:
        entry_id = self.tx.get("requests", (self.shop_id, self.wa_id, request_id))
        if entry_id is None:
            return False
        remove_entry(self.tx, entry_id)
        return True

    async def reach(self, since: datetime, at: datetime) -> tuple[bool, int]:
        reached: dict[Any, datetime] = self.tx.items("reach")
        mine = [k[1] for k, when in reached.items()
                if k[0] == self.shop_id and since < when <= at]
        return self.wa_id in mine, len(mine)

    async def reached(self, at: datetime) -> None:
        self.tx.put("reach", (self.shop_id, self.wa_id), at)

    async def left_out(self, flow: str, at: datetime) -> None:
        key = (self.shop_id, flow)
        self.tx.put("left_out", key, (self.tx.get("left_out", key) or 0) + 1)
