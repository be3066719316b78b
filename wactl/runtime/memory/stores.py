"""The five stores of one shop over the in-memory tables, alone or inside a unit of work.

Outside a unit each write is its own transaction; inside one, writes join the unit's
transaction and are seen by its reads only.  Every key starts with the shop, so one
shop's stores can neither see nor change another's.  A conversation state is kept as
the JSON text of `state_to_data`, so a value the PostgreSQL store could not keep fails
here too, and nothing returned aliases what is stored.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from wactl.runtime.memory.tables import Tables, Tx
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
from wactl.runtime.sessions import Session, SessionStatus, activity
from wactl.runtime.state import ConversationState, Customer, Run, state_from_json, state_to_json


class Bound:
    """A view of one shop's tables, in a transaction of its own per write or in `tx`."""

    def __init__(self, tables: Tables, shop: str, tx: Tx | None = None) -> None:
        self.tables, self.shop, self.tx = tables, shop, tx

    def begin(self) -> Tx:
        return self.tx if self.tx is not None else self.tables.begin()

    def end(self, tx: Tx) -> None:
        if self.tx is None:
            tx.commit()


class MemoryCustomerStore(Bound):
    async def get(self, wa_id: str) -> Customer | None:
        customer: Customer | None = self.begin().get("customers", (self.shop, wa_id))
        return None if customer is None else customer.clone()

    async def save(self, customer: Customer) -> None:
        tx = self.begin()
        _put_customer(tx, self.shop, customer.clone())
        self.end(tx)

    async def apply(self, change: CustomerChange) -> None:
        tx = self.begin()
        stored = tx.get("customers", (self.shop, change.wa_id))
        customer = Customer(change.wa_id) if stored is None else stored.clone()
        apply_change(customer, change)
        _put_customer(tx, self.shop, customer)
        self.end(tx)

    async def list_ids(self, *, after: str | None = None, limit: int = 1000) -> list[str]:
        ids: list[str] = self.tables.kv["customer_ids"].get(self.shop, [])
        if self.tx is not None:
            fresh = [k[1] for k in self.tx.writes.get("customers", {}) if k[0] == self.shop]
            ids = sorted(set(ids).union(fresh))
        start = 0 if after is None else bisect.bisect_right(ids, after)
        return ids[start:start + limit]


def _put_customer(tx: Tx, shop: str, customer: Customer) -> None:
    if tx.get("customers", (shop, customer.wa_id)) is None:
        tx.append("new_customers", shop, customer.wa_id)
    tx.put("customers", (shop, customer.wa_id), customer)


def index_new_customers(tables: Tables) -> None:
    """Keep each shop's sorted id list (for keyset paging) after a commit added customers."""
    fresh = tables.logs["new_customers"]
    if not fresh:
        return
    for shop, ids in fresh.items():
        index: list[str] = tables.kv["customer_ids"].setdefault(shop, [])
        for wa_id in ids:
            at = bisect.bisect_left(index, wa_id)
            if at == len(index) or index[at] != wa_id:
                index.insert(at, wa_id)
    fresh.clear()


class MemoryConversationStore(Bound):
    """States as JSON text; with `check_json=False` as copies (for benchmarks that
    measure the engine rather than the encoding)."""

    def __init__(self, tables: Tables, shop: str, tx: Tx | None = None, *,
                 check_json: bool = True) -> None:
        super().__init__(tables, shop, tx)
        self.check_json = check_json

    async def load(self, wa_id: str) -> ConversationState | None:
        kept = self.begin().get("states", (self.shop, wa_id))
        if kept is None or isinstance(kept, ConversationState):
            return None if kept is None else kept.clone()
        return state_from_json(kept)

    async def save(self, state: ConversationState) -> None:
        tx = self.begin()
        kept: Any = state_to_json(state) if self.check_json else state.clone()
        tx.put("states", (self.shop, state.wa_id), kept)
        self.end(tx)

    async def append_message(self, message: MessageRecord) -> None:
        tx = self.begin()
        number = tx.get("session_latest", (self.shop, message.wa_id)) or 0
        message = replace(message, conversation=number)
        tx.append("messages", (self.shop, message.wa_id), message)
        if message.direction == "out" and message.message_id:
            tx.put("outbound", (self.shop, message.message_id),
                   (message.wa_id, message.status or "queued", "", None, message))
        self.end(tx)

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        tx = self.begin()
        log: list[MessageRecord] = tx.log("messages", (self.shop, wa_id))
        chosen = log if limit is None else log[max(len(log) - limit, 0):]
        return [self._current(tx, m) for m in chosen]

    def _current(self, tx: Tx, message: MessageRecord) -> MessageRecord:
        if message.direction != "out" or not message.message_id:
            return message
        row = tx.get("outbound", (self.shop, message.message_id))
        return message if row is None else _with_status(row)

    async def record_sent(self, message_id: str, wa_message_id: str) -> None:
        tx = self.begin()
        row = tx.get("outbound", (self.shop, message_id))
        if row is not None:
            wa_id, status, _, error, message = row
            status = "sent" if status in ("", "queued") else status
            tx.put("outbound", (self.shop, message_id),
                   (wa_id, status, wa_message_id, error, message))
            tx.put("wamid", (self.shop, wa_message_id), message_id)
        self.end(tx)

    async def status(self, wa_message_id: str, status: MessageStatus, at: datetime,
                     error: str | None = None) -> StatusChange:
        tx = self.begin()
        message_id = tx.get("wamid", (self.shop, wa_message_id))
        change = self._move(tx, message_id, status, error)
        self.end(tx)
        return change

    async def fail(self, message_id: str, error: str) -> StatusChange:
        tx = self.begin()
        change = self._move(tx, message_id, "failed", error)
        self.end(tx)
        return change

    def _move(self, tx: Tx, message_id: str | None, status: MessageStatus,
              error: str | None) -> StatusChange:
        row = None if message_id is None else tx.get("outbound", (self.shop, message_id))
        if row is None:
            return StatusChange(None, False)
        wa_id, old, wamid, old_error, message = row
        if not moves_forward(old, status):
            return StatusChange(_with_status(row), False)
        new = (wa_id, status, wamid, error if status == "failed" else old_error, message)
        tx.put("outbound", (self.shop, message_id), new)
        return StatusChange(_with_status(new), True)


    async def forget_bodies(self, before: datetime, *, limit: int | None = None) -> int:
        """Empties texts in place on the committed tables: one synchronous pass, so
        atomic within the event loop (the retention job calls it outside any unit)."""
        emptied = 0
        most = limit if limit is not None else -1
        logs = self.tables.logs["messages"]
        outbound = self.tables.kv["outbound"]
        for (shop, _), log in logs.items():
            if shop != self.shop:
                continue
            for i, message in enumerate(log):
                if emptied == most:
                    return emptied
                if message.at < before and message.text:
                    log[i] = replace(message, text="")
                    emptied += 1
                    row = outbound.get((shop, message.message_id))
                    if message.direction == "out" and row is not None:
                        outbound[(shop, message.message_id)] = (*row[:4], log[i])
        return emptied


def _with_status(row: tuple[Any, ...]) -> MessageRecord:
    _, status, wamid, error, message = row
    found: MessageRecord = replace(message, wa_message_id=wamid, status=status, error=error)
    return found


class MemoryRunStore(Bound):
    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        tx = self.begin()
        key = (self.shop, wa_id)
        if not finished:
            tx.put("active", key, run.clone())
        else:
            active = tx.get("active", key)
            if active is not None and active.id == run.id:
                tx.delete("active", key)
            tx.append("finished", key, run.clone())
        self.end(tx)

    async def active(self, wa_id: str) -> Run | None:
        run: Run | None = self.begin().get("active", (self.shop, wa_id))
        return None if run is None else run.clone()

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        done: list[Run] = self.begin().log("finished", (self.shop, wa_id))
        latest = {r.id: r for r in done}  # a run finished twice counts once, last copy
        runs = list(latest.values())
        chosen = runs if limit is None else runs[max(len(runs) - limit, 0):]
        return [r.clone() for r in chosen]

    async def append_steps(self, steps: list[RunStep]) -> None:
        tx = self.begin()
        for step in steps:
            tx.append("steps", (self.shop, step.wa_id, step.run_id), step)
        self.end(tx)

    async def steps(self, wa_id: str, run_id: str) -> list[RunStep]:
        return list(self.begin().log("steps", (self.shop, wa_id, run_id)))

    async def add_usage(self, usage: AiUsage) -> None:
        """Appended, and added up when read: two units at once each keep their count
        (a read-modify-write of one total would lose one at commit)."""
        tx = self.begin()
        tx.append("ai_usage", self.shop, usage)
        self.end(tx)

    async def usage(self, since: date) -> list[AiUsage]:
        totals: dict[tuple[date, str, str, str], AiUsage] = {}
        for u in self.begin().log("ai_usage", self.shop):
            if u.day >= since:
                totals[u.key] = totals[u.key].plus(u) if u.key in totals else u
        return [totals[k] for k in sorted(totals)]


class MemoryTimerStore(Bound):
    async def schedule(self, timer: TimerRecord) -> None:
        tx = self.begin()
        tx.put("timers", (self.shop, timer.wa_id, timer.timer_id), timer)
        self.end(tx)

    async def get(self, wa_id: str, timer_id: str) -> TimerRecord | None:
        timer: TimerRecord | None = self.begin().get("timers", (self.shop, wa_id, timer_id))
        return timer

    async def cancel(self, wa_id: str, timer_id: str) -> None:
        tx = self.begin()
        tx.delete("timers", (self.shop, wa_id, timer_id))
        self.end(tx)

    async def due(self, until: datetime, *, limit: int = 100) -> list[TimerRecord]:
        due = [t for k, t in self.begin().items("timers").items()
               if k[0] == self.shop and t.at <= until]
        due.sort(key=lambda t: (t.at, t.wa_id, t.timer_id))
        return due[:limit]

    def pending(self) -> list[TimerRecord]:
        """Every timer not yet fired, earliest first (for `wactl simulate`'s state view)."""
        timers = [t for k, t in self.begin().items("timers").items() if k[0] == self.shop]
        return sorted(timers, key=lambda t: (t.at, t.wa_id, t.timer_id))


class MemorySessionStore(Bound):
    """Sessions under (shop, wa_id, number), and each customer's latest number."""

    async def current(self, wa_id: str) -> Session | None:
        tx = self.begin()
        number = tx.get("session_latest", (self.shop, wa_id))
        return None if number is None else tx.get("sessions", (self.shop, wa_id, number))

    async def history(self, wa_id: str) -> list[Session]:
        tx = self.begin()
        latest = tx.get("session_latest", (self.shop, wa_id)) or 0
        found = (tx.get("sessions", (self.shop, wa_id, n)) for n in range(1, latest + 1))
        return [s for s in found if s is not None]

    async def save(self, session: Session) -> None:
        tx = self.begin()
        tx.put("sessions", (self.shop, session.wa_id, session.number), session)
        latest = tx.get("session_latest", (self.shop, session.wa_id)) or 0
        if session.number > latest:
            tx.put("session_latest", (self.shop, session.wa_id), session.number)
        self.end(tx)

    async def stale(self, before: datetime, *, limit: int = 100) -> list[Session]:
        found = [s for k, s in self.begin().items("sessions").items()
                 if k[0] == self.shop and s.status == "active" and activity(s) <= before]
        found.sort(key=lambda s: (activity(s), s.wa_id, s.number))
        return found[:limit]

    async def by_status(self, status: SessionStatus, *, limit: int = 100) -> list[Session]:
        found = [s for k, s in self.begin().items("sessions").items()
                 if k[0] == self.shop and s.status == status]
        found.sort(key=lambda s: (s.wa_id, s.number))
        found.sort(key=lambda s: s.last_message_at, reverse=True)
        return found[:limit]
