"""`compile_project`: all checks on all files, program only without errors, WA901 on bugs."""

from __future__ import annotations

import textwrap

import pytest

import wactl.dsl
from wactl.compiler import checks, compile_files, compile_project
from wactl.compiler.context import Context
from wactl.diagnostics import Severity
from wactl.dsl import ast

GOOD = textwrap.dedent("""
    flow: good
    trigger: {keyword: hi}
    steps:
      - id: hello
        send: "Hello"
    """)
BAD = textwrap.dedent("""
    flow: bad
    steps:
      - id: a
        goto: nowhere
    """)


def test_valid_project_gives_a_program_and_no_diagnostics() -> None:
    result = compile_project({"flows/good.yaml": GOOD})
    assert result.ok and result.diagnostics == []
    assert result.program is not None and [f.id for f in result.program.flows] == ["good"]
    assert [f.path for f in result.files] == ["flows/good.yaml"]


def test_errors_mean_no_program_but_every_file_is_checked() -> None:
    other_bad = BAD.replace("flow: bad", "flow: bad2")
    result = compile_project({"flows/b.yaml": BAD, "flows/good.yaml": GOOD,
                              "flows/c.yaml": other_bad})
    assert result.program is None and not result.ok
    assert [d.span.file for d in result.diagnostics if d.code == "WA203"] == [
        "flows/b.yaml", "flows/c.yaml"]


def test_warnings_still_give_a_program() -> None:
    text = GOOD.replace('send: "Hello"', 'end: "Hello"') + "  - id: unused\n    send: x\n"
    result = compile_project({"flows/good.yaml": text})
    assert result.codes == ["WA301"] and result.ok and result.program is not None


def test_diagnostics_come_sorted_by_file_and_position() -> None:
    result = compile_project({"z.yaml": BAD, "a.yaml": BAD.replace("bad", "bad2")})
    keys = [d.sort_key() for d in result.diagnostics]
    assert keys == sorted(keys)


def test_a_crashing_check_becomes_wa901_and_the_other_checks_still_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(ctx: Context) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(checks, "CHECKS", (explode, *checks.CHECKS))
    result = compile_project({"flows/b.yaml": BAD})
    [internal] = [d for d in result.diagnostics if d.code == "WA901"]
    assert "boom" in internal.message and "wactl bug" in internal.message
    assert internal.severity is Severity.ERROR
    assert "WA203" in result.codes
    assert result.program is None


def test_a_crashing_loader_becomes_wa901(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(path: str, text: str) -> tuple[ast.SourceFile | None, list[object]]:
        raise ValueError("loader bug")

    monkeypatch.setattr(wactl.dsl, "load_source", explode)
    result = compile_project({"flows/good.yaml": GOOD})
    assert result.codes == ["WA901"] and result.diagnostics[0].span.file == "flows/good.yaml"


def test_empty_project_compiles_to_an_empty_program() -> None:
    result = compile_project({})
    assert result.program is not None and result.program.flows == []


def test_compile_files_takes_asts_directly() -> None:
    flow = ast.Flow(id="f", steps=[ast.GotoStep(id="g", goto="h")])
    result = compile_files([ast.SourceFile(path="x.yaml", spelling="yaml", flows=[flow])])
    assert result.codes == ["WA203"]
