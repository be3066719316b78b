"""The semantic diff of two programs and its text/Markdown rendering, on hand-built IR."""

from __future__ import annotations

from typing import Any

from wactl.cli import _diff_render as dr
from wactl.compiler.ir import (
    STEP_ADAPTER,
    EdgeKindIR,
    IREdge,
    IRFlow,
    IRKeywordTrigger,
    IRProject,
    IRStep,
    Program,
    with_hash,
)
from wactl.compiler.semdiff import describe_trigger, diff_programs


def step(kind: str, *edges: tuple[EdgeKindIR, str], **params: Any) -> IRStep:
    return STEP_ADAPTER.validate_python({"kind": kind, "params": params,
                                         "edges": [IREdge(to=to, kind=k) for k, to in edges]})


def flow(fid: str, steps: dict[str, IRStep], priority: int = 0,
         keywords: tuple[str, ...] = ("hi",)) -> IRFlow:
    trig = IRKeywordTrigger(keywords=list(keywords), normalized=list(keywords))
    return with_hash(IRFlow(id=fid, priority=priority, trigger=trig, entry=next(iter(steps)),
                            steps=steps))


def program(*flows: IRFlow) -> Program:
    return Program(project=IRProject(), flows=list(flows))


BASE = {"ask": step("ask", ("next", "route"), ("fail", "end"), message={"text": "Order?"}),
        "route": step("send", ("next", "done"), message={"text": "ok"}),
        "done": step("end", ("next", "end"))}


def test_identical_programs_have_no_differences() -> None:
    diff = diff_programs(program(flow("a", BASE)), program(flow("a", BASE)))
    assert diff.empty
    assert dr.render_text(diff) == "No semantic differences.\n"
    assert "No semantic differences." in dr.render_markdown(diff)


def test_flows_added_removed_changed() -> None:
    old = program(flow("a", BASE), flow("gone", BASE), flow("same", BASE))
    new = program(flow("a", BASE, priority=5), flow("fresh", BASE), flow("same", BASE))
    diff = diff_programs(old, new)
    assert (diff.flows_added, diff.flows_removed) == (["fresh"], ["gone"])
    assert [f.flow for f in diff.flows_changed] == ["a"]
    assert diff.flows_changed[0].priority == (0, 5)
    assert diff.flows_unchanged == 1
    text = dr.render_text(diff)
    assert "Flows: 1 added, 1 removed, 1 changed, 1 unchanged" in text
    assert "+ flow fresh" in text and "- flow gone" in text and "priority: 0 -> 5" in text


def test_steps_edges_and_unreachable() -> None:
    changed = {"ask": step("ask", ("next", "done"), ("fail", "end"),
                           message={"text": "Order number?"}),
               "route": BASE["route"], "done": BASE["done"],
               "extra": step("send", message={"text": "x"})}
    diff = diff_programs(program(flow("a", BASE)), program(flow("a", changed)))
    fd = diff.flows_changed[0]
    assert fd.steps_added == [("extra", "send")]
    assert [(c.step, c.fields) for c in fd.steps_changed] == [("ask", ["params.message"])]
    assert fd.edges_removed == ["ask -[next]-> route"]
    assert fd.edges_added == ["ask -[next]-> done"]
    assert fd.unreachable == ["route"]
    md = dr.render_markdown(diff)
    assert "#### `a`" in md and ":warning: **newly unreachable**: `route`" in md
    assert "- **edges removed**: `ask -[next]-> route`" in md


def test_trigger_change_is_described_before_and_after() -> None:
    diff = diff_programs(program(flow("a", BASE)),
                         program(flow("a", BASE, keywords=("hi", "xin chào"))))
    assert diff.flows_changed[0].trigger == ('keyword "hi"', 'keyword "hi", "xin chào"')
    assert 'trigger: keyword "hi" -> keyword "hi", "xin chào"' in dr.render_text(diff)


def test_describe_trigger_of_nothing() -> None:
    assert describe_trigger(None) == "none"
