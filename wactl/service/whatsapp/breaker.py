"""A circuit breaker: stop calling the Graph API while most calls fail.

Every attempt's outcome is recorded with the time (an outage-like failure: 429, 5xx,
130429, a timeout, a connection error; a Graph refusal of one message such as 131047
is an answer, and counts as a success).  When, over the last `window` seconds, at
least `min_calls` attempts were made and at least `threshold` of them failed, the
breaker opens for `open_for` seconds: sends fail at once (the dispatcher tries them
later) instead of piling onto an API that is down.  After that it closes with an empty
window, so the next calls find out whether the API is back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, *, window: float = 30.0, open_for: float = 30.0,
                 threshold: float = 0.5, min_calls: int = 10,
                 clock: Callable[[], float]) -> None:
        self.window, self.open_for, self.threshold = window, open_for, threshold
        self.min_calls, self.clock = min_calls, clock
        self._calls: deque[tuple[float, bool]] = deque()
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """Whether calls are refused now (closing it when its time is up)."""
        if self._open_until is None:
            return False
        if self.clock() < self._open_until:
            return True
        self._open_until = None
        self._calls.clear()
        return False

    def record(self, ok: bool) -> None:
        now = self.clock()
        self._calls.append((now, ok))
        while self._calls and self._calls[0][0] <= now - self.window:
            self._calls.popleft()
        failures = sum(1 for _, good in self._calls if not good)
        if (self._open_until is None and len(self._calls) >= self.min_calls
                and failures >= self.threshold * len(self._calls)):
            self._open_until = now + self.open_for
