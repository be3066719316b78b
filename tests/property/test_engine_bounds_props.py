"""Arbitrary customer texts, of any length, finish within the engine's bounds.

On the example project, any sequence of messages (short, long, megabyte-sized, made of
the shop's own keywords repeated) leaves the engine out of its safety net, keeps every
remembered text within MAX_INBOUND_TEXT, and the stored state within a size fixed by
the bounds, not by what was sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from engine_strategies import example_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.compiler.ir import Program
from wactl.runtime.effects import Log
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.inbound_bounds import MAX_INBOUND_TEXT
from wactl.runtime.state import MAX_HISTORY, ConversationState, state_to_data

WA = "84900000009"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
PROGRAM: list[Program] = []
WORDS = ["order", "đơn hàng", "booking", "hi", "xin chào", "help", "yes", "no", "3",
         "tomorrow 9am", "SP123", " ", "\n", "🙂", "a" * 50]


def program() -> Program:
    if not PROGRAM:
        PROGRAM.append(example_program())
    return PROGRAM[0]


def customer_text() -> st.SearchStrategy[str]:
    """Ordinary texts, texts near and far past the limit, keywords repeated at any length."""
    repeated = st.tuples(st.sampled_from(WORDS), st.integers(1, 200_000)).map(
        lambda wn: (wn[0] + " ") * wn[1])
    return st.one_of(st.text(max_size=50), st.sampled_from(WORDS), repeated,
                     st.text(min_size=MAX_INBOUND_TEXT - 2, max_size=MAX_INBOUND_TEXT + 2))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(customer_text(), min_size=1, max_size=8))
def test_any_customer_texts_stay_within_the_bounds(texts: list[str]) -> None:
    engine = Engine(program())
    state = ConversationState.new(WA)
    for i, text in enumerate(texts):
        message = Inbound(WA, T0 + timedelta(seconds=i), id=f"m{i}", text=text)
        outcome = engine.handle(state, message)
        state = outcome.state
        assert not [e for e in outcome.effects if isinstance(e, Log) and e.code == "internal"]
        assert all(len(t) <= MAX_INBOUND_TEXT for _, t in state.history)
        assert len(state.history) <= MAX_HISTORY
    size = len(json.dumps(state_to_data(state), ensure_ascii=False))
    assert size < 2 * MAX_HISTORY * MAX_INBOUND_TEXT + 200_000
