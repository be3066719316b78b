"""`wactl graph FLOW`: draw one flow's step graph as Mermaid (for Markdown) or Graphviz DOT.

It draws the compiled IR, not the source, so the picture shows exactly the edges the
runtime will follow: `next`, branch conditions, `else`, `fail`/`error`/`timeout`
and the skip edge of a `when` guard.  Steps that wait for the customer or a timer
(ask, wait, agent) get their own shape and colour: they are where a conversation
pauses, which is what a reviewer looks for first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from wactl.cli._common import compile_or_exit, echo, finish
from wactl.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from wactl.compiler.ir import IREdge, IRFlow

WAITING = frozenset({"ask", "wait", "agent"})
SIDE_EXITS = frozenset({"fail", "error", "timeout", "skip"})
"""Edge kinds drawn dashed: the ways out that are not the step's normal outcome."""
END_NODE = "__end"
START_NODE = "__start"
MAX_LABEL = 60


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    DOT = "dot"


def edge_label(edge: IREdge) -> str:
    """The branch condition, `else`, `when false`, or the edge kind; shortened if long."""
    text = edge.label or edge.kind
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _node(target: str) -> str:
    return END_NODE if target == "end" else target


# --------------------------------------------------------------------------- mermaid


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the special characters)."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _mm_shape(step_id: str, kind: str) -> str:
    label = f'"{_mm(step_id)}<br/><i>{kind}</i>"'
    if kind in WAITING:
        return f"s_{step_id}([{label}]):::waiting"
    if kind == "branch":
        return f"s_{step_id}{{{label}}}"
    return f"s_{step_id}[{label}]"


def _mm_ref(node: str) -> str:
    return node if node in (END_NODE, START_NODE) else f"s_{node}"


def mermaid(flow: IRFlow) -> str:
    """A Mermaid `flowchart TD`; waiting steps are stadiums in the `waiting` class."""
    lines = ["flowchart TD", f'  {START_NODE}(("start"))', f'  {END_NODE}(("end"))']
    lines += [f"  {_mm_shape(sid, step.kind)}" for sid, step in flow.steps.items()]
    if flow.entry:
        lines.append(f"  {START_NODE} --> {_mm_ref(flow.entry)}")
    for sid, step in flow.steps.items():
        for edge in step.edges:
            arrow = "-.->" if edge.kind in SIDE_EXITS else "-->"
            label = _mm(edge_label(edge))
            lines.append(f'  {_mm_ref(sid)} {arrow}|"{label}"| {_mm_ref(_node(edge.to))}')
    lines.append("  classDef waiting fill:#fff3c4,stroke:#b8860b,stroke-width:2px")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- dot


def _dq(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_node(step_id: str, kind: str) -> str:
    attrs = f"label={_dq(step_id + chr(10) + kind)}"
    if kind in WAITING:
        attrs += ', shape=box, style="rounded,filled,bold", fillcolor="#fff3c4"'
    elif kind == "branch":
        attrs += ", shape=diamond"
    return f"  {_dq(step_id)} [{attrs}];"


def dot(flow: IRFlow) -> str:
    """A Graphviz digraph; waiting steps are filled rounded boxes, side exits dashed."""
    lines = [f"digraph {_dq(flow.id)} {{", '  node [shape=box, fontname="Helvetica"];',
             f'  {_dq(START_NODE)} [label="start", shape=circle];',
             f'  {_dq(END_NODE)} [label="end", shape=doublecircle];']
    lines += [_dot_node(sid, step.kind) for sid, step in flow.steps.items()]
    if flow.entry:
        lines.append(f"  {_dq(START_NODE)} -> {_dq(flow.entry)};")
    for sid, step in flow.steps.items():
        for edge in step.edges:
            style = ", style=dashed" if edge.kind in SIDE_EXITS else ""
            lines.append(f"  {_dq(sid)} -> {_dq(_node(edge.to))} "
                         f"[label={_dq(edge_label(edge))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def unknown_flow(flow_id: str, known: list[str]) -> None:
    """Usage error: print which flows exist (and the closest name) and exit 2."""
    from wactl.diagnostics import did_you_mean

    hint = did_you_mean(flow_id, known) or f"flows: {', '.join(known) or '(none)'}"
    echo(f"error: no flow `{flow_id}` in the project; {hint}\n", err=True)
    finish(ExitCode.USAGE)


def command(
    flow: Annotated[str, typer.Argument(help="The id of the flow to draw.")],
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files and folders to compile (default: the project).", show_default=False)] = None,
    fmt: Annotated[GraphFormat, typer.Option(
        "--format", "-f", help="Mermaid (for Markdown) or Graphviz DOT.")] = GraphFormat.MERMAID,
) -> None:
    """Draw one flow's step graph (Mermaid or DOT)."""
    program = compile_or_exit(paths).result.program
    found = program.flow(flow) if program is not None else None
    if program is None or found is None:
        unknown_flow(flow, [f.id for f in program.flows] if program else [])
        return
    echo(mermaid(found) if fmt is GraphFormat.MERMAID else dot(found))
    finish(ExitCode.OK)
