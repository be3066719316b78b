"""The records the stores keep and hand back: typed shapes that cross the port boundary.

Each record belongs to one shop.  The stores a worker uses for one conversation are
bound to its shop (`Store.shop`), so a record read through them needs no shop of its
own; the records a store hands out across shops (claimed timers and outbox entries)
carry `shop_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from wactl.runtime.effects import (
    AiRequest,
    ConsentChanged,
    FieldsChanged,
    HttpRequest,
    MarkRead,
    Publish,
    SendEffect,
    SendTemplate,
    TagsChanged,
)
from wactl.runtime.state import Customer

DEFAULT_SHOP = "default"
"""The shop of a project run on its own: `wactl test`, `wactl simulate`, one-shop serve."""

CustomerChange = TagsChanged | FieldsChanged | ConsentChanged
"""The customer changes the engine reports as effects, applied one at a time."""

OutboxEffect = SendEffect | HttpRequest | AiRequest | Publish | MarkRead
"""What leaves the process, and so goes through the outbox."""

MessageStatus = Literal["", "queued", "sent", "delivered", "read", "failed"]
"""An outbound message's delivery state; '' for an inbound message."""

STATUS_RANK: dict[str, int] = {"": 0, "queued": 1, "sent": 2, "delivered": 3, "read": 4,
                               "failed": 5}
"""Statuses only move forward in this order, and `failed` is final."""


def apply_change(customer: Customer, change: CustomerChange) -> None:
    """`change` made to `customer` in place, as every customer store applies it: adding a
    present tag or removing an absent one does nothing; a None field value clears it."""
    if isinstance(change, TagsChanged):
        kept = [t for t in customer.tags if t not in change.removed]
        customer.tags = kept + [t for t in dict.fromkeys(change.added) if t not in kept]
    elif isinstance(change, ConsentChanged):
        customer.consent = change.consent
    else:
        merged = {**customer.fields, **change.values}
        customer.fields = {k: v for k, v in merged.items() if v is not None}


def moves_forward(old: str, new: str) -> bool:
    """Whether delivery status `new` may replace `old` (sent → delivered → read;
    failed is final)."""
    if old == "failed":
        return False
    if new == "failed":
        return old != "read"
    return STATUS_RANK.get(new, 0) > STATUS_RANK.get(old, 0)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One line of a conversation's message log, inbound or outbound.

    `kind` is the inbound message kind (`text`, `button`, `image`, ...) or, outbound,
    `text`, `media`, `interactive` or `template`; `text` is what a person would read
    (for a template, its name).  Inbound, `message_id` is WhatsApp's id; outbound it
    is ours, given at commit, and `wa_message_id` is WhatsApp's once the send succeeded.
    """

    wa_id: str
    direction: Literal["in", "out"]
    kind: str
    text: str
    at: datetime
    message_id: str = ""
    wa_message_id: str = ""
    status: MessageStatus = ""
    error: str | None = None
    fallback: SendTemplate | None = None
    """Outbound: the template to send instead if WhatsApp refuses the message for being
    outside the 24h window (the step's `fallback_template`)."""
    conversation: int = 0
    """The number of the session (`wactl.runtime.sessions`) the message belongs to: the
    store stamps the customer's current one when the message is logged (0: none yet)."""


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """A durable timer: fire `TimerFired(wa_id, at, timer_id)` once `at` has come."""

    wa_id: str
    timer_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedTimer:
    """A due timer leased to one worker until `lease_until`; its unit of work removes it."""

    shop_id: str
    timer: TimerRecord
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """Something to carry out once the event that made it has committed.

    `id` orders the entries of a conversation (and of the whole store).  For a send,
    `message_id` is our id of the message (its line in the message log); for an HTTP
    or AI request it is the request id the answer must carry.
    """

    id: int
    shop_id: str
    wa_id: str
    effect: OutboxEffect
    message_id: str
    created_at: datetime
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class RunStep:
    """One step a run took, as a row of the run-step log (a run's trace has no cap).

    Run ids are counted per conversation, so a run is named by (wa_id, run_id)."""

    wa_id: str
    run_id: str
    flow: str
    version: str
    step: str
    kind: str
    outcome: str
    at: datetime
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AiUsage:
    """AI calls of one shop on one day (UTC), by what asked and the model that answered.

    `purpose` is `reply` (an agent's answer; `agent` names it), `intent` (classifying a
    message no trigger took), `extract` (an `ask` reading values from an answer) or
    `other` (an answer nothing waited for any more).  No customer is named: the
    numbers are the shop's, kept past any customer's forgetting."""

    day: date
    purpose: str
    agent: str
    model: str
    calls: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    @property
    def key(self) -> tuple[date, str, str, str]:
        return self.day, self.purpose, self.agent, self.model

    def plus(self, other: AiUsage) -> AiUsage:
        """This and `other` (of the same key) added up."""
        return AiUsage(self.day, self.purpose, self.agent, self.model,
                       self.calls + other.calls, self.prompt_tokens + other.prompt_tokens,
                       self.completion_tokens + other.completion_tokens,
                       self.cost + other.cost)


AI_USAGE_EVENT = "AITokenUsage"
"""The event the engine publishes per AI answer that used tokens (see `usage_of`)."""


def usage_of(event: Publish, day: date) -> AiUsage | None:
    """The AI call an `AITokenUsage` event tells of, to count on `day`; None for others."""
    p = event.payload
    if event.name != AI_USAGE_EVENT:
        return None
    return AiUsage(day, str(p.get("purpose") or "other"), str(p.get("agent") or ""),
                   str(p.get("model") or ""), 1, int(p.get("prompt_tokens") or 0),
                   int(p.get("completion_tokens") or 0), float(p.get("cost") or 0.0))


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What a delivery status did to our message: the message it moved, or nothing."""

    message: MessageRecord | None
    """The message after the change; None when the id is unknown."""
    changed: bool
    """False for a late or repeated status."""


AccountStatus = Literal["active", "suspended"]


@dataclass(frozen=True, slots=True)
class Account:
    """A WhatsApp business number connected to a shop: inbound webhooks carry its
    `phone_number_id`, which routes them to the shop; a suspended one is not served.
    `tier` is its messaging tier (distinct customers reached per 24 h; None: unlimited).
    The access token is not here: it is a secret, kept encrypted (issue 11)."""

    phone_number_id: str
    shop_id: str
    display_phone: str = ""
    tier: int | None = None
    status: AccountStatus = "active"
