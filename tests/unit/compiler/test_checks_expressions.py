"""Expression family: every Expr/Template parsed once; WA407 root fields; WA408 regexes."""

from __future__ import annotations

from wactl.compiler.checks import expressions
from wactl.compiler.context import Context
from wactl.compiler.project import compile_project
from wactl.diagnostics import DiagnosticBag, Span
from wactl.dsl import ast


def found(steps: str, project: str | None = None, trigger: str = "") -> list[tuple[str, str]]:
    sources = {"flows/f.yaml": f"flow: f\n{trigger}steps:\n{steps}"}
    if project is not None:
        sources["wactl.yaml"] = project
    result = compile_project(sources)
    return [(d.code, str(d.span)) for d in result.diagnostics if d.code.startswith("WA40")
            and d.code not in ("WA404", "WA405")]


def test_unknown_root_field_points_at_it_with_did_you_mean() -> None:
    src = '  - id: s\n    send: "Hi {{ message.txt }}"\n'
    assert found(src) == [("WA407", "flows/f.yaml:4:26")]
    result = compile_project({"flows/f.yaml": f"flow: f\nsteps:\n{src}"})
    [diag] = [d for d in result.diagnostics if d.code == "WA407"]
    assert diag.hint == "did you mean `text`?"


def test_index_form_points_at_the_key() -> None:
    src = '  - id: s\n    send: \'{{ customer["nam"] }}\'\n'
    assert found(src) == [("WA407", "flows/f.yaml:4:24")]


def test_open_ended_roots_and_known_fields_are_fine() -> None:
    src = ('  - id: s\n    send: "{{ customer.fields.plan }} {{ shop.anything }} '
           '{{ customer.name }} {{ now.year }} {{ secrets.key }}"\n')
    assert found(src) == []


def test_secrets_must_be_declared_when_any_are() -> None:
    src = ('  - id: s\n    call: {url: "https://x/{{ secrets.api_key }}", '
           'headers: {X: "{{ secrets.tokn }}"}}\n')
    assert [c for c, _ in found(src, "secrets: [api_key, token]\n")] == ["WA407"]


def test_syntax_errors_everywhere_are_reported_once() -> None:
    src = ('  - id: s\n    when: "x ="\n    send: "{{ a +  }}"\n'
           '  - id: t\n    set: {y: "len(1, 2)"}\n'
           '  - id: c\n    call: {method: POST, url: "https://x", body: {a: ["{{ bad( }}"]}}\n')
    codes = sorted(c for c, _ in found(src))
    assert codes == ["WA401", "WA401", "WA401", "WA406"]


def test_trigger_if_and_audience_are_parsed() -> None:
    trigger = "trigger: {schedule: {cron: '0 9 * * *', audience: 'customer.tagz contains 1'}}\n"
    src = '  - id: s\n    template: {name: x}\n'
    assert [c for c, _ in found(src, trigger=trigger)] == ["WA407"]


def test_invalid_regex_after_matches_and_in_expect() -> None:
    src = ('  - id: a\n    ask: "Code?"\n    expect: "regex:[0-9"\n'
           '  - id: b\n    branch:\n'
           '      - if: \'message.text matches "(a)\\\\1"\'\n        goto: a\n')
    assert found(src) == [("WA408", "flows/f.yaml:5:13"), ("WA408", "flows/f.yaml:8:35")]


def test_lookaround_in_expect_and_back_reference_in_validate_say_why() -> None:
    src = ("  - id: a\n    ask: \"Code?\"\n    expect: 'regex:^(?!0)\\d+$'\n"
           "    validate: 'answer matches \"^(\\d)\\1\"'\n")
    result = compile_project({"flows/f.yaml": f"flow: f\nsteps:\n{src}"})
    got = [(d.code, str(d.span), d.message) for d in result.diagnostics if d.code == "WA408"]
    assert got == [
        ("WA408", "flows/f.yaml:5:13", "`expect: regex:` pattern refused: a negative lookahead "
         "`(?!...)` is not supported: RE2 runs every pattern in time linear in the text and "
         "has no such construct"),
        ("WA408", "flows/f.yaml:6:31", "pattern after `matches` refused: a back-reference `\\1` "
         "is not supported: RE2 runs every pattern in time linear in the text and has no such "
         "construct"),
    ]


def test_nested_repeats_are_no_longer_refused() -> None:
    src = '  - id: b\n    branch:\n      - if: \'message.text matches "(a+)+$"\'\n        goto: b\n'
    assert found(src) == []


def test_agent_prompt_is_checked() -> None:
    agent = ast.Agent(id="a", prompt=ast.Template(src="Shop {{ customer.nme }}",
                                                  span=Span("agents/a.yaml", 3, 11)))
    ctx = Context(files=[], project=ast.Project(), bag=DiagnosticBag())
    ctx.agents["a"] = agent
    expressions.check(ctx)
    [diag] = ctx.bag.items
    assert (diag.code, str(diag.span)) == ("WA407", "agents/a.yaml:3:28")


def test_each_node_is_parsed_once_even_if_checked_twice() -> None:
    tmpl = ast.Template(src="{{ a +", span=Span("f", 1, 1))
    step = ast.SendStep(id="s", send=ast.Message(text=ast.Text(variants={"": tmpl})))
    ctx = Context(files=[], project=ast.Project(), bag=DiagnosticBag())
    ctx.flows["f"] = ast.Flow(id="f", steps=[step])
    expressions.check(ctx)
    expressions.check(ctx)
    assert [d.code for d in ctx.bag] == ["WA402"]
