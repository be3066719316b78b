"""Values both spellings can write but the language forbids get the same codes."""

from __future__ import annotations

import pytest

from wactl.compiler import compile_files, compile_project
from wactl.diagnostics import Span
from wactl.dsl import ast


def _text(s: str) -> ast.Text:
    return ast.Text(variants={"": ast.Template(src=s)})


def _codes(*steps: ast.Step, trigger: ast.Trigger | None = None) -> list[str]:
    flow = ast.Flow(id="f", steps=list(steps), trigger=trigger, span=Span("f.flow", 1, 1))
    result = compile_files([ast.SourceFile(path="f.flow", spelling="flow", flows=[flow])])
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize(("step", "code"), [
    (ast.TagStep(id="t", tag=[]), "WA104"),
    (ast.BranchStep(id="b", branch=[]), "WA104"),
    (ast.WaitStep(id="w"), "WA105"),
    (ast.WaitStep(id="w", wait=ast.Duration(seconds=60), until=ast.Expr(src="true")), "WA112"),
    (ast.WaitStep(id="w", wait=ast.Duration(seconds=0)), "WA111"),
    (ast.SendStep(id="s", send=ast.Message()), "WA105"),
    (ast.SendStep(id="s", send=ast.Message(text=ast.Text(variants={}))), "WA104"),
    (ast.AskStep(id="a", ask=ast.Message(text=_text("?")), expect="numbr"), "WA104"),
    (ast.AskStep(id="a", ask=ast.Message(text=_text("?")), retries=-1), "WA104"),
    (ast.SendStep(id="s", send=ast.Message(text=_text("x")), max_visits=0), "WA104"),
    (ast.CallStep(id="c", call=ast.HttpRequest(method="get", url=ast.Template(src="u"))),
     "WA104"),
])
def test_forbidden_values_are_reported(step: ast.Step, code: str) -> None:
    assert code in _codes(step)


def test_empty_keyword_list_is_reported() -> None:
    send = ast.SendStep(id="s", send=ast.Message(text=_text("x")))
    assert "WA104" in _codes(send, trigger=ast.KeywordTrigger(keywords=[]))


def test_good_values_pass_and_yaml_is_not_reported_twice() -> None:
    src = "flow: f\nsteps:\n  - id: t\n    tag: []\n"
    codes = [d.code for d in compile_project({"f.yaml": src}).diagnostics]
    assert codes.count("WA104") == 1
    send = ast.SendStep(id="s", send=ast.Message(text=_text("x")), max_visits=2)
    assert _codes(send) == []
