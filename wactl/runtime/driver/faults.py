"""Fault injection for the crash tests: a crash at a named point of the driver's work.

The driver calls `Faults.reach(point)` between the steps of a unit of work and of
each dispatcher; a test arms one point (and which time it is reached) and sees the
process "die" there with `InjectedCrash`, then restarts over the same store.
"""

from __future__ import annotations

from collections import Counter

UNIT_POINTS = ("begin", "loaded", "decided", "written", "committed")
"""Between the steps of one event's unit of work."""
DISPATCH_POINTS = ("claimed", "carried_out", "recorded")
"""Between the steps of carrying out one outbox entry (`carried_out`: WhatsApp or the
remote server has it, nothing is recorded yet)."""


class InjectedCrash(Exception):
    """The process died here (in a test)."""


class Faults:
    """Crash at the `nth` time `point` is reached (1 = the first); `None` never crashes."""

    def __init__(self, point: str | None = None, nth: int = 1) -> None:
        self.point, self.nth = point, nth
        self.seen: Counter[str] = Counter()

    def reach(self, point: str) -> None:
        self.seen[point] += 1
        if point == self.point and self.seen[point] == self.nth:
            raise InjectedCrash(f"crash at {point} #{self.nth}")

    def disarm(self) -> None:
        self.point = None


class _NoFaults(Faults):
    """The production setting: reaching a point costs a method call and nothing else."""

    def reach(self, point: str) -> None:
        return


NO_FAULTS: Faults = _NoFaults()
