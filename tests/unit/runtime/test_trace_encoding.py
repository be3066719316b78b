"""A run's trace through the state's JSON: entries that share a time (one event's steps)
are written with it once per run of equal entries, yet every entry reads back with its
own time, equal times as one value, and a second encoding gives the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from wactl.runtime.state import Frame, Run, TraceEntry, run_from_data, run_to_data

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _trace() -> list[TraceEntry]:
    one, two = T0, T0 + timedelta(seconds=1)
    twin = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # equal to `one`, another object
    other_zone = T0.astimezone(timezone(timedelta(hours=7)))  # equal instant, other text
    times = [one, one, two, two, one, twin, other_zone]
    return [TraceEntry(at, "f", f"s{n}", "send", "sent", ("x",) if n % 2 else (), "v1")
            for n, at in enumerate(times)]


def test_a_trace_reads_back_entry_by_entry_and_encodes_to_the_same_bytes() -> None:
    run = Run("r1", "f", T0, [Frame("f", "v1", "s0")], trace=_trace())
    data = run_to_data(run)
    assert [row[0] for row in data["trace"]] == [
        T0.isoformat()] * 2 + [(T0 + timedelta(seconds=1)).isoformat()] * 2 + [
        T0.isoformat()] * 2 + ["2026-12-03T16:00:00+07:00"]
    back = run_from_data(data)
    assert back.trace == run.trace
    assert [e.at.utcoffset() for e in back.trace] == [e.at.utcoffset() for e in run.trace]
    assert run_to_data(back) == data
