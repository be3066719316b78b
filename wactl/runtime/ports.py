"""What the engine needs from the outside world, as typed interfaces (ports).

The engine is pure; `wactl.runtime.driver.Conductor` carries out its effects through
these ports.  Each port is a small `typing.Protocol` so that three families can
implement it without inheriting anything: the in-memory ones of
`wactl.runtime.memory` (tests, `wactl simulate`), the mocks answering from a test's
`mocks:` (`wactl.runtime.mocks`), and the PostgreSQL/WhatsApp/OpenAI adapters of the
service.  `tests/contract/` holds the behaviour every implementation must show.

Methods are async (a real store is I/O) except `Clock.now`, which never waits.  The
stores keep and return copies: changing a returned object never changes what is
stored until it is saved again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

from wactl.runtime.effects import (
    AiRequest,
    ConsentChanged,
    FieldsChanged,
    HttpRequest,
    Publish,
    SendEffect,
    TagsChanged,
)
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.state import ConversationState, Customer, Run

CustomerChange = TagsChanged | FieldsChanged | ConsentChanged
"""The customer changes the engine reports as effects, applied one at a time."""

UNSET_AT = datetime(1970, 1, 1, tzinfo=UTC)
"""The `at` an HTTP/AI client may leave in its result: the driver sets the real time."""


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One line of a conversation's message log, inbound or outbound.

    `kind` is the inbound message kind (`text`, `button`, `image`, ...) or, outbound,
    `text`, `media`, `interactive` or `template`; `text` is what a person would read
    (for a template, its name).
    """

    wa_id: str
    direction: Literal["in", "out"]
    kind: str
    text: str
    at: datetime
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """A durable timer: fire `TimerFired(wa_id, at, timer_id)` once `at` has come."""

    wa_id: str
    timer_id: str
    at: datetime


class CustomerStore(Protocol):
    """Customers: the authoritative copy of tags, fields, consent and profile."""

    async def get(self, wa_id: str) -> Customer | None:
        """The customer, or None when this number never wrote to us."""
        ...

    async def save(self, customer: Customer) -> None:
        """Create or replace the customer as a whole."""
        ...

    async def apply(self, change: CustomerChange) -> None:
        """Apply one change to the stored customer (created when missing).

        Changes rather than whole copies, so that a tag set by the management API
        while a flow runs is not overwritten: adding a present tag and removing an
        absent one do nothing; a None field value clears the field.
        """
        ...

    async def list_ids(self, *, after: str | None = None, limit: int = 1000) -> list[str]:
        """Customer wa_ids in ascending order, those greater than `after`, at most `limit`.

        A page at a time (keyset paging) so a schedule can walk every customer.
        """
        ...


class ConversationStore(Protocol):
    """Conversation states (via `state_to_data`/`state_from_data`) and the message log."""

    async def load(self, wa_id: str) -> ConversationState | None:
        ...

    async def save(self, state: ConversationState) -> None:
        """Replace the stored state (`finished` runs are per event and not kept)."""
        ...

    async def append_message(self, message: MessageRecord) -> None:
        ...

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        """The log, oldest first; with `limit`, only the last `limit` messages."""
        ...


class RunStore(Protocol):
    """Runs: at most one active run per conversation, and the finished ones with traces."""

    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        """Store `run`.  Not finished: it becomes the conversation's active run.
        Finished: it joins the finished runs and stops being the active one."""
        ...

    async def active(self, wa_id: str) -> Run | None:
        ...

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        """Finished runs, oldest first; with `limit`, only the last `limit`."""
        ...


class TimerStore(Protocol):
    async def schedule(self, timer: TimerRecord) -> None:
        """Add a timer; one with the same (wa_id, timer_id) is replaced."""
        ...

    async def cancel(self, wa_id: str, timer_id: str) -> None:
        """Remove a timer; cancelling an unknown one does nothing."""
        ...

    async def due(self, until: datetime, *, limit: int = 100) -> list[TimerRecord]:
        """Timers with `at <= until`, earliest first (ties by wa_id, then timer_id).

        Due timers stay until cancelled: the driver cancels one after handling it, so
        a crash in between fires it again rather than never.
        """
        ...


class Channel(Protocol):
    """The outbound WhatsApp channel."""

    async def send(self, message: SendEffect) -> str:
        """Send a message; returns the message id WhatsApp gave it."""
        ...


class HttpClient(Protocol):
    async def request(self, request: HttpRequest) -> HttpResult:
        """Carry out a `call` step's request; never raises.

        The result has the request's `request_id` and a status, body and content
        type, or `error` (`timeout`, `connection`) when no HTTP answer came.  Its
        `wa_id` and `at` are the driver's to set (`http_result` leaves them blank).
        """
        ...


class AiClient(Protocol):
    async def ask(self, request: AiRequest) -> AiResult:
        """Answer an AI request; never raises (failures are `AiResult.error`)."""
        ...


class EventPublisher(Protocol):
    async def publish(self, event: Publish) -> None:
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class SettableClock(Clock, Protocol):
    """A clock a test or `wactl simulate` moves: the driver sets it as timers fire."""

    def set(self, when: datetime) -> None:
        ...


def http_result(request: HttpRequest, *, status: int = 0, body: str = "",
                content_type: str = "", error: str | None = None) -> HttpResult:
    """An `HttpResult` answering `request`, for HTTP client implementations."""
    return HttpResult("", UNSET_AT, request.request_id, status, body, content_type, error)
