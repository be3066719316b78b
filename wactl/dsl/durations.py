"""Durations, read and written the same way by both spellings.

Merchants write `30s`, `15m`, `2h`, `3d`, `1h30m`, and also `2 days` or `15 minutes`;
all load as whole seconds.  `format_duration` writes the canonical compact form (the
largest unit that divides evenly), which both formatters use so that a round trip
through either spelling gives the same text.
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)[ \t]*([a-z]+)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_WORDS = {"sec": "s", "second": "s", "min": "m", "minute": "m", "hr": "h", "hour": "h",
               "day": "d"}
_CANONICAL = (("d", 86400), ("h", 3600), ("m", 60))


def unit_seconds(unit: str) -> int | None:
    """Seconds in one unit: `d`, or a word merchants write (`day`, `days`, `hrs`, `mins`)."""
    if unit in _UNIT_SECONDS:
        return _UNIT_SECONDS[unit]
    word = _UNIT_WORDS.get(unit.removesuffix("s") if len(unit) > 1 else unit)
    return _UNIT_SECONDS[word] if word else None


def parse_duration(src: str) -> int | None:
    """Seconds of `30s`, `1h30m`, `2 days`, `15 minutes`; None when `src` is not a duration."""
    pos, total = 0, 0
    for m in _PART.finditer(src):
        size = unit_seconds(m.group(2))
        if m.start() != pos or size is None:
            return None
        total += int(m.group(1)) * size
        pos = m.end()
    return total if pos == len(src) and src else None


def format_duration(seconds: int) -> str:
    """The canonical spelling: the largest unit that divides evenly (`90s`, `1h`, `90m`)."""
    for unit, size in _CANONICAL:
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
