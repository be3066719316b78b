"""Loops that never wait (WA302) and sub-flows that run each other (WA303).

WA302 looks at one graph spanning all flows: a node per step, an edge per hop that
does not wait for the customer or a timer (see `graph.Edge.waits`), plus `link` hops
into the linked flow's entry.  A `run` step waits only when the sub-flow cannot get
back without waiting (no wait-free path from its entry to its end).  Steps carrying
`max_visits` are left out: the bound breaks any loop through them.  Every strongly
connected component left is a loop that can spin forever; it is reported once, with a
shortest cycle through its first step, at the step whose hop closes that cycle.

WA303 is the same search on the flow-level graph of `run` steps.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.compiler.exits import Edge
from wactl.compiler.graph import (
    FlowGraph,
    callees_first,
    callers_of,
    cycle_through,
    cyclic_components,
    solve_worklist,
)
from wactl.compiler.resolve import is_broken
from wactl.dsl import ast

Node = tuple[str, str]
"""(flow id, step id)"""


def check(ctx: Context) -> None:
    _spinning_loops(ctx)
    _run_recursion(ctx)


# --------------------------------------------------------------------------- WA302


def returns_without_wait(ctx: Context) -> set[str]:
    """Flows whose run can come back to the caller without waiting on some path.

    A least fixpoint: every flow starts as "waits", and flips once a wait-free path to
    its end exists given the flows already flipped (recursive runs stay "waits").
    Callees are judged first and a flip re-queues only its callers.
    """
    fast: set[str] = set()
    runs = run_graph(ctx)
    callers = callers_of(runs)

    def update(flow_id: str) -> list[str]:
        if flow_id in fast or not _can_return(ctx.graphs[flow_id], fast):
            return []
        fast.add(flow_id)
        return callers.get(flow_id, [])

    solve_worklist(callees_first(sorted(runs), runs), update)
    return fast


def _can_return(graph: FlowGraph, fast: set[str]) -> bool:
    if graph.entry is None:
        return True
    seen, todo = {graph.entry}, [graph.entry]
    while todo:
        sid = todo.pop()
        for edge in graph.succ[sid]:
            if _waits(graph.steps[sid], edge, fast):
                continue
            if edge.target == ast.END and not isinstance(graph.steps[sid], ast.LinkStep):
                return True
            if edge.target in graph.steps and edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return False


def _waits(step: ast.Step, edge: Edge, fast: set[str]) -> bool:
    """Whether taking `edge` out of `step` needs the customer or a timer."""
    if edge.kind == "next" and step.kind == "run" and isinstance(step, ast.RunStep):
        return step.run not in fast
    return edge.waits


def _unbounded(graph: FlowGraph, sid: str) -> bool:
    return graph.steps[sid].max_visits is None


def spin_graph(ctx: Context) -> tuple[list[Node], dict[Node, list[Node]]]:
    """Nodes and wait-free edges of the project-wide step graph (see module doc)."""
    fast = returns_without_wait(ctx)
    nodes: list[Node] = []
    succ: dict[Node, list[Node]] = {}
    for flow_id in sorted(ctx.graphs):
        graph = ctx.graphs[flow_id]
        if is_broken(ctx, flow_id):
            continue
        for sid in (s for s in graph.order if _unbounded(graph, s)):
            nodes.append((flow_id, sid))
            succ[(flow_id, sid)] = _spin_targets(ctx, graph, sid, fast)
    return nodes, succ


def _spin_targets(ctx: Context, graph: FlowGraph, sid: str, fast: set[str]) -> list[Node]:
    step, flow_id = graph.steps[sid], graph.flow.id
    out = [(flow_id, e.target) for e in graph.succ[sid]
           if not _waits(step, e, fast) and e.target != ast.END
           and e.target in graph.steps and _unbounded(graph, e.target)]
    if step.kind == "link" and isinstance(step, ast.LinkStep) and step.link in ctx.graphs:
        target = ctx.graphs[step.link]
        if target.entry is not None and _unbounded(target, target.entry) \
                and not is_broken(ctx, step.link):
            out.append((step.link, target.entry))
    return out


def _spinning_loops(ctx: Context) -> None:
    nodes, succ = spin_graph(ctx)
    for component in cyclic_components(nodes, succ):
        cycle = cycle_through(component[0], set(component), succ)
        closer = ctx.graphs[cycle[-1][0]].steps[cycle[-1][1]]
        path = _names([*cycle, cycle[0]])
        ctx.bag.add("WA302", "these steps can loop forever without waiting for the customer: "
                    + show_path(path), closer.span, path=path,
                    hint="put an `ask` or `wait` inside the loop, or bound it with "
                         "`max_visits: N` on one of its steps")


def show_path(path: list[str], keep: int = 6) -> str:
    """`a -> b -> c -> a`, with the middle of a very long loop elided (`path=` has it all)."""
    if len(path) <= 2 * keep + 1:
        return " -> ".join(path)
    hidden = len(path) - 2 * keep
    return " -> ".join([*path[:keep], f"... {hidden:,} more ...", *path[-keep:]])


def _names(cycle: list[Node]) -> list[str]:
    """Step ids, or `flow.step` when the loop crosses flows."""
    if len({flow for flow, _ in cycle}) == 1:
        return [sid for _, sid in cycle]
    return [f"{flow}.{sid}" for flow, sid in cycle]


# --------------------------------------------------------------------------- WA303


def run_graph(ctx: Context) -> dict[str, list[str]]:
    """Which known flows each flow runs as a sub-flow."""
    return {flow_id: list(dict.fromkeys(
        s.run for s in ctx.flows[flow_id].steps
        if s.kind == "run" and isinstance(s, ast.RunStep) and s.run in ctx.flows))
        for flow_id in ctx.flows}


def _run_recursion(ctx: Context) -> None:
    succ = run_graph(ctx)
    for component in cyclic_components(sorted(succ), succ):
        cycle = cycle_through(component[0], set(component), succ)
        closer = next(s for s in ctx.flows[cycle[-1]].steps
                      if isinstance(s, ast.RunStep) and s.run == cycle[0])
        path = [*cycle, cycle[0]]
        ctx.bag.add("WA303", f"flow `{cycle[0]}` ends up running itself: "
                    + show_path(path), closer.span, path=path,
                    hint="a sub-flow cannot run its caller; use `link` to hand the "
                         "conversation over for good, or `goto` a step of the same flow")
