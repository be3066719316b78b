"""The engine benchmark at a tiny size: its implementations must have the same conversations.

`bench/engine.py` compares ours with a hand-written function and a `transitions`
machine; the comparison only means something if all of them say and do the same thing
for the same script.  That is what is checked here, plus that a tiny run of the whole
benchmark completes.  Timings are never asserted: they belong to `bench/engine.py`,
run by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import _engine_conv, _engine_fsm, _engine_hand, _measure  # noqa: E402
from bench import engine as bench_engine  # noqa: E402
from bench._engine_conv import Conversation, Transcript  # noqa: E402

CONVERSATIONS = [c for flow in _engine_conv.FLOWS for c in _engine_conv.conversations(flow)]
IDS = [f"{c.flow}:{c.name}" for c in CONVERSATIONS]
NO_ENGINE = bench_engine.engine_available()
needs_engine = pytest.mark.skipif(NO_ENGINE is not None, reason=f"engine: {NO_ENGINE}")


def _hand(conv: Conversation) -> Transcript:
    into = Transcript()
    _engine_hand.converse(conv, into)
    return into


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=IDS)
def test_transitions_machine_has_the_hand_written_conversation(conv: Conversation) -> None:
    into = Transcript()
    events, transitions = _engine_fsm.converse(_engine_fsm.build(conv.flow), conv, into)
    assert into == _hand(conv)
    assert events >= conv.messages and transitions >= events


def test_hand_written_conversations_match_the_example_tests() -> None:
    """The replies the flows' own conversation tests expect (flows/tests/*)."""
    shipped, packing, fails, one, change = (_hand(c) for c in CONVERSATIONS)
    assert shipped.replies[-1] == "Follow your parcel here: https://shop.example/t/10423"
    assert shipped.timers == ["schedule 10:00", "cancel"]  # `timeout 30m` from 09:30
    assert packing.replies[1] == "Mã đơn chỉ gồm chữ số, ví dụ 10423."
    assert fails.replies[-2:] == ["Xin lỗi, hiện mình chưa tra được đơn này.",
                                  "Nhân viên sẽ trả lời bạn ngay."]
    assert fails.handoff == "support"
    assert one.replies[-1] == "Đã đặt lịch! Mã hẹn của bạn là HM-7731. Hẹn gặp bạn ❤️"
    assert one.fields == {"last_booking": "2030-12-28 Chiều (13-17h)"}
    assert one.tags == ["booked"]
    assert change.replies[1] == "Please pick a day after today."
    assert len(change.requests) == 4 and change.handoff is None


@needs_engine
@pytest.mark.parametrize("stored", [False, True], ids=["state", "stored-state"])
@pytest.mark.parametrize("conv", CONVERSATIONS, ids=IDS)
def test_engine_has_the_hand_written_conversation(conv: Conversation, stored: bool) -> None:
    from bench import _engine_ours

    into = Transcript()
    events, steps = _engine_ours.converse(_engine_ours.engine(conv.flow), conv, stored=stored,
                                          into=into)
    assert into == _hand(conv)
    assert events >= conv.messages and steps > 0


@needs_engine
@pytest.mark.parametrize("conv", CONVERSATIONS, ids=IDS)
async def test_conductor_has_the_hand_written_conversation(conv: Conversation) -> None:
    from bench import _engine_ours

    into = Transcript()
    bench = _engine_ours.ConductorBench(_engine_ours.engine(conv.flow))
    assert await bench.converse(conv, into) == conv.messages
    assert into == _hand(conv)


def test_tiny_benchmark_run_reports_every_implementation(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_engine.run(messages=20, repeats=1, as_json=True,
                            clock=_measure.Clock.CPU) == 0
    data = json.loads(capsys.readouterr().out)
    impls = {(r["flow"], r["impl"]) for r in data["rows"]}
    expected = {"hand-written", "transitions"}
    if NO_ENGINE is None:
        expected |= {"ours: engine", "ours: engine+json", "ours: conductor",
                     "ours: conductor+json"}
        assert len(data["targets"]) == 4 * len(_engine_conv.FLOWS)
    assert impls == {(f, i) for f in _engine_conv.FLOWS for i in expected}
    assert all(r["messages"] >= 8 and r["events"] >= r["messages"] for r in data["rows"])


def _row(impl: str, seconds: float, steps: int) -> bench_engine.Row:
    return bench_engine.Row("booking", impl, 1_000, 1_500, steps, seconds)


def test_verdicts_compare_ours_per_message_per_step_and_per_second() -> None:
    rows = [_row("hand-written", 0.01, 1_500), _row("transitions", 0.2, 2_000),
            _row("ours: engine", 0.04, 4_000), _row("ours: conductor", 0.2, 1_000)]
    fast, slow = bench_engine.verdicts(rows)  # conductor: 20x hand, 2x, 5,000 msg/s
    assert (fast.impl, round(fast.vs_hand, 6), round(fast.vs_transitions, 6)) == (
        "ours: engine", 4.0, 0.1)
    assert fast.rate == pytest.approx(25_000) and fast.passed
    assert list(slow.checks.values()) == [False, False, False]
