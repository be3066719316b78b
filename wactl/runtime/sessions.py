"""Conversations as the CRM sees them: sessions of one customer with one shop.

A session is Active until `WINDOW` (24 h) passes without an inbound message — then it
is Expired — or someone closes it (Closed).  The next message after that opens a new
session with the next number; the engine's state is kept per customer, so a run, the
customer's variables and history carry over from one session to the next.

These are the rules only (pure functions over `Session` records); the unit of work
applies them to each message it logs (`wactl.runtime.driver.sessions`), and the expiry
job closes what went quiet.  A business-initiated message (a template from a
schedule) opens a session too: WhatsApp counts it as a conversation, and the CRM
should show it; with no answer it expires `WINDOW` after it was opened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

SessionStatus = Literal["active", "expired", "closed"]
WINDOW = timedelta(hours=24)
"""How long a session stays Active after its last inbound message (or its opening)."""
EXPIRED_BY = "expiry"
"""`closed_by` of a session the expiry rule ended."""


@dataclass(frozen=True, slots=True)
class Session:
    """One conversation of a customer with the shop (the original service's Conversation)."""

    wa_id: str
    number: int
    """1 for the customer's first conversation, then 2, 3, ...: (wa_id, number) is the key."""
    status: SessionStatus
    opened_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    """`expiry`, or who closed it (a person's id, `api`, ...)."""
    assigned_to: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A stable text id, unique within the shop."""
        return f"{self.wa_id}/{self.number}"


def activity(session: Session) -> datetime:
    """What the 24 h window counts from: the last inbound message, else the opening."""
    return session.last_inbound_at or session.opened_at


def is_stale(session: Session, now: datetime, window: timedelta = WINDOW) -> bool:
    """Active, but `window` has passed since its last inbound message."""
    return session.status == "active" and now - activity(session) >= window


def expired(session: Session, window: timedelta = WINDOW) -> Session:
    """`session` ended by the expiry rule, at the moment its window ran out."""
    return replace(session, status="expired", closed_at=activity(session) + window,
                   closed_by=EXPIRED_BY)


def closed(session: Session, at: datetime, by: str) -> Session:
    return replace(session, status="closed", closed_at=at, closed_by=by)


def on_message(current: Session | None, wa_id: str, direction: Literal["in", "out"],
               at: datetime, window: timedelta = WINDOW) -> list[Session]:
    """The sessions to save for a message at `at`: the current one updated, or the old
    one expired (when its window ran out unseen) and a new one opened; the last is the
    session the message belongs to."""
    if current is not None and current.status == "active" and not is_stale(current, at, window):
        inbound = at if direction == "in" else current.last_inbound_at
        latest = max(at, current.last_message_at)
        if latest is current.last_message_at and inbound is current.last_inbound_at:
            return [current]  # frozen, and the very same values: `replace` would copy it
        return [replace(current, last_message_at=latest, last_inbound_at=inbound)]
    ended = [expired(current, window)] if current is not None and current.status == "active" \
        else []
    number = 1 if current is None else current.number + 1
    fresh = Session(wa_id, number, "active", at, at, at if direction == "in" else None)
    return [*ended, fresh]
