"""A step's exits: where a run can go after it, and whether the hop waits.

The one definition of the semantics of `next`, `when`, `on_fail`, `on_error`,
`on_timeout`, `branch`, `goto` and of the steps that end the run.  The flow graph
(`wactl.compiler.graph`), and through it reachability, cycles, dataflow, the 24h
window, the IR's edges and so test coverage, all read exits from here.

An edge `waits` when taking it means the customer (or a timer) had to act first: the
normal exits of `ask`, `wait` and `agent`.  A `when` guard adds a skip edge that never
waits, so a loop through a guarded `ask` can still spin without the customer.  `end`,
`link` and `handoff` end the run (a handoff gives the conversation to a person), so
their only exit is `end`, whatever `next` says (WA309 warns about such a `next`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from wactl.dsl import ast

EdgeKind = Literal["next", "skip", "branch", "else", "fail", "error", "timeout", "goto"]
WAITING_KINDS = frozenset({"ask", "wait", "agent"})
TERMINAL_KINDS = frozenset({"end", "link", "handoff"})
"""Kinds after which the run is over: their one exit is `end`."""


class Edge(NamedTuple):
    """One possible hop from `source` to `target` (`ast.END` ends the run).

    A named tuple, not a frozen dataclass: every compile makes one per exit of every
    step, and a tuple is made four times faster.
    """

    source: str
    target: str
    kind: EdgeKind
    waits: bool
    label: str = ""



def natural_next(flow: ast.Flow, index: int) -> str:
    """Where the step at `index` goes when nothing else says: `next`, else the following
    step, else the end of the run."""
    step = flow.steps[index]
    if step.next is not None:
        return step.next
    return flow.steps[index + 1].id if index + 1 < len(flow.steps) else ast.END


def step_exits(flow: ast.Flow, index: int) -> list[Edge]:
    """Every exit of the step at `index` of `flow`, its `when` skip included."""
    step = flow.steps[index]
    nxt = natural_next(flow, index)
    edges = _kind_exits(step, nxt)
    if step.when is not None:
        edges.append(Edge(step.id, nxt, "skip", False, "when false"))
    return edges


def _kind_exits(step: ast.Step, nxt: str) -> list[Edge]:
    """Out-edges of a step that was not skipped by its `when` guard."""
    sid, waits = step.id, step.kind in WAITING_KINDS
    kind = step.kind  # a string comparison before each isinstance: see `_walk.step_texts`
    if kind == "goto" and isinstance(step, ast.GotoStep):
        return [Edge(sid, step.goto, "goto", False)]
    if kind in TERMINAL_KINDS:
        return [Edge(sid, ast.END, "next", False)]
    edges = []
    if kind == "branch" and isinstance(step, ast.BranchStep):
        for i, arm in enumerate(step.branch):
            edges.append(Edge(sid, arm.goto, "branch", False, arm.if_.src or str(i)))
        edges.append(Edge(sid, step.else_ or nxt, "else", False, "else"))
        return edges
    edges.append(Edge(sid, nxt, "next", waits))
    if kind == "ask" and isinstance(step, ast.AskStep):
        edges.append(Edge(sid, step.on_fail or ast.END, "fail", True))
        if step.on_timeout:
            edges.append(Edge(sid, step.on_timeout, "timeout", True))
    elif kind == "call" and isinstance(step, ast.CallStep):
        edges.append(Edge(sid, step.on_error or ast.END, "error", False))
    return edges
