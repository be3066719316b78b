"""When a `schedule` trigger's cron expression fires next, in the project's time zone.

The compiler's `_cron` validates the five fields (`*`, numbers, names, ranges, steps,
lists; day-of-week 7 is Sunday); the same field table is used here, so what passed
`wactl validate` is exactly what runs.  Classic cron rules apply: when both
day-of-month and day-of-week are restricted (neither starts with `*`), a day matches
either; otherwise it must match both.

Times are wall-clock times in the zone: a time skipped by a daylight-saving jump does
not fire that day, and a time that happens twice fires once (the first).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wactl.dsl.cron import FIELDS, CronField, cron_error

SEARCH_DAYS = 366 * 9
"""How far ahead to look: a 29 FEB schedule can wait eight years (2096 → 2104)."""


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression: the allowed values of each field."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 = Sunday ... 6 = Saturday."""
    any_day: bool
    """Day-of-month is `*`-based: only day-of-week decides (and vice versa below)."""
    any_weekday: bool

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow


def parse_cron(expr: str) -> Cron:
    """The parsed expression; ValueError (with the validator's reason) when invalid."""
    error = cron_error(expr)
    if error is not None:
        raise ValueError(f"invalid cron `{expr}`: {error}")
    parts = expr.split()
    values = [_field_values(text, spec) for text, spec in zip(parts, FIELDS, strict=True)]
    weekdays = frozenset(v % 7 for v in values[4])
    return Cron(tuple(sorted(values[0])), tuple(sorted(values[1])), frozenset(values[2]),
                frozenset(values[3]), weekdays, parts[2].startswith("*"),
                parts[4].startswith("*"))


def _field_values(text: str, spec: CronField) -> set[int]:
    found: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            low, high = spec.low, spec.high
        else:
            first, dash, last = base.partition("-")
            low = _number(first, spec)
            high = _number(last, spec) if dash else (spec.high if step_text else low)
        found.update(range(low, high + 1, step))
    return found


def _number(text: str, spec: CronField) -> int:
    upper = text.upper()
    if upper in spec.names:
        return spec.low + spec.names.index(upper)
    return int(text)


def next_fire(cron: str | Cron, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first time strictly after `after` that `cron` fires, in UTC.

    None when it never fires (`0 0 31 2 *`).  `after` must be timezone-aware.
    """
    spec = cron if isinstance(cron, Cron) else parse_cron(cron)
    if after.tzinfo is None:
        raise ValueError("next_fire needs a timezone-aware `after`")
    start = after.astimezone(tz).date()
    for offset in range(SEARCH_DAYS):
        day = start + timedelta(days=offset)
        if spec.matches_day(day):
            found = _first_on(spec, day, after, tz)
            if found is not None:
                return found
    return None


def _first_on(spec: Cron, day: date, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The earliest firing on local `day` after `after`, skipping times that do not exist.

    On `after`'s own day the hours and minutes already past are skipped (an hour of
    margin for a daylight-saving shift); the exact comparison decides the rest.
    """
    floor = after.astimezone(tz)
    same_day = day == floor.date()
    for hour in spec.hours:
        if same_day and hour < floor.hour - 1:
            continue
        minutes = spec.minutes
        if same_day and hour == floor.hour:
            minutes = minutes[bisect.bisect_left(minutes, floor.minute):]
        for minute in minutes:
            local = datetime.combine(day, time(hour, minute), tzinfo=tz)
            moment = local.astimezone(UTC)
            if moment > after and _exists(local, moment, tz):
                return moment
    return None


def _exists(local: datetime, moment: datetime, tz: ZoneInfo) -> bool:
    """Whether wall-clock `local` really happens (not skipped by a daylight-saving jump)."""
    return moment.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)


def fire_times(cron: str | Cron, after: datetime, until: datetime,
               tz: ZoneInfo) -> list[datetime]:
    """Every firing in (after, until], earliest first (UTC)."""
    spec = cron if isinstance(cron, Cron) else parse_cron(cron)
    times: list[datetime] = []
    moment = next_fire(spec, after, tz)
    while moment is not None and moment <= until:
        times.append(moment)
        moment = next_fire(spec, moment, tz)
    return times
