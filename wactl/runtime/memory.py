"""In-memory implementations of every port: for tests, `wactl simulate` and the benchmark.

They behave like the real stores where a flow could tell the difference: a
conversation state is kept as the JSON text of `state_to_data`, so a value the
PostgreSQL store could not keep fails here too, and nothing returned aliases what is
stored.  Customers and runs are kept as copies (`clone()`), which is as deep as the
engine's own copies go: the engine never changes a variable's value in place.  Their
values were checked as JSON already, inside the conversation state that holds them.
Everything lives in dicts and lists of this process; nothing is shared.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    state_from_data,
    state_to_data,
)


class InMemoryCustomerStore:
    def __init__(self) -> None:
        self._customers: dict[str, Customer] = {}

    async def get(self, wa_id: str) -> Customer | None:
        customer = self._customers.get(wa_id)
        return None if customer is None else customer.clone()

    async def save(self, customer: Customer) -> None:
        self._customers[customer.wa_id] = customer.clone()

    async def apply(self, change: CustomerChange) -> None:
        customer = self._customers.get(change.wa_id)
        if customer is None:
            customer = self._customers[change.wa_id] = Customer(change.wa_id)
        if isinstance(change, TagsChanged):
            kept = [t for t in customer.tags if t not in change.removed]
            customer.tags = kept + [t for t in dict.fromkeys(change.added) if t not in kept]
        elif isinstance(change, ConsentChanged):
            customer.consent = change.consent
        else:
            merged = {**customer.fields, **change.values}
            customer.fields = {k: v for k, v in merged.items() if v is not None}

    async def list_ids(self, *, after: str | None = None, limit: int = 1000) -> list[str]:
        ids = sorted(self._customers)
        start = 0 if after is None else bisect.bisect_right(ids, after)
        return ids[start:start + limit]


class InMemoryConversationStore:
    """States as JSON text; with `check_json=False` as copies (faster, for benchmarks
    that measure the engine rather than the encoding)."""

    def __init__(self, *, check_json: bool = True) -> None:
        self.check_json = check_json
        self._states: dict[str, str | ConversationState] = {}
        self._messages: defaultdict[str, list[MessageRecord]] = defaultdict(list)

    async def load(self, wa_id: str) -> ConversationState | None:
        kept = self._states.get(wa_id)
        if kept is None or isinstance(kept, ConversationState):
            return None if kept is None else kept.clone()
        return state_from_data(json.loads(kept))

    async def save(self, state: ConversationState) -> None:
        self._states[state.wa_id] = (
            json.dumps(state_to_data(state), ensure_ascii=False) if self.check_json
            else state.clone())

    async def append_message(self, message: MessageRecord) -> None:
        self._messages[message.wa_id].append(message)

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        log = self._messages.get(wa_id, [])
        return list(log if limit is None else log[max(len(log) - limit, 0):])


class InMemoryRunStore:
    def __init__(self) -> None:
        self._active: dict[str, Run] = {}
        self._finished: defaultdict[str, list[Run]] = defaultdict(list)

    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        if not finished:
            self._active[wa_id] = run.clone()
            return
        active = self._active.get(wa_id)
        if active is not None and active.id == run.id:
            del self._active[wa_id]
        done = self._finished[wa_id]
        done[:] = [r for r in done if r.id != run.id] + [run.clone()]

    async def active(self, wa_id: str) -> Run | None:
        run = self._active.get(wa_id)
        return None if run is None else run.clone()

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        done = self._finished.get(wa_id, [])
        chosen = done if limit is None else done[max(len(done) - limit, 0):]
        return [r.clone() for r in chosen]


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
