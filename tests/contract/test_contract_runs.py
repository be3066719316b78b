"""RunStore contract: one active run per conversation, finished runs keep their trace."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from contract.kits import T0, PortKit
from wactl.runtime.records import AiUsage, RunStep
from wactl.runtime.state import Frame, Run, TraceEntry, Waiting, run_to_data


def _run(run_id: str, flow: str = "order_status", step: str | None = "ask_number") -> Run:
    trace = [TraceEntry(T0, flow, "hello", "send", "next"),
             TraceEntry(T0 + timedelta(seconds=2), flow, "ask_number", "ask", "saved",
                        ("order_id",))]
    return Run(run_id, flow, T0, [Frame(flow, "h1", step, {"order_id": "10423"})],
               Waiting("ask"), trace)


async def test_no_active_run_and_no_finished_runs_at_first(kit: PortKit) -> None:
    assert await kit.runs.active("1") is None
    assert await kit.runs.finished("1") == []


async def test_the_saved_run_is_the_active_one(kit: PortKit) -> None:
    run = _run("r1")
    await kit.runs.save("1", run)
    active = await kit.runs.active("1")
    assert active is not None and run_to_data(active) == run_to_data(run)
    run.trace.append(TraceEntry(T0, "order_status", "lookup", "call", "next"))
    run.top.step = "lookup"
    await kit.runs.save("1", run)
    active = await kit.runs.active("1")
    assert active is not None and active.top.step == "lookup" and len(active.trace) == 3


async def test_a_finished_run_leaves_active_and_keeps_its_trace(kit: PortKit) -> None:
    await kit.runs.save("1", _run("r1"))
    await kit.runs.save("1", _run("r1", step=None), finished=True)
    assert await kit.runs.active("1") is None
    [done] = await kit.runs.finished("1")
    assert done.id == "r1" and [t.step for t in done.trace] == ["hello", "ask_number"]
    assert done.trace[1].changed == ("order_id",)


async def test_a_new_active_run_replaces_the_previous(kit: PortKit) -> None:
    await kit.runs.save("1", _run("r1"))
    await kit.runs.save("1", _run("r2", flow="booking"))
    active = await kit.runs.active("1")
    assert active is not None and active.id == "r2"


async def test_finishing_another_run_keeps_the_active_one(kit: PortKit) -> None:
    await kit.runs.save("1", _run("r2"))
    await kit.runs.save("1", _run("r1", flow="vip_rule"), finished=True)
    active = await kit.runs.active("1")
    assert active is not None and active.id == "r2"


async def test_finished_runs_in_order_per_conversation(kit: PortKit) -> None:
    for n in range(1, 5):
        await kit.runs.save("1", _run(f"r{n}"), finished=True)
    await kit.runs.save("2", _run("r9"), finished=True)
    assert [r.id for r in await kit.runs.finished("1")] == ["r1", "r2", "r3", "r4"]
    assert [r.id for r in await kit.runs.finished("1", limit=2)] == ["r3", "r4"]
    assert [r.id for r in await kit.runs.finished("2")] == ["r9"]
    assert await kit.runs.active("2") is None


async def test_two_conversations_runs_of_one_id_keep_their_own_steps(kit: PortKit) -> None:
    """Run ids count per conversation: `run1` of one customer is not `run1` of another."""
    await kit.runs.append_steps([RunStep("1", "run1", "f", "v1", "a", "send", "next", T0)])
    await kit.runs.append_steps([RunStep("2", "run1", "f", "v1", "b", "send", "next", T0)])
    assert [s.step for s in await kit.runs.steps("1", "run1")] == ["a"]
    assert [s.step for s in await kit.runs.steps("2", "run1")] == ["b"]


async def test_ai_usage_adds_up_per_day_purpose_agent_and_model(kit: PortKit) -> None:
    day = T0.date()
    reply = AiUsage(day, "reply", "helper", "gpt-4o-mini", 1, 100, 20, 0.25)
    await kit.runs.add_usage(reply)
    await kit.runs.add_usage(replace(reply, prompt_tokens=50, cost=0.5))
    await kit.runs.add_usage(AiUsage(day, "intent", "", "gpt-4o-mini", 1, 30, 2, 0.125))
    await kit.runs.add_usage(replace(reply, day=day - timedelta(days=2)))
    await kit.other.runs.add_usage(reply)
    async with kit.shop.unit("1") as u:
        await u.runs.add_usage(replace(reply, model="gpt-4o"))
    assert await kit.runs.usage(day) == [
        AiUsage(day, "intent", "", "gpt-4o-mini", 1, 30, 2, 0.125),
        AiUsage(day, "reply", "helper", "gpt-4o", 1, 100, 20, 0.25),
        AiUsage(day, "reply", "helper", "gpt-4o-mini", 2, 150, 40, 0.75)]
    assert [u.day for u in await kit.runs.usage(day - timedelta(days=3))] == [
        day - timedelta(days=2), day, day, day]
    assert [u.calls for u in await kit.other.runs.usage(day)] == [1]


async def test_ai_usage_counted_in_a_unit_that_fails_is_not_counted(kit: PortKit) -> None:
    usage = AiUsage(T0.date(), "reply", "helper", "m", 1, 1, 1, 0.5)
    with pytest.raises(RuntimeError):
        async with kit.shop.unit("1") as u:
            await u.runs.add_usage(usage)
            raise RuntimeError("crash before commit")
    assert await kit.runs.usage(T0.date()) == []
