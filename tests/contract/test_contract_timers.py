"""TimerStore contract: due timers in time order, replace by id, cancel."""

from __future__ import annotations

from datetime import timedelta

from contract.kits import T0, PortKit
from wactl.runtime.ports import TimerRecord


def _at(minutes: int) -> TimerRecord:
    return TimerRecord("1", f"t{minutes}", T0 + timedelta(minutes=minutes))


async def test_nothing_is_due_at_first(kit: PortKit) -> None:
    assert await kit.timers.due(T0 + timedelta(days=365)) == []


async def test_due_timers_come_earliest_first_up_to_until(kit: PortKit) -> None:
    for minutes in [30, 10, 20, 40]:
        await kit.timers.schedule(_at(minutes))
    assert await kit.timers.due(T0 + timedelta(minutes=30)) == [_at(10), _at(20), _at(30)]
    assert await kit.timers.due(T0 + timedelta(minutes=30), limit=1) == [_at(10)]
    assert await kit.timers.due(T0) == []


async def test_ties_are_ordered_by_wa_id_then_timer_id(kit: PortKit) -> None:
    timers = [TimerRecord("2", "t1", T0), TimerRecord("1", "t2", T0), TimerRecord("1", "t1", T0)]
    for timer in timers:
        await kit.timers.schedule(timer)
    assert await kit.timers.due(T0) == sorted(timers, key=lambda t: (t.wa_id, t.timer_id))


async def test_due_timers_stay_until_cancelled(kit: PortKit) -> None:
    await kit.timers.schedule(_at(1))
    assert await kit.timers.due(T0 + timedelta(hours=1)) == [_at(1)]
    assert await kit.timers.due(T0 + timedelta(hours=1)) == [_at(1)]
    await kit.timers.cancel("1", "t1")
    assert await kit.timers.due(T0 + timedelta(hours=1)) == []


async def test_cancel_is_per_conversation_and_unknown_is_fine(kit: PortKit) -> None:
    await kit.timers.schedule(TimerRecord("1", "t1", T0))
    await kit.timers.schedule(TimerRecord("2", "t1", T0))
    await kit.timers.cancel("1", "t1")
    await kit.timers.cancel("1", "nope")
    assert await kit.timers.due(T0) == [TimerRecord("2", "t1", T0)]


async def test_scheduling_the_same_id_again_moves_the_timer(kit: PortKit) -> None:
    await kit.timers.schedule(_at(5))
    await kit.timers.schedule(TimerRecord("1", "t5", T0 + timedelta(hours=2)))
    assert await kit.timers.due(T0 + timedelta(hours=1)) == []
    assert len(await kit.timers.due(T0 + timedelta(hours=2))) == 1
