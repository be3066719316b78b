"""The conversations the engine benchmark replays, and the outcome every implementation must match.

A conversation is what a customer types or taps, plus the world's answers: what the
shop's API returns for each URL and what the AI layer extracts from each message.  The
same script drives ours (the engine), the hand-written function and the `transitions`
machine, so the timings compare the same work; `Transcript` is what each one said and
did, compared by the smoke test to prove it.

The scripts follow the example project's conversation tests (flows/tests/order_status_*,
booking_*) and add the detours real customers take: an answer that is not a number, a
day in the past, a party too large for one booking, a "Change" at the confirmation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
"""Every event happens at this instant: `validate answer > now` needs a fixed today."""


@dataclass(frozen=True, slots=True)
class Say:
    """The customer types `text`."""

    text: str


@dataclass(frozen=True, slots=True)
class Tap:
    """The customer taps the button titled `title` on the last interactive message."""

    title: str


Turn = Say | Tap


@dataclass(frozen=True, slots=True)
class Conversation:
    """One customer's talk with one flow, and what the outside world answers."""

    name: str
    flow: str
    language: str
    turns: tuple[Turn, ...]
    http: dict[str, tuple[int, str]] = field(default_factory=dict)
    """URL -> (status, JSON body text) the shop's API answers (encoded once, outside timing)."""
    ai: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Customer text -> the values the AI layer extracts from it."""

    @property
    def messages(self) -> int:
        return len(self.turns)


@dataclass(slots=True)
class Transcript:
    """What one implementation said and did over a conversation, spelled alike for all three."""

    replies: list[str] = field(default_factory=list)
    """Each bot message's text; a button message as `body [A | B]`."""
    requests: list[str] = field(default_factory=list)
    """`GET url` for HTTP calls, `ai extract: text` for AI extraction."""
    timers: list[str] = field(default_factory=list)
    """`schedule HH:MM` for an `ask` timeout timer, `cancel` when the answer came in time."""
    handoff: str | None = None
    tags: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def buttons(self, body: str, titles: list[str] | tuple[str, ...]) -> None:
        self.replies.append(f"{body} [{' | '.join(titles)}]")


def answer(status: int, body: dict[str, Any]) -> tuple[int, str]:
    return status, json.dumps(body)


ORDERS = "https://shop.example/api/orders/"
BOOKINGS = "https://shop.example/api/bookings"
SHIPPED = {"status": "shipped", "carrier": "GHN", "tracking_url": "https://shop.example/t/10423"}


def order_status() -> list[Conversation]:
    """Shipped and tracked (en), packing after one bad number (vi), lookup failing (vi)."""
    return [
        Conversation("shipped+track", "order_status", "en",
                     (Say("Hi, where is my order?"), Say("10423"), Tap("Track it")),
                     http={f"{ORDERS}10423": answer(200, SHIPPED)}),
        Conversation("retry+packing", "order_status", "vi",
                     (Say("Cho mình hỏi tình trạng đơn với"), Say("DH10501"), Say("10501")),
                     http={f"{ORDERS}10501": answer(200, {"status": "packing"})}),
        Conversation("lookup-fails", "order_status", "vi",
                     (Say("đơn hàng"), Say("10424")),
                     http={f"{ORDERS}10424": answer(500, {"error": "internal"})}),
    ]


def booking() -> list[Conversation]:
    """Date and party in one message (vi); a past day, then a change at confirmation (en).

    In the second the AI extraction finds no party size, so `ask_people` asks (a party of
    five is refused once); after the "Change" the size is known and the question skipped.
    """
    return [
        Conversation("one-message", "booking", "vi",
                     (Say("Mình muốn đặt lịch soi da"), Say("Thứ bảy 28/12/2030, mình đi 2 người"),
                      Tap("Chiều (13-17h)"), Tap("Đúng")),
                     http={BOOKINGS: answer(200, {"code": "HM-7731"})},
                     ai={"Thứ bảy 28/12/2030, mình đi 2 người": {"day": "2030-12-28",
                                                                "people": 2}}),
        Conversation("past-day+people+change", "booking", "en",
                     (Say("I'd like to book an appointment"), Say("3/1/2020"), Say("28/12/2030"),
                      Tap("Morning (9-12)"), Say("5"), Say("2"), Tap("Change"),
                      Say("29/12/2030"), Tap("Evening (6-8pm)"), Tap("Yes")),
                     http={BOOKINGS: answer(200, {"code": "HM-7732"})},
                     ai={"3/1/2020": {"day": "2020-01-03"}, "28/12/2030": {"day": "2030-12-28"},
                         "29/12/2030": {"day": "2030-12-29"}}),
    ]


def conversations(flow: str) -> list[Conversation]:
    """The scripted conversations with `flow` (`order_status` or `booking`)."""
    return {"order_status": order_status, "booking": booking}[flow]()


FLOWS = ("order_status", "booking")
