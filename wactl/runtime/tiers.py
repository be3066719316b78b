"""WhatsApp's messaging tiers: how many distinct customers business-initiated messages
may reach in a rolling 24 hours (the original service's 1K, 10K, 100K and unlimited,
and WhatsApp's 250 and 2K)."""

from __future__ import annotations

UNLIMITED = -1
TIERS: dict[str, int] = {"250": 250, "1k": 1_000, "2k": 2_000, "10k": 10_000,
                         "100k": 100_000, "unlimited": UNLIMITED}


def tier_cap(name: str) -> int:
    """The cap of a tier by name (`1k`, `unlimited`, ...); ValueError for another name."""
    try:
        return TIERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown messaging tier {name!r}: one of {', '.join(TIERS)}") from None
