"""Symbol tables: which flow, agent and test each name means, and each flow's graph.

Duplicates are the names check's business (WA201/WA206); here the first definition
in path order wins, so every later check sees one consistent table and the result
does not depend on the order in which files were handed to `compile_project`.
"""

from __future__ import annotations

from collections.abc import Iterable

from wactl.compiler.context import Context
from wactl.compiler.graph import build_graph
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast


def pick_project(files: Iterable[ast.SourceFile]) -> ast.Project:
    """The project settings: the first `wactl.yaml` in path order, else the defaults."""
    for file in files:
        if file.project is not None:
            return file.project
    return ast.Project()


def build_context(files: list[ast.SourceFile], bag: DiagnosticBag) -> Context:
    """The context every check reads; `files` must already be sorted by path."""
    ctx = Context(files=files, project=pick_project(files), bag=bag)
    for file in files:
        _index_file(ctx, file)
    ctx.graphs = {flow_id: build_graph(flow) for flow_id, flow in ctx.flows.items()}
    return ctx


def _index_file(ctx: Context, file: ast.SourceFile) -> None:
    for flow in file.flows:
        if flow.id not in ctx.flows:
            ctx.flows[flow.id] = flow
            ctx.flow_files[flow.id] = file.path
    for agent in file.agents:
        ctx.agents.setdefault(agent.id, agent)
    ctx.tests.extend(file.tests)


def all_flows(ctx: Context) -> list[tuple[ast.SourceFile, ast.Flow]]:
    """Every flow of every file, duplicates included, in path order."""
    return [(file, flow) for file in ctx.files for flow in file.flows]


def is_broken(ctx: Context, flow_id: str) -> bool:
    """True when the flow's graph cannot be trusted: a load error left part of it in doubt
    (a step lost, a key not understood; see `ast.Flow.in_doubt`) or two steps share an id
    (WA202; jumps to that id are ambiguous).

    Graph checks skip such flows: they would otherwise report unreachable steps or loops
    that are only echoes of the real error.
    """
    graph = ctx.graphs.get(flow_id)
    if graph is None:
        return False
    return graph.flow.in_doubt or len(graph.order) != len(graph.flow.steps)
