"""A run keeps the versions it started on, sub-flows included."""

from __future__ import annotations

from engine_harness import T0, WA, compile_yaml

from wactl.compiler.ir import Program
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.memory import ManualClock
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import run_from_data, run_to_data

PARENT = """
flow: parent
trigger: {keyword: [start]}
steps:
  - id: ask
    ask: "Ready?"
    save: ready
  - id: sub
    run: child
  - id: bye
    send: "Bye from the parent ({{ ready }})."
"""
CHILD = """
flow: child
steps:
  - id: hello
    send: "{text}"
  - id: deeper
    run: grandchild
"""
GRANDCHILD = """
flow: grandchild
steps:
  - id: deep
    send: "{text}"
"""


def _program(version: str) -> Program:
    return compile_yaml(PARENT, CHILD.replace("{text}", f"child {version}"),
                        GRANDCHILD.replace("{text}", f"grandchild {version}"))


async def test_a_deploy_between_the_start_and_the_run_step_changes_nothing_for_the_run(
        ) -> None:
    engine = Engine(_program("v1"))
    sb = Sandbox(engine, clock=ManualClock(T0))
    await sb.handle(Inbound(WA, T0, "text", id="m1", text="start"))
    state = await sb.shop.conversations.load(WA)
    assert state is not None and state.run is not None
    assert set(state.run.pins) == {"child", "grandchild"}
    engine.deploy(_program("v2"))
    await sb.handle(Inbound(WA, T0, "text", id="m2", text="yes"))
    texts = [getattr(m, "text", "") for m in sb.channel.sent(WA)]
    assert texts == ["Ready?", "child v1", "grandchild v1", "Bye from the parent (yes)."]
    await sb.handle(Inbound(WA, T0, "text", id="m3", text="start"))
    await sb.handle(Inbound(WA, T0, "text", id="m4", text="again"))
    texts = [getattr(m, "text", "") for m in sb.channel.sent(WA)]
    assert texts[-3:-1] == ["child v2", "grandchild v2"]  # a new run starts on the new deploy


async def test_the_pins_survive_the_stored_form_and_name_every_version() -> None:
    engine = Engine(_program("v1"))
    sb = Sandbox(engine, clock=ManualClock(T0))
    await sb.handle(Inbound(WA, T0, "text", id="m1", text="start"))
    state = await sb.shop.conversations.load(WA)
    assert state is not None and state.run is not None
    run = state.run
    assert run_from_data(run_to_data(run)).pins == run.pins
    hashes = {f.id: f.hash for f in engine.program.flows}
    assert run.versions() == {hashes["parent"], hashes["child"], hashes["grandchild"]}
