"""In-memory implementations of every port: for tests, `wactl simulate` and the benchmark.

They behave like the real stores where a flow could tell the difference: states go
through their JSON form (`state_to_data` and a JSON round trip), so a value the
PostgreSQL store could not keep fails here too, and nothing returned aliases what is
stored.  Everything lives in dicts and lists of this process; nothing is shared.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wactl.runtime.effects import (
    AiRequest,
    ConsentChanged,
    HttpRequest,
    Publish,
    SendEffect,
    TagsChanged,
)
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.ports import UNSET_AT, CustomerChange, MessageRecord, TimerRecord, http_result
from wactl.runtime.state import (
    ConversationState,
    Customer,
    Run,
    run_from_data,
    run_to_data,
    state_from_data,
    state_to_data,
)


def _json_copy(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy through JSON text: what a database column would give back."""
    copied: dict[str, Any] = json.loads(json.dumps(data))
    return copied


def _customer_data(customer: Customer) -> dict[str, Any]:
    data: dict[str, Any] = state_to_data(ConversationState(customer.wa_id, customer))["customer"]
    return data


def _customer_from(data: dict[str, Any]) -> Customer:
    return state_from_data({"wa_id": data["wa_id"], "customer": data}).customer


class InMemoryCustomerStore:
    def __init__(self) -> None:
        self._customers: dict[str, dict[str, Any]] = {}

    async def get(self, wa_id: str) -> Customer | None:
        data = self._customers.get(wa_id)
        return None if data is None else _customer_from(_json_copy(data))

    async def save(self, customer: Customer) -> None:
        self._customers[customer.wa_id] = _json_copy(_customer_data(customer))

    async def apply(self, change: CustomerChange) -> None:
        customer = await self.get(change.wa_id) or Customer(change.wa_id)
        if isinstance(change, TagsChanged):
            kept = [t for t in customer.tags if t not in change.removed]
            customer.tags = kept + [t for t in dict.fromkeys(change.added) if t not in kept]
        elif isinstance(change, ConsentChanged):
            customer.consent = change.consent
        else:
            customer.fields.update(change.values)
            customer.fields = {k: v for k, v in customer.fields.items() if v is not None}
        await self.save(customer)

    async def list_ids(self, *, after: str | None = None, limit: int = 1000) -> list[str]:
        ids = sorted(self._customers)
        start = 0 if after is None else bisect.bisect_right(ids, after)
        return ids[start:start + limit]


class InMemoryConversationStore:
    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._messages: defaultdict[str, list[MessageRecord]] = defaultdict(list)

    async def load(self, wa_id: str) -> ConversationState | None:
        data = self._states.get(wa_id)
        return None if data is None else state_from_data(_json_copy(data))

    async def save(self, state: ConversationState) -> None:
        self._states[state.wa_id] = _json_copy(state_to_data(state))

    async def append_message(self, message: MessageRecord) -> None:
        self._messages[message.wa_id].append(message)

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        log = self._messages.get(wa_id, [])
        return list(log if limit is None else log[max(len(log) - limit, 0):])


class InMemoryRunStore:
    def __init__(self) -> None:
        self._active: dict[str, dict[str, Any]] = {}
        self._finished: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)

    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        data = _json_copy(run_to_data(run))
        if not finished:
            self._active[wa_id] = data
            return
        if self._active.get(wa_id, {}).get("id") == run.id:
            del self._active[wa_id]
        done = self._finished[wa_id]
        done[:] = [d for d in done if d["id"] != run.id] + [data]

    async def active(self, wa_id: str) -> Run | None:
        data = self._active.get(wa_id)
        return None if data is None else run_from_data(_json_copy(data))

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        done = self._finished.get(wa_id, [])
        chosen = done if limit is None else done[max(len(done) - limit, 0):]
        return [run_from_data(_json_copy(d)) for d in chosen]


class InMemoryTimerStore:
    def __init__(self) -> None:
        self._timers: dict[tuple[str, str], TimerRecord] = {}

    async def schedule(self, timer: TimerRecord) -> None:
        self._timers[(timer.wa_id, timer.timer_id)] = timer

    async def cancel(self, wa_id: str, timer_id: str) -> None:
        self._timers.pop((wa_id, timer_id), None)

    async def due(self, until: datetime, *, limit: int = 100) -> list[TimerRecord]:
        due = [t for t in self._timers.values() if t.at <= until]
        due.sort(key=lambda t: (t.at, t.wa_id, t.timer_id))
        return due[:limit]

    def pending(self) -> list[TimerRecord]:
        """Every timer not yet fired, earliest first (for `wactl simulate`'s state view)."""
        return sorted(self._timers.values(), key=lambda t: (t.at, t.wa_id, t.timer_id))


class InMemoryChannel:
    """Keeps what was sent, per wa_id in order, with ids `wamid.1`, `wamid.2`, ..."""

    def __init__(self) -> None:
        self.outbox: list[tuple[str, SendEffect]] = []
        self._count = 0

    async def send(self, message: SendEffect) -> str:
        self._count += 1
        message_id = f"wamid.{self._count}"
        self.outbox.append((message_id, message))
        return message_id

    def sent(self, wa_id: str) -> list[SendEffect]:
        return [m for _, m in self.outbox if m.to == wa_id]


class InMemoryEventPublisher:
    def __init__(self) -> None:
        self.published: list[Publish] = []

    async def publish(self, event: Publish) -> None:
        self.published.append(event)

    def named(self, name: str) -> list[Publish]:
        return [e for e in self.published if e.name == name]


@dataclass
class UnavailableHttpClient:
    """Answers every request with a connection error: no network in a plain simulate."""

    requests: list[HttpRequest] = field(default_factory=list)

    async def request(self, request: HttpRequest) -> HttpResult:
        self.requests.append(request)
        return http_result(request, error="connection")


@dataclass
class UnavailableAiClient:
    """Answers every AI request with `no_key`: no model configured."""

    requests: list[AiRequest] = field(default_factory=list)

    async def ask(self, request: AiRequest) -> AiResult:
        self.requests.append(request)
        return AiResult(request.wa_id, UNSET_AT, request.request_id, error="no_key")


class ManualClock:
    """A clock that only moves when told: tests and `wactl simulate` control time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 1, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware time")

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Move to `when`; the clock never goes back (an earlier time is ignored)."""
        self._now = max(self._now, when)

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
