"""The variables dataflow: WA404 (never assigned) and WA405 (maybe unassigned on a path)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.compiler.checks import variables
from wactl.compiler.context import Context
from wactl.compiler.graph import build_graph
from wactl.compiler.project import compile_project
from wactl.diagnostics import DiagnosticBag, Span
from wactl.dsl import ast

FILE = "flows/f.yaml"


def ctx_of(*flows: ast.Flow) -> Context:
    ctx = Context(files=[], project=ast.Project(), bag=DiagnosticBag())
    for flow in flows:
        ctx.flows[flow.id] = flow
        ctx.graphs[flow.id] = build_graph(flow)
    return ctx


def run(*steps: ast.Step, **flow: Any) -> list[tuple[str, str]]:
    """(code, message start) of each diagnostic of the family on one flow."""
    ctx = ctx_of(ast.Flow(id="f", steps=list(steps), **flow))
    variables.check(ctx)
    return [(d.code, d.message.split(" ")[1].strip("`")) for d in ctx.bag]


def expr(src: str, line: int = 1) -> ast.Expr:
    return ast.Expr(src=src, span=Span(FILE, line, 10))


def say(sid: str, text: str, **kw: Any) -> ast.SendStep:
    template = ast.Template(src=text, span=Span(FILE, 1, 10))
    return ast.SendStep(id=sid, send=ast.Message(text=ast.Text(variants={"": template})), **kw)


def ask(sid: str, save: str, **kw: Any) -> ast.AskStep:
    return ast.AskStep(id=sid, ask=ast.Message(text=ast.Text(variants={
        "": ast.Template(src="?")})), save=save, **kw)


def test_typo_is_never_assigned_with_did_you_mean() -> None:
    ctx = ctx_of(ast.Flow(id="f", steps=[ask("a", "order_id"), say("b", "{{ oder_id }}")]))
    variables.check(ctx)
    [diag] = ctx.bag.items
    assert diag.code == "WA404"
    assert diag.hint == "did you mean `order_id`?"
    assert (diag.span.line, diag.span.col, diag.span.end_col) == (1, 13, 20)


def test_assigned_before_read_is_clean() -> None:
    assert run(ask("a", "x"), say("b", "{{ x }}")) == []


def test_declared_vars_and_regex_groups_count_as_assigned() -> None:
    trigger = ast.RegexTrigger(pattern=r"^order (?P<num>\d+)$")
    assert run(say("a", "{{ num }} {{ total }}"), vars={"total": 0}, trigger=trigger) == []


def test_read_on_a_path_without_assignment_warns_once() -> None:
    steps: list[ast.Step] = [
        ast.BranchStep(id="r", branch=[ast.BranchArm(if_=expr("customer.name == null"),
                                                      goto="b")]),
        ask("a", "x"),
        say("b", "{{ x }}"),
        say("c", "{{ x }} again"),
    ]
    assert run(*steps) == [("WA405", "x")]


def test_must_assigned_through_both_arms_of_a_branch() -> None:
    steps: list[ast.Step] = [
        ast.BranchStep(id="r", branch=[ast.BranchArm(if_=expr("customer.name == null"),
                                                      goto="b")], else_="a"),
        ast.SetStep(id="a", set={"x": expr("1")}, next="c"),
        ast.SetStep(id="b", set={"x": expr("2")}),
        say("c", "{{ x }}"),
    ]
    assert run(*steps) == []


def test_null_aware_reads_are_not_warned() -> None:
    steps: list[ast.Step] = [
        say("g", "hi", when=expr("x == null and y > 1")),
        say("d", '{{ default(x, "none") }} {{ x | default("?") }} {{ x.a != null }}'),
        ask("a", "x"),
        ask("b", "y"),
    ]
    assert run(*steps) == []


def test_guard_on_a_never_assigned_name_is_still_a_typo() -> None:
    assert run(say("g", "hi", when=expr("nme == null"))) == [("WA404", "nme")]


def test_false_null_guard_proves_the_variable_set() -> None:
    steps: list[ast.Step] = [
        ast.AskStep(id="e", ask=ast.Message(text=ast.Text(variants={"": ast.Template(src="?")})),
                    extract={"date": "date"}),
        ask("d", "date", when=expr("date == null")),
        say("s", "{{ date }}"),
    ]
    assert run(*steps) == []


def test_extract_alone_is_only_possibly_assigned() -> None:
    steps: list[ast.Step] = [
        ast.AskStep(id="e", ask=ast.Message(text=ast.Text(variants={"": ast.Template(src="?")})),
                    extract={"date": "date"}),
        say("s", "{{ date }}"),
    ]
    assert run(*steps) == [("WA405", "date")]


def test_failure_exits_do_not_assign() -> None:
    steps: list[ast.Step] = [
        ast.CallStep(id="c", call=ast.HttpRequest(url=ast.Template(src="https://x")),
                     save="order", on_error="s"),
        say("s", "{{ order.status }}"),
    ]
    assert run(*steps) == [("WA405", "order")]


def test_earlier_keys_of_one_set_are_visible() -> None:
    assert run(ast.SetStep(id="s", set={"a": expr("1"), "b": expr("a + 1")})) == []


def test_loop_keeps_assignment_from_the_first_pass() -> None:
    steps: list[ast.Step] = [
        ask("a", "x"),
        say("b", "{{ x }}"),
        ast.GotoStep(id="g", goto="a"),
    ]
    assert run(*steps) == []


def test_unreachable_steps_and_roots_are_ignored() -> None:
    steps: list[ast.Step] = [
        ast.EndStep(id="e"),
        say("late", "{{ x }} {{ customer.name }} {{ message.text }}"),
        ask("a", "x"),
    ]
    assert run(*steps) == []


def test_call_body_strings_are_read() -> None:
    call = ast.HttpRequest(method="POST", url=ast.Template(src="https://x"),
                           body={"items": ["{{ cart }}"]})
    assert run(ast.CallStep(id="c", call=call)) == [("WA404", "cart")]


def test_long_flow_is_linear() -> None:
    """10,000 steps, a variable per 10 steps, reads everywhere (bench/compile.py times it)."""
    steps: list[ast.Step] = []
    for i in range(10_000):
        if i % 10 == 0:
            steps.append(ask(f"s{i}", f"v{i // 10}"))
        else:
            steps.append(say(f"s{i}", f"{{{{ v{i // 10} }}}} {{{{ v0 }}}}"))
    flow = ast.Flow(id="f", steps=steps)
    ctx = ctx_of(flow)
    variables.check(ctx)
    assert list(ctx.bag) == []


def test_through_yaml_sources() -> None:
    src = """flow: f
trigger: {keyword: hi}
steps:
  - id: a
    ask: "Name?"
    save: name
    on_fail: b
  - id: b
    send: "Hi {{ name }} {{ nmae }}"
"""
    result = compile_project({"flows/f.yaml": src})
    found = {(d.code, str(d.span)) for d in result.diagnostics if d.code in ("WA404", "WA405")}
    assert found == {("WA405", "flows/f.yaml:9:18"), ("WA404", "flows/f.yaml:9:29")}


def test_duplicate_step_does_not_cascade_into_never_assigned() -> None:
    codes = run(ask("a", "x"), ask("a", "y"), say("b", "{{ x }} {{ y }}"))
    assert ("WA404", "y") not in codes


def test_maybe_unassigned_carries_the_path() -> None:
    steps: list[ast.Step] = [
        ast.CallStep(id="c", call=ast.HttpRequest(url=ast.Template(src="https://x")),
                     save="order", on_error="sorry"),
        say("ok", "fine", next="r"),
        say("sorry", "sorry"),
        say("r", "{{ order.status }}"),
    ]
    ctx = ctx_of(ast.Flow(id="f", steps=steps))
    variables.check(ctx)
    [diag] = ctx.bag.items
    assert diag.path == ("c", "sorry", "r")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from("abcd")), min_size=1, max_size=12))
def test_straight_line_flows_match_a_simple_model(ops: list[tuple[bool, str]]) -> None:
    """In a flow without branches: never assigned -> WA404, read before the first
    assignment -> WA405, otherwise clean; one diagnostic per variable."""
    steps: list[ast.Step] = [
        ast.SetStep(id=f"s{i}", set={name: expr("1")}) if assign
        else say(f"s{i}", f"{{{{ {name} }}}}")
        for i, (assign, name) in enumerate(ops)
    ]
    expected: dict[str, str] = {}
    assigned: set[str] = set()
    for assign, name in ops:
        if assign:
            assigned.add(name)
        elif name not in assigned and name not in expected:
            expected[name] = "WA405" if any(a and n == name for a, n in ops) else "WA404"
    assert sorted(run(*steps)) == sorted((code, name) for name, code in expected.items())
