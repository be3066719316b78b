"""What the runtime needs from the outside world, as typed interfaces (ports).

The engine is pure; `wactl.runtime.driver` handles each event as one unit of work
through these ports and dispatches what leaves the process from an outbox.  Each port
is a small `typing.Protocol`, so implementations inherit nothing: the in-memory ones
of `wactl.runtime.memory` (tests, `wactl simulate`, the benchmark), the mocks
answering from a test's `mocks:` (`wactl.runtime.mocks`), and the PostgreSQL,
WhatsApp and OpenAI adapters of the service.  `tests/contract/` holds the behaviour
every implementation must show.

A `Store` holds every shop.  `Store.shop(shop_id)` gives the stores of one shop
(customers, conversations, runs, timers, sessions), which see and change nothing of any other.
`ShopStore.unit(wa_id)` opens one conversation's unit of work: the same five stores
plus the outbox and the handled-event marks, all committed together when the block
ends without an exception and not at all otherwise.  A unit holds the conversation
(a lock per (shop, wa_id)), so two units of one conversation never interleave.

Methods are async (a real store is I/O) except `Clock.now`.  The stores keep and
return copies: changing a returned object never changes what is stored.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable

from wactl.compiler.ir import IRFlow
from wactl.runtime.effects import AiRequest, HttpRequest, Publish, SendEffect
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.records import (
    DEFAULT_SHOP,
    Account,
    AiUsage,
    ClaimedTimer,
    CustomerChange,
    MessageRecord,
    MessageStatus,
    OutboxEffect,
    OutboxEntry,
    RunStep,
    StatusChange,
    TimerRecord,
)
from wactl.runtime.sessions import Session, SessionStatus
from wactl.runtime.state import ConversationState, Customer, Run

__all__ = [
    "DEFAULT_SHOP", "UNSET_AT", "Account", "AccountStore", "AiClient", "AiUsage", "ChannelError",
    "Channel", "ClaimedTimer", "FlowVersionStore", "SessionStore",
    "Clock", "ConversationStore", "CustomerChange", "CustomerStore", "EventPublisher",
    "HttpClient", "MessageRecord", "OutboxEntry", "RunStep", "RunStore", "SettableClock",
    "ShopStore", "StatusChange", "Store", "TimerRecord", "TimerStore", "UnitOfWork",
    "http_result",
]

UNSET_AT = datetime(1970, 1, 1, tzinfo=UTC)
"""The `at` an HTTP/AI client may leave in its result: the driver sets the real time."""


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
        """Customer wa_ids in ascending code-point order, those greater than `after`,
        at most `limit`: a page at a time (keyset paging), so a schedule walks them all."""
        ...


class ConversationStore(Protocol):
    """Conversation states (via `state_to_data`/`state_from_data`) and the message log."""

    async def load(self, wa_id: str) -> ConversationState | None:
        ...

    async def save(self, state: ConversationState) -> None:
        """Replace the stored state (`finished` runs and traces are not part of it)."""
        ...

    async def append_message(self, message: MessageRecord) -> None:
        ...

    async def messages(self, wa_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        """The log, oldest first, with each outbound message's current status;
        with `limit`, only the last `limit` messages."""
        ...

    async def record_sent(self, message_id: str, wa_message_id: str) -> None:
        """WhatsApp accepted our message `message_id` under `wa_message_id`: it is `sent`."""
        ...

    async def status(self, wa_message_id: str, status: MessageStatus, at: datetime,
                     error: str | None = None) -> StatusChange:
        """Move a message's delivery status forward (sent → delivered → read; failed
        is final), found by WhatsApp's id without loading its conversation; a late,
        repeated or unknown status changes nothing."""
        ...

    async def fail(self, message_id: str, error: str) -> StatusChange:
        """Our message `message_id` could not be sent at all: it is `failed` with `error`."""
        ...

    async def forget_bodies(self, before: datetime, *, limit: int | None = None) -> int:
        """The shop's retention: empty the text of every message logged before `before`
        (of every customer); the messages stay, so counts by day and direction hold.
        With `limit`, at most that many per call, so each call is a short transaction
        (the job calls again until fewer come back); two calls at once empty each
        body once between them.  Returns how many were emptied now."""
        ...


class RunStore(Protocol):
    """Runs: at most one active run per conversation, the finished ones, run steps, and
    the shop's AI usage per day (the calls its runs and triggers made)."""

    async def save(self, wa_id: str, run: Run, *, finished: bool = False) -> None:
        """Store `run`.  Not finished: it becomes the conversation's active run.
        Finished: it joins the finished runs and stops being the active one."""
        ...

    async def active(self, wa_id: str) -> Run | None:
        ...

    async def finished(self, wa_id: str, *, limit: int | None = None) -> list[Run]:
        """Finished runs, oldest first; with `limit`, only the last `limit`."""
        ...

    async def append_steps(self, steps: list[RunStep]) -> None:
        """Add rows to the run-step log (one per step a run took; no cap per run)."""
        ...

    async def steps(self, wa_id: str, run_id: str) -> list[RunStep]:
        """The steps of the conversation's run `run_id`, in the order they were appended."""
        ...

    async def add_usage(self, usage: AiUsage) -> None:
        """Count AI calls into the shop's totals for `usage.key` (added, never replaced:
        two units at once both count)."""
        ...

    async def usage(self, since: date) -> list[AiUsage]:
        """The totals of every day from `since` on, by day, purpose, agent and model."""
        ...


class TimerStore(Protocol):
    async def schedule(self, timer: TimerRecord) -> None:
        """Add a timer; one with the same (wa_id, timer_id) is replaced."""
        ...

    async def get(self, wa_id: str, timer_id: str) -> TimerRecord | None:
        ...

    async def cancel(self, wa_id: str, timer_id: str) -> None:
        """Remove a timer; cancelling an unknown one does nothing."""
        ...

    async def due(self, until: datetime, *, limit: int = 100) -> list[TimerRecord]:
        """Timers with `at <= until`, earliest first (ties by wa_id, then timer_id).
        Reading them claims nothing: workers use `Store.claim_timers`."""
        ...


class SessionStore(Protocol):
    """Conversations as sessions (`wactl.runtime.sessions`), per customer numbered 1, 2, ..."""

    async def current(self, wa_id: str) -> Session | None:
        """The customer's latest session, whatever its status; None before the first."""
        ...

    async def history(self, wa_id: str) -> list[Session]:
        """Every session of the customer, oldest first."""
        ...

    async def save(self, session: Session) -> None:
        """Create or replace the session (wa_id, number)."""
        ...

    async def stale(self, before: datetime, *, limit: int = 100) -> list[Session]:
        """Active sessions whose last inbound message (else opening) is at or before
        `before`, oldest first: the expiry job's candidates.  Reading claims nothing:
        the job closes each in the conversation's unit of work, which re-checks."""
        ...

    async def by_status(self, status: SessionStatus, *, limit: int = 100) -> list[Session]:
        """The shop's sessions with `status`, the latest message first (ties by customer
        and number): the CRM's list of open (or ended) conversations, read through the
        index on (shop, status, last message time)."""
        ...


class Stores(Protocol):
    """The five stores of one shop (a unit of work's, or a shop's own)."""

    @property
    def customers(self) -> CustomerStore: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def runs(self) -> RunStore: ...

    @property
    def timers(self) -> TimerStore: ...

    @property
    def sessions(self) -> SessionStore: ...


class UnitOfWork(Stores, Protocol):
    """One event's changes to one conversation: all committed together, or none.

    The five stores read what the unit has written so far; nothing is visible
    outside until the unit commits.
    """

    async def handled(self, key: str) -> bool:
        """Whether an event with this idempotency key was committed already."""
        ...

    async def mark_handled(self, key: str) -> None:
        ...

    async def enqueue(self, effect: OutboxEffect, *, at: datetime,
                      message_id: str = "") -> OutboxEntry:
        """Put `effect` in the outbox.  A send gets our message id here (returned in
        the entry); a request keeps its request id."""
        ...

    async def complete(self, request_id: str) -> bool:
        """The answer to request `request_id` arrived: its outbox entry is done.
        False when no entry of this conversation waits for that request."""
        ...

    async def reach(self, since: datetime, at: datetime) -> tuple[bool, int]:
        """Business-initiated reach in (since, at]: whether this customer was reached,
        and how many distinct customers of the shop were."""
        ...

    async def reached(self, at: datetime) -> None:
        """A business-initiated message reaches this customer at `at`."""
        ...

    async def left_out(self, flow: str, at: datetime) -> None:
        """Count a customer the messaging tier left out."""
        ...


class FlowVersionStore(Protocol):
    """Every version of the shop's flows ever served, and which is active per flow.

    A run pins the versions it started on; a process that starts with newer flows
    reads the older versions back from here, so a redeploy or a restart never strands
    a run in progress."""

    async def keep(self, flows: list[IRFlow], *, at: datetime) -> list[str]:
        """Store each flow version not stored yet and make these the active versions
        of their flows (a flow not among them is left inactive); the hashes new now."""
        ...

    async def versions(self) -> list[IRFlow]:
        """Every stored version, oldest first."""
        ...

    async def active(self) -> dict[str, str]:
        """flow id → its active version's hash."""
        ...


class ShopStore(Stores, Protocol):
    """One shop's stores; nothing of another shop is visible through them."""

    @property
    def shop_id(self) -> str: ...

    @property
    def flow_versions(self) -> FlowVersionStore: ...

    def unit(self, wa_id: str) -> AbstractAsyncContextManager[UnitOfWork]:
        """The conversation's unit of work (holds the conversation until it ends)."""
        ...

    async def cursor(self, flow: str) -> datetime | None:
        """The schedule cursor of a flow: its cron times up to here have fanned out."""
        ...

    async def set_cursor(self, flow: str, at: datetime) -> None:
        ...

    async def left_out_count(self, flow: str | None = None) -> int:
        """Customers the messaging tier left out (of one flow, or all)."""
        ...


class AccountStore(Protocol):
    """The WhatsApp numbers connected to shops (one shop per number)."""

    async def get(self, phone_number_id: str) -> Account | None:
        ...

    async def put(self, account: Account) -> None:
        """Connect the number, or replace what is kept of it (its shop, tier, status)."""
        ...

    async def all(self) -> list[Account]:
        """Every connected number, by phone_number_id: what routing loads."""
        ...


class Store(Protocol):
    """Every shop's stores, and the claims workers of several processes share."""

    def shop(self, shop_id: str) -> ShopStore:
        ...

    @property
    def accounts(self) -> AccountStore:
        ...

    async def claim_timers(self, owner: str, until: datetime, *, now: datetime,
                           lease: timedelta, limit: int = 100) -> list[ClaimedTimer]:
        """Due timers (`at <= until`) of any shop not leased to someone else, earliest
        first, leased to `owner` until `now + lease`.  Two claimers never get one timer
        while its lease runs; the unit of work that fires it removes it."""
        ...

    async def claim_outbox(self, owner: str, *, now: datetime, lease: timedelta,
                           limit: int = 100) -> list[OutboxEntry]:
        """Per conversation, its oldest pending entry, if no entry of that conversation
        is leased (so entries go out in order per conversation); leased to `owner`."""
        ...

    async def done(self, entry_id: int) -> None:
        """The entry was carried out (an event published, a failed send recorded)."""
        ...

    async def sent(self, entry_id: int, wa_message_id: str) -> None:
        """A send entry went out: WhatsApp's id recorded against our message id, its
        status `sent`, and the entry done, in one write."""
        ...

    async def retry(self, entry_id: int, *, not_before: datetime) -> None:
        """Give the entry back, to be claimed again from `not_before` (one more attempt)."""
        ...


class ChannelError(Exception):
    """WhatsApp refused a send: `code` is its error code (`131047`, ...).  `retryable`
    errors (rate limits, outages) are tried again later; the rest fail the message."""

    def __init__(self, code: str, message: str = "", *, retryable: bool = False) -> None:
        super().__init__(message or code)
        self.code, self.retryable = code, retryable


class Channel(Protocol):
    """The outbound WhatsApp channel."""

    async def send(self, message: SendEffect) -> str:
        """Send a message; returns the message id WhatsApp gave it, or raises `ChannelError`."""
        ...


class ReadReceipts(Protocol):
    """Blue ticks on WhatsApp (the Graph API client has them; tests may leave them out)."""

    async def mark_read(self, message_id: str) -> None:
        """Mark a customer's message read; raises `ChannelError` on a refusal."""
        ...


class HttpClient(Protocol):
    async def request(self, request: HttpRequest) -> HttpResult:
        """Carry out a `call` step's request; never raises.

        The result has the request's `request_id` and a status, body and content
        type, or `error` (`timeout`, `connection`, `refused` by the egress policy)
        when no HTTP answer came.  Its
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
