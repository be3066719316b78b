"""Unreachable steps (WA301, a warning): nothing can ever lead to them from the entry.

A run of consecutive dead steps is one block and gets one diagnostic at its first
step (the others are named in the message), so deleting a forgotten branch does not
flood the output.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.compiler.graph import FlowGraph
from wactl.compiler.resolve import is_broken


def check(ctx: Context) -> None:
    for flow_id, graph in ctx.graphs.items():
        if not is_broken(ctx, flow_id):
            for block in dead_blocks(graph):
                _report(ctx, graph, block)


def dead_blocks(graph: FlowGraph) -> list[list[str]]:
    """Maximal runs of consecutive unreachable steps, in source order."""
    live = graph.reachable()
    blocks: list[list[str]] = []
    previous_dead = False
    for sid in graph.order:
        dead = sid not in live
        if dead and previous_dead:
            blocks[-1].append(sid)
        elif dead:
            blocks.append([sid])
        previous_dead = dead
    return blocks


def _report(ctx: Context, graph: FlowGraph, block: list[str]) -> None:
    first = graph.steps[block[0]]
    if len(block) == 1:
        message = f"step `{first.id}` can never run: no step leads to it"
    else:
        names = ", ".join(f"`{sid}`" for sid in block)
        message = f"steps {names} can never run: no step leads to them"
    ctx.bag.add("WA301", message, first.span,
                hint="the step before it ends the run or jumps elsewhere: point a `next`, "
                     "`goto` or branch at it, or delete it")
