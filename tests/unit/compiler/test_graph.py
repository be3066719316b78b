"""The control-flow graph of a flow and the graph algorithms the checks share."""

from __future__ import annotations

from wactl.compiler.graph import (
    build_graph,
    cycle_through,
    cyclic_components,
    reachable,
    strongly_connected,
)
from wactl.dsl import ast


def expr(src: str) -> ast.Expr:
    return ast.Expr(src=src)


def msg(text: str) -> ast.Message:
    return ast.Message(text=ast.Text(variants={"": ast.Template(src=text)}))


def edges_of(flow: ast.Flow, sid: str) -> list[tuple[str, str, bool]]:
    return [(e.kind, e.target, e.waits) for e in build_graph(flow).succ[sid]]


def test_next_defaults_to_the_following_step_and_then_end() -> None:
    flow = ast.Flow(id="f", steps=[ast.SendStep(id="a", send=msg("x")),
                                   ast.SendStep(id="b", send=msg("y"))])
    assert edges_of(flow, "a") == [("next", "b", False)]
    assert edges_of(flow, "b") == [("next", ast.END, False)]


def test_ask_exits_wait_and_its_when_guard_skips_without_waiting() -> None:
    step = ast.AskStep(id="q", ask=msg("?"), when=expr("x == null"), on_fail="h",
                       timeout=ast.Duration(seconds=60), on_timeout="t", next="n")
    flow = ast.Flow(id="f", steps=[step])
    assert edges_of(flow, "q") == [("next", "n", True), ("fail", "h", True),
                                   ("timeout", "t", True), ("skip", "n", False)]


def test_branch_arms_then_else_and_call_error() -> None:
    branch = ast.BranchStep(id="b", branch=[ast.BranchArm(if_=expr("x"), goto="c")])
    call = ast.CallStep(id="c", call=ast.HttpRequest(url=ast.Template(src="u")), on_error="b")
    flow = ast.Flow(id="f", steps=[branch, call])
    assert edges_of(flow, "b") == [("branch", "c", False), ("else", "c", False)]
    assert edges_of(flow, "c") == [("next", ast.END, False), ("error", "b", False)]


def test_targets_without_waiting_drop_end_and_waiting_hops() -> None:
    flow = ast.Flow(id="f", steps=[ast.AskStep(id="q", ask=msg("?"), on_fail="q"),
                                   ast.GotoStep(id="g", goto="q")])
    graph = build_graph(flow)
    assert graph.targets() == {"q": ["g", "q"], "g": ["q"]}
    assert graph.targets(waiting=False) == {"q": [], "g": ["q"]}
    assert graph.reachable() == {"q", "g"}


def test_duplicate_step_ids_keep_the_first() -> None:
    flow = ast.Flow(id="f", steps=[ast.SendStep(id="a", send=msg("1"), next="end"),
                                   ast.SendStep(id="a", send=msg("2"))])
    graph = build_graph(flow)
    assert graph.order == ["a"] and graph.succ["a"][0].target == ast.END


def test_reachable_and_components() -> None:
    succ = {1: [2], 2: [3, 1], 3: [3], 4: [1]}
    assert reachable([1], succ) == {1, 2, 3}
    comps = sorted(sorted(c) for c in strongly_connected([1, 2, 3, 4], succ))
    assert comps == [[1, 2], [3], [4]]
    assert cyclic_components([1, 2, 3, 4], succ) == [[1, 2], [3]]


def test_cycle_through_is_a_shortest_cycle_ending_at_the_closer() -> None:
    succ = {"a": ["b", "x"], "b": ["c"], "c": ["a"], "x": ["a"]}
    assert cycle_through("a", {"a", "b", "c", "x"}, succ) == ["a", "x"]
    assert cycle_through("a", {"a", "b", "c"}, succ) == ["a", "b", "c"]
    assert cycle_through("a", {"a"}, {"a": []}) == []


def test_algorithms_are_iterative_and_linear_on_large_graphs() -> None:
    n = 200_000
    succ = {i: [i + 1] for i in range(n - 1)}
    succ[n - 1] = [0]
    [comp] = cyclic_components(list(range(n)), succ)
    path = cycle_through(0, set(comp), succ)
    assert len(comp) == n and len(path) == n and path[-1] == n - 1


def test_a_step_wrongly_named_end_is_not_a_jump_target() -> None:
    flow = ast.Flow(id="f", steps=[ast.SendStep(id="end", send=msg("bye"))])
    assert build_graph(flow).targets() == {"end": []}


def test_callers_callees_first_and_worklist() -> None:
    from wactl.compiler.graph import callees_first, callers_of, solve_worklist

    calls = {"a": ["b", "b"], "b": ["c"], "c": []}
    assert callers_of(calls) == {"a": [], "b": ["a"], "c": ["b"]}
    assert callees_first(["a", "b", "c"], calls) == ["c", "b", "a"]
    seen: list[str] = []

    def update(node: str) -> list[str]:
        seen.append(node)
        return ["c"] if node == "a" and seen.count("a") == 1 else []

    solve_worklist(["a", "b"], update)
    assert seen == ["a", "b", "c"]


def test_steps_that_end_the_run_have_one_exit_to_end_whatever_next_says() -> None:
    steps: list[ast.Step] = [
        ast.HandoffStep(id="h", handoff=ast.Text(variants={"": ast.Template(src="x")}),
                        next="s"),
        ast.EndStep(id="e", next="s"), ast.LinkStep(id="l", link="other", next="s"),
        ast.SendStep(id="s", send=msg("never"), when=expr("false"))]
    flow = ast.Flow(id="f", steps=steps)
    for sid in ("h", "e", "l"):
        assert edges_of(flow, sid) == [("next", ast.END, False)]
    assert build_graph(flow).reachable() == {"h"}


def test_the_ir_and_so_coverage_read_the_same_exits() -> None:
    from wactl.compiler import compile_project

    text = ("flow: f\nsteps:\n  - {id: h, handoff: bye, next: s}\n"
            "  - {id: s, send: hi}\n")
    program = compile_project({"f.yaml": text}).program
    assert program is not None
    [flow] = program.flows
    assert [(e.kind, e.to) for e in flow.steps["h"].edges] == [("next", ast.END)]
