"""Step and branch coverage read from run traces."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wactl.compiler import compile_project
from wactl.compiler.ir import IRFlow, Program
from wactl.runtime.coverage import (
    Reached,
    coverage_report,
    flow_coverage,
    percent,
    reached_in,
    total_percent,
)
from wactl.runtime.state import TraceEntry

HELLO = """\
flow: hello
trigger:
  keyword: hi
steps:
  - id: ask_name
    ask: "What's your name?"
    save: name
  - id: route
    branch:
      - if: 'name == "Lan"'
        goto: vip
      - if: 'name == "Ben"'
        goto: vip
      - else: thanks
  - id: vip
    send: "Welcome back!"
    next: end
  - id: thanks
    run: sub
  - id: bye
    send: "Bye"
"""

SUB = """\
flow: sub
steps:
  - id: maybe
    when: 'false'
    send: "never"
  - id: last
    send: "sub"
"""
AT = datetime(2026, 1, 5, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def program() -> Program:
    result = compile_project({"flows/hello.yaml": HELLO, "flows/sub.yaml": SUB})
    assert result.program is not None, result.diagnostics
    return result.program


def _flow(program: Program, flow_id: str) -> IRFlow:
    flow = program.flow(flow_id)
    assert flow is not None
    return flow


def _t(flow: str, step: str, kind: str = "send", outcome: str = "done") -> TraceEntry:
    return TraceEntry(AT, flow, step, kind, outcome)


def test_steps_and_the_branch_arm_taken(program: Program) -> None:
    trace = [_t("hello", "ask_name", "ask", "asked"), _t("hello", "ask_name", "ask", "answered"),
             _t("hello", "route", "branch", "arm 1"), _t("hello", "vip"),
             _t("hello", "end", "end", "completed")]
    reached = reached_in(program, [trace])
    assert reached.steps == {("hello", "ask_name"), ("hello", "route"), ("hello", "vip")}
    hello = flow_coverage(_flow(program, "hello"), reached)
    assert hello.missed_steps == ("thanks", "bye")
    assert "route -branch 1-> vip" not in hello.missed_branches
    assert "route -else-> thanks" in hello.missed_branches


def test_two_arms_to_one_target_count_the_first(program: Program) -> None:
    trace = [_t("hello", "route", "branch"), _t("hello", "vip")]
    hello = flow_coverage(_flow(program, "hello"), reached_in(program, [trace]))
    assert "route -branch 2-> vip" in hello.missed_branches
    assert "route -branch 1-> vip" not in hello.missed_branches


def test_skip_and_sub_flow_return(program: Program) -> None:
    trace = [_t("hello", "thanks", "run", "calls sub"), _t("sub", "maybe", "send", "skipped"),
             _t("sub", "last"), _t("hello", "thanks", "run", "returned from sub"),
             _t("hello", "bye")]
    reached = reached_in(program, [trace])
    sub = flow_coverage(_flow(program, "sub"), reached)
    assert sub.missed_steps == ()
    assert sub.missed_branches == ("maybe -next-> last",)
    assert ("hello", "thanks", 0) in reached.edges


def test_unknown_flows_and_steps_are_ignored(program: Program) -> None:
    reached = reached_in(program, [[_t("gone", "x"), _t("hello", "nope"), _t("hello", "vip")]])
    assert reached.steps == {("hello", "vip")}


def test_report_percentages(program: Program) -> None:
    nothing = coverage_report(program, Reached())
    assert [c.flow for c in nothing] == ["hello", "sub"]
    assert total_percent(nothing) == 0.0
    assert coverage_report(program, Reached(), ["sub"])[0].flow == "sub"
    everything = Reached(
        {(f.id, s) for f in program.flows for s in f.steps},
        {(f.id, s, i) for f in program.flows for s, st in f.steps.items()
         for i in range(len(st.edges))})
    assert total_percent(coverage_report(program, everything)) == 100.0
    assert percent(0, 0) == 100.0


def test_reached_sets_merge() -> None:
    a = Reached({("f", "a")}, {("f", "a", 0)})
    a.update(Reached({("f", "b")}, set()))
    assert a.steps == {("f", "a"), ("f", "b")}
