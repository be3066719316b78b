"""`wactl validate` read without typer gives what typer's parsing gives, or declines."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wactl.cli import app, main, quick
from wactl.cli._common import OutputFormat

FILES = {
    "wactl.yaml": "shop: s\nlanguages: [en]\n",
    "flows/good.yaml": "flow: good\ntrigger: {keyword: hi}\nsteps:\n"
                       "  - id: s\n    send: {vi: chao, en: hi}\n",
    "flows/warn.yaml": "flow: warn\ntrigger: {keyword: yo}\nsteps:\n"
                       "  - id: s\n    send: {vi: chao, en: hi}\n    next: end\n"
                       "  - id: t\n    send: {vi: x, en: y}\n",
    "flows/bad.yaml": "flow: bad\nsteps:\n  - id: s\n    goto: nowhere\n",
}
TOKENS = ["--strict", "--format", "-f", "--format=json", "--format=sarif", "json", "github",
          "text", "bogus", "--help", "-x", "--", "flows/good.yaml", "flows/warn.yaml",
          "flows/bad.yaml", "flows", "missing.yaml"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quick")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def through_main(argv: list[str], capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["wactl", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def through_typer(argv: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, argv)
    return result.exit_code, result.stdout, result.stderr


def test_the_choices_are_the_commands_choices() -> None:
    assert quick.FORMATS == tuple(f.value for f in OutputFormat)


@pytest.mark.parametrize(("argv", "plain"), [
    (["validate"], quick.Plain([])),
    (["validate", "a.yaml", "--strict", "-f", "json", "b"],
     quick.Plain(["a.yaml", "b"], "json", True)),
    (["validate", "--format=sarif", "--format", "github"], quick.Plain([], "github")),
    (["validate", "--help"], None), (["validate", "-f"], None), (["validate", "-f", "X"], None),
    (["validate", "--", "a"], None), (["validate", "-fjson"], None), (["compile", "a"], None),
    ([], None),
])
def test_plain_forms_are_read_and_others_declined(argv: list[str],
                                                  plain: quick.Plain | None) -> None:
    assert quick.plain_validate(argv) == plain


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=5))
def test_a_plain_call_gives_what_typer_gives(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str]) -> None:
    argv = ["validate", *args]
    monkeypatch.chdir(project)
    if quick.plain_validate(argv) is None:
        return  # typer parses it, as without the quick path
    monkeypatch.setenv("NO_COLOR", "1")
    assert through_main(argv, capsys, monkeypatch) == through_typer(argv)


def test_every_outcome_is_reached(project: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick path's exit codes cover ok, invalid (errors, strict warnings) and usage."""
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")
    cases = {("flows/good.yaml",): 0, ("flows/bad.yaml",): 1,
             ("--strict", "flows/warn.yaml"): 1, ("flows/warn.yaml",): 0, ("missing.yaml",): 2}
    for args, code in cases.items():
        argv = ["validate", *args]
        got = through_main(argv, capsys, monkeypatch)
        assert got[0] == code, got
        assert got == through_typer(argv)
