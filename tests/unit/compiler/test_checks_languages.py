"""Languages: WA701 incomplete texts, WA702 undeclared codes, WA704 project locale."""

from __future__ import annotations

import pytest

from wactl.compiler.checks import languages
from wactl.compiler.context import Context
from wactl.compiler.project import compile_project
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast

PROJECT = "language: vi\nlanguages: [en]\n"


def found(steps: str, project: str = PROJECT) -> list[tuple[str, str, str]]:
    sources = {"flows/f.yaml": f"flow: f\nsteps:\n{steps}", "wactl.yaml": project}
    result = compile_project(sources)
    return [(d.code, str(d.span), d.message) for d in result.diagnostics
            if d.code.startswith("WA70")]


def test_text_missing_a_language_the_flow_uses() -> None:
    steps = ('  - id: a\n    send: {text: {vi: "Chào", en: "Hi"}}\n'
             '  - id: b\n    send: {text: {vi: "Tạm biệt"}}\n'
             '  - id: c\n    send: "plain text is fine"\n')
    [(code, where, message)] = found(steps)
    assert (code, where) == ("WA701", "flows/f.yaml:6:18")
    assert "`en`" in message


def test_buttons_and_rows_count_too() -> None:
    steps = ('  - id: a\n    send:\n      text: {vi: "Chọn", en: "Pick"}\n'
             '      buttons: [{vi: "Có"}]\n')
    assert [c for c, _, _ in found(steps)] == ["WA701"]


def test_complete_flow_is_clean() -> None:
    steps = ('  - id: a\n    send: {text: {vi: "Chào", en: "Hi"},\n'
             '           buttons: [{vi: "Có", en: "Yes"}]}\n'
             '  - id: b\n    handoff: {vi: "Chờ nhé", en: "One moment"}\n')
    assert found(steps) == []


def test_undeclared_language_once_per_flow() -> None:
    steps = ('  - id: a\n    send: {text: {vi: "Chào", vn: "Chào"}}\n'
             '  - id: b\n    send: {text: {vi: "Hết", vn: "Hết"}}\n')
    codes = [c for c, _, _ in found(steps)]
    assert codes == ["WA702"]


def test_agent_language_must_be_declared() -> None:
    ctx = Context(files=[], project=ast.Project(language="vi"), bag=DiagnosticBag())
    ctx.agents["a"] = ast.Agent(id="a", language="en")
    languages.check(ctx)
    assert [d.code for d in ctx.bag] == ["WA702"]


@pytest.mark.parametrize(("project", "part"), [
    ("language: fr\n", "default language"),
    ("timezone: Asia/Ho_Chi_Minhh\n", "time zone"),
    ("timezone: ../../etc/passwd\n", "time zone"),
    ("languages: [EN!]\n", "language code"),
])
def test_invalid_project_locale(project: str, part: str) -> None:
    ctx = Context(files=[], project=_project(project), bag=DiagnosticBag())
    languages.check(ctx)
    [diag] = ctx.bag.items
    assert diag.code == "WA704" and part in diag.message


def test_zone_did_you_mean() -> None:
    ctx = Context(files=[], project=ast.Project(timezone="Asia/Ho_Chi_Mihn"), bag=DiagnosticBag())
    languages.check(ctx)
    [diag] = ctx.bag.items
    assert diag.hint == "did you mean `Asia/Ho_Chi_Minh`?"


def test_valid_project_is_clean() -> None:
    project = ast.Project(language="en", languages=["vi", "zh-Hant"], timezone="Europe/Paris")
    ctx = Context(files=[], project=project, bag=DiagnosticBag())
    languages.check(ctx)
    assert list(ctx.bag) == []


def _project(text: str) -> ast.Project:
    key, _, value = text.strip().partition(": ")
    if value.startswith("["):
        return ast.Project(**{key: [v.strip() for v in value.strip("[]").split(",")]})
    return ast.Project(**{key: value})
