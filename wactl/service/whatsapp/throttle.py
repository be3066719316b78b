"""A token bucket: at most `rate` sends a second per phone number, bursts up to `burst`.

WhatsApp refuses sends past a number's throughput (130429, about 80 messages a second
by default), so the client waits for a token instead of provoking the refusal.  Tokens
refill continuously; a caller that finds none sleeps until one is due.  Callers are
served in arrival order (a lock), so no send waits forever behind later ones.  The
clock and the sleep are injectable, so tests check the spacing without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

EPSILON = 1e-9
"""Float slack: a token refilled to 0.999999999 by rounding counts as whole."""


class TokenBucket:
    def __init__(self, rate: float, *, burst: float | None = None,
                 clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.capacity = rate, burst if burst is not None else rate
        self.clock, self.sleep = clock, sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Take one token, waiting until one is there."""
        async with self._lock:
            self._refill()
            while self._tokens < 1 - EPSILON:
                await self.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
