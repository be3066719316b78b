"""Five-field cron expressions of schedule triggers: one reader for checks and scheduler.

Written by hand (no dependency) and strict on purpose: what passes here is exactly
what the runtime's scheduler accepts — numbers, `*`, ranges `a-b`, steps `/n`, lists
`a,b` and the English names `JAN`-`DEC` and `SUN`-`SAT`.  Day-of-week 7 is Sunday too.
"""

from __future__ import annotations

from typing import NamedTuple


class CronField(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELDS = (
    CronField("minute", 0, 59),
    CronField("hour", 0, 23),
    CronField("day of month", 1, 31),
    CronField("month", 1, 12, MONTHS),
    CronField("day of week", 0, 7, DAYS),
)


def cron_error(expr: str) -> str | None:
    """Why `expr` is not a valid five-field cron expression, or None when it is."""
    parts = expr.split()
    if len(parts) != len(FIELDS):
        return (f"{len(parts)} field(s), expected 5 (minute hour day-of-month month "
                "day-of-week)")
    for text, spec in zip(parts, FIELDS, strict=True):
        for item in text.split(","):
            error = _item_error(item, spec)
            if error is not None:
                return f"{spec.name} `{text}`: {error}"
    return None


def _item_error(item: str, spec: CronField) -> str | None:
    """One list item: `*`, `v`, `a-b`, each optionally followed by `/step`."""
    base, slash, step = item.partition("/")
    if slash and not (step.isascii() and step.isdigit() and int(step) >= 1):
        return f"step `{step}` must be a whole number of at least 1"
    if base == "*":
        return None
    low, dash, high = base.partition("-")
    first = _value(low, spec)
    if isinstance(first, str):
        return first
    if not dash:
        return None
    last = _value(high, spec)
    if isinstance(last, str):
        return last
    if first > last:
        return f"range `{base}` runs backwards"
    return None


def _value(text: str, spec: CronField) -> int | str:
    """The number a field value stands for, or an error message."""
    upper = text.upper()
    if upper in spec.names:
        return spec.low + spec.names.index(upper)
    if not (text.isascii() and text.isdigit()):
        names = f" or a name {spec.names[0]}-{spec.names[-1]}" if spec.names else ""
        return f"`{text}` is not a number{names}"
    value = int(text)
    if not spec.low <= value <= spec.high:
        return f"{value} is out of range {spec.low}-{spec.high}"
    return value
