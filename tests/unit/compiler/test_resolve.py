"""Symbol tables: first definition wins, project settings, flows in doubt."""

from __future__ import annotations

from wactl.compiler.resolve import all_flows, build_context, is_broken, pick_project
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast


def file(path: str, *flows: ast.Flow, agents: tuple[ast.Agent, ...] = (),
         project: ast.Project | None = None) -> ast.SourceFile:
    return ast.SourceFile(path=path, spelling="yaml", flows=list(flows), agents=list(agents),
                          project=project)


def flow(fid: str, title: str) -> ast.Flow:
    return ast.Flow(id=fid, title=title, steps=[ast.GotoStep(id="g", goto="end")])


def test_first_definition_in_path_order_wins() -> None:
    files = [file("a.yaml", flow("x", "first"), agents=(ast.Agent(id="bot", model="m1"),)),
             file("b.yaml", flow("x", "second"), agents=(ast.Agent(id="bot", model="m2"),))]
    ctx = build_context(files, DiagnosticBag())
    assert ctx.flows["x"].title == "first" and ctx.flow_files["x"] == "a.yaml"
    assert ctx.agents["bot"].model == "m1"
    assert [f.title for _, f in all_flows(ctx)] == ["first", "second"]
    assert set(ctx.graphs) == {"x"}


def test_project_defaults_and_the_project_file() -> None:
    assert pick_project([]).language == "vi"
    project = ast.Project(language="en", shop="s1")
    ctx = build_context([file("wactl.yaml", project=project)], DiagnosticBag())
    assert ctx.project.shop == "s1" and ctx.languages == ["en"]


def test_flows_a_load_error_left_in_doubt_are_not_graph_checked() -> None:
    lost = flow("y", "t").model_copy(update={"lost_steps": ["s"]})
    unsure = ast.Flow(id="z", steps=[ast.GotoStep(id="g", goto="end", unsure=True)])
    ctx = build_context([file("a.yaml", flow("x", "t"), lost, unsure)], DiagnosticBag())
    assert not is_broken(ctx, "x") and is_broken(ctx, "y") and is_broken(ctx, "z")


def test_flows_with_duplicate_step_ids_are_not_graph_checked() -> None:
    dup = ast.Flow(id="d", steps=[ast.GotoStep(id="g", goto="end"),
                                  ast.GotoStep(id="g", goto="end")])
    ctx = build_context([file("a.yaml", dup)], DiagnosticBag())
    assert is_broken(ctx, "d")
