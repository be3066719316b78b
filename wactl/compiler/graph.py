"""The control-flow graph of one flow: which step can follow which, and whether the hop waits.

Every check that reasons about paths (reachability, cycles, dataflow, the 24h window)
and the lowering to IR read edges from here, so the semantics of `next`, `when`,
`on_fail`, `on_error`, `on_timeout`, `branch` and `goto` live in exactly one place.

An edge `waits` when taking it means the customer (or a timer) had to act first: the
normal exits of `ask`, `wait` and `agent`.  A `when` guard adds a skip edge that never
waits, so a loop through a guarded `ask` can still spin without the customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from wactl.dsl import ast

EdgeKind = Literal["next", "skip", "branch", "else", "fail", "error", "timeout", "goto"]
WAITING_KINDS = frozenset({"ask", "wait", "agent"})
TERMINAL_KINDS = frozenset({"end", "link"})


@dataclass(frozen=True, slots=True)
class Edge:
    """One possible hop from `source` to `target` (`ast.END` ends the run)."""

    source: str
    target: str
    kind: EdgeKind
    waits: bool
    label: str = ""


@dataclass
class FlowGraph:
    """Steps by id, their out-edges, and the entry step (None for an empty flow)."""

    flow: ast.Flow
    steps: dict[str, ast.Step] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    succ: dict[str, list[Edge]] = field(default_factory=dict)

    @property
    def entry(self) -> str | None:
        return self.order[0] if self.order else None

    def edges(self) -> Iterator[Edge]:
        for sid in self.order:
            yield from self.succ[sid]


def _natural_next(flow: ast.Flow, index: int) -> str:
    step = flow.steps[index]
    if step.next is not None:
        return step.next
    return flow.steps[index + 1].id if index + 1 < len(flow.steps) else ast.END


def _kind_edges(step: ast.Step, nxt: str) -> list[Edge]:
    """Out-edges of a step that was not skipped by its `when` guard."""
    sid, waits = step.id, step.kind in WAITING_KINDS
    if isinstance(step, ast.GotoStep):
        return [Edge(sid, step.goto, "goto", False)]
    if isinstance(step, ast.EndStep | ast.LinkStep):
        return [Edge(sid, ast.END, "next", False)]
    edges = []
    if isinstance(step, ast.BranchStep):
        for i, arm in enumerate(step.branch):
            edges.append(Edge(sid, arm.goto, "branch", False, arm.if_.src or str(i)))
        edges.append(Edge(sid, step.else_ or nxt, "else", False, "else"))
        return edges
    edges.append(Edge(sid, nxt, "next", waits))
    if isinstance(step, ast.AskStep):
        edges.append(Edge(sid, step.on_fail or ast.END, "fail", True))
        if step.on_timeout:
            edges.append(Edge(sid, step.on_timeout, "timeout", True))
    if isinstance(step, ast.CallStep):
        edges.append(Edge(sid, step.on_error or ast.END, "error", False))
    return edges


def build_graph(flow: ast.Flow) -> FlowGraph:
    """The graph of one flow; duplicate step ids keep their first definition."""
    graph = FlowGraph(flow)
    for index, step in enumerate(flow.steps):
        if step.id in graph.steps:
            continue
        nxt = _natural_next(flow, index)
        edges = _kind_edges(step, nxt)
        if step.when is not None:
            edges.append(Edge(step.id, nxt, "skip", False, "when false"))
        graph.steps[step.id] = step
        graph.order.append(step.id)
        graph.succ[step.id] = edges
    return graph
