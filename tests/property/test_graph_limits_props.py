"""The Graph client's throttle and breaker, for any timing a test clock can make."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.service.whatsapp import CircuitBreaker, TokenBucket

FAST = settings(max_examples=150, deadline=None)
gaps = st.lists(st.floats(0, 0.5, allow_nan=False), min_size=1, max_size=60)


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@FAST
@given(rate=st.integers(1, 100), burst=st.integers(1, 20), gaps=gaps)
def test_the_throttle_never_lets_more_through_than_rate_and_burst(
        rate: int, burst: int, gaps: list[float]) -> None:
    time = Time()
    bucket = TokenBucket(rate, burst=burst, clock=time, sleep=time.sleep)
    taken: list[float] = []

    async def take_all() -> None:
        for gap in gaps:
            time.now += gap
            await bucket.acquire()
            taken.append(time.now)

    asyncio.run(take_all())
    assert len(taken) == len(gaps)
    for i, start in enumerate(taken):
        for j in range(i, len(taken)):
            span = taken[j] - start
            assert j - i + 1 <= burst + rate * span + 1e-6


@FAST
@given(outcomes=st.lists(st.booleans(), min_size=1, max_size=40))
def test_the_breaker_opens_exactly_when_half_the_window_failed(outcomes: list[bool]) -> None:
    time = Time()
    breaker = CircuitBreaker(clock=time, min_calls=4)
    for n, ok in enumerate(outcomes, 1):
        breaker.record(ok)
        seen = outcomes[:n]
        failing = len(seen) >= 4 and seen.count(False) * 2 >= len(seen)
        if failing or breaker.is_open:
            break
    assert breaker.is_open == failing
