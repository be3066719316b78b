"""Cron fire times in the project's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime.schedule import fire_times, next_fire, parse_cron

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2025, 1, 1, tzinfo=UTC)  # a Wednesday; 07:00 in Saigon


def _local(moment: datetime | None, tz: ZoneInfo = SAIGON) -> str:
    assert moment is not None
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(("cron", "expected"), [
    ("0 9 * * *", "Wed 2025-01-01 09:00"),
    ("30 6 * * *", "Thu 2025-01-02 06:30"),
    ("*/15 * * * *", "Wed 2025-01-01 07:15"),
    ("0 9-17/4 * * *", "Wed 2025-01-01 09:00"),
    ("0 8 * * MON-FRI", "Wed 2025-01-01 08:00"),
    ("0 6 * * MON-FRI", "Thu 2025-01-02 06:00"),
    ("0 8 * * sat,sun", "Sat 2025-01-04 08:00"),
    ("0 8 * * 7", "Sun 2025-01-05 08:00"),
    ("0 0 1 * *", "Sat 2025-02-01 00:00"),
    ("0 12 15 MAR *", "Sat 2025-03-15 12:00"),
    ("0 0 29 2 *", "Tue 2028-02-29 00:00"),
    ("5,10 7 * * *", "Wed 2025-01-01 07:05"),
    ("0 10/6 * * *", "Wed 2025-01-01 10:00"),
])
def test_next_fire(cron: str, expected: str) -> None:
    assert _local(next_fire(cron, T0, SAIGON)) == expected


def test_the_result_is_utc_and_strictly_after() -> None:
    first = next_fire("0 9 * * *", T0, SAIGON)
    assert first == datetime(2025, 1, 1, 2, 0, tzinfo=UTC)
    assert _local(next_fire("0 9 * * *", first, SAIGON)) == "Thu 2025-01-02 09:00"
    assert next_fire("0 9 * * *", first - timedelta(seconds=1), SAIGON) == first


def test_day_of_month_or_day_of_week_when_both_are_given() -> None:
    times = fire_times("0 9 13 * FRI", T0, T0 + timedelta(days=31), SAIGON)
    assert [_local(t) for t in times] == [
        "Fri 2025-01-03 09:00", "Fri 2025-01-10 09:00", "Mon 2025-01-13 09:00",
        "Fri 2025-01-17 09:00", "Fri 2025-01-24 09:00", "Fri 2025-01-31 09:00"]


def test_a_star_step_day_of_month_still_requires_the_weekday() -> None:
    times = fire_times("0 9 */2 * MON", T0, T0 + timedelta(days=31), SAIGON)
    assert [_local(t) for t in times] == ["Mon 2025-01-13 09:00", "Mon 2025-01-27 09:00"]


def test_a_cron_that_never_fires_is_none() -> None:
    assert next_fire("0 0 31 2 *", T0, SAIGON) is None
    assert fire_times("0 0 30 FEB *", T0, T0 + timedelta(days=400), SAIGON) == []


def test_fire_times_is_the_half_open_interval() -> None:
    start = datetime(2025, 1, 1, 2, 0, tzinfo=UTC)  # exactly 09:00 Saigon
    times = fire_times("0 9 * * *", start, start + timedelta(days=3), SAIGON)
    assert [_local(t) for t in times] == [
        "Thu 2025-01-02 09:00", "Fri 2025-01-03 09:00", "Sat 2025-01-04 09:00"]


def test_a_time_skipped_by_daylight_saving_does_not_fire_that_day() -> None:
    start = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
    assert _local(next_fire("30 2 * * *", start, NEW_YORK), NEW_YORK) == "Mon 2025-03-10 02:30"


def test_a_time_that_happens_twice_fires_once() -> None:
    start = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
    times = fire_times("30 1 * * *", start, start + timedelta(days=2), NEW_YORK)
    assert [_local(t, NEW_YORK) for t in times] == ["Sun 2025-11-02 01:30", "Mon 2025-11-03 01:30"]
    assert times[0] == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)


def test_invalid_expressions_are_refused_with_the_validators_reason() -> None:
    with pytest.raises(ValueError, match="expected 5"):
        parse_cron("0 9 * *")
    with pytest.raises(ValueError, match="out of range"):
        next_fire("60 * * * *", T0, SAIGON)


def test_a_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire("0 9 * * *", datetime(2025, 1, 1), SAIGON)


def _matches(moment: datetime, cron: str) -> bool:
    """A slow, obviously right check of one minute against the expression."""
    spec = parse_cron(cron)
    local = moment.astimezone(SAIGON)
    return (local.minute in spec.minutes and local.hour in spec.hours
            and spec.matches_day(local.date()))


CRONS = st.sampled_from(["0 9 * * *", "*/20 8-10 * * MON-FRI", "15 */5 1,15 * *",
                         "0 0 * JAN,JUL SUN",
                         "45 23 28-31 * *",
                         "0 12 13 * FRI", "*/7 * * * *"])


@settings(max_examples=100, deadline=None)
@given(cron=CRONS, minutes=st.integers(0, 60 * 24 * 400))
def test_next_fire_is_the_first_matching_minute_after(cron: str, minutes: int) -> None:
    after = T0 + timedelta(minutes=minutes, seconds=minutes % 60)
    found = next_fire(cron, after, SAIGON)
    assert found is not None and found > after and _matches(found, cron)
    spec = parse_cron(cron)
    probe = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < found:  # minute by minute, skipping whole days that cannot match
        local = probe.astimezone(SAIGON)
        if not spec.matches_day(local.date()):
            midnight = local.replace(hour=0, minute=0) + timedelta(days=1)
            probe = midnight.astimezone(UTC)
            continue
        assert not _matches(probe, cron), probe
        probe += timedelta(minutes=1)
