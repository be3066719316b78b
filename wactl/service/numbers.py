"""Which of a shop's numbers each customer last wrote to, so the reply leaves from it.

WhatsApp shows a business's numbers as separate chats: a customer who wrote to a shop's
second number must be answered from that number.  The webhook handler notes the number
of each customer message, but only for shops with more than one active number (a shop
with one number answers from it; nothing to note, no write on the hot path).  The
dispatcher's `Fleet` reads the note when it sends; a note naming a number the shop no
longer serves is ignored.  PostgreSQL keeps them in `customer_numbers`
(`postgres.numbers`); in memory, a dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

Seen = tuple[str, str, str]
"""(shop id, customer wa_id, phone_number_id) of a customer's message."""


class Numbers(Protocol):
    async def note(self, seen: list[Seen], at: datetime) -> None:
        """Keep, per (shop, customer), the number of the latest of `seen`."""
        ...

    async def number(self, shop_id: str, wa_id: str) -> str | None:
        """The number the customer last wrote to, if noted."""
        ...


def latest(seen: list[Seen]) -> dict[tuple[str, str], str]:
    """One number per (shop, customer): the last in `seen` (a body's order)."""
    return {(shop, wa_id): number for shop, wa_id, number in seen}


@dataclass
class MemoryNumbers:
    kept: dict[tuple[str, str], str] = field(default_factory=dict)

    async def note(self, seen: list[Seen], at: datetime) -> None:
        self.kept.update(latest(seen))

    async def number(self, shop_id: str, wa_id: str) -> str | None:
        return self.kept.get((shop_id, wa_id))
