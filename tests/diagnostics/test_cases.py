"""The golden diagnostic cases: each code fires exactly where its case says, and not once fixed.

Also keeps the catalogue honest: every code in CODES has a case, each case's `code`
matches its directory, and docs/diagnostics.md is what the generator would write now.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from diag_cases import CASES_DIR, Case, case_dirs, describe, diagnose, load_case

from wactl.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]
NOT_CASED = {"WA901"}
"""Codes tested elsewhere: WA901 (internal error) by forcing a bug in test_internal_error below."""

CASES = case_dirs()


@pytest.mark.parametrize("case_dir", CASES, ids=[d.name for d in CASES])
def test_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = load_case(case_dir)
    monkeypatch.chdir(case_dir)
    diags, _ = diagnose(case.paths, case.max_bytes, case.project_bytes)
    hits = [d for d in diags if d.code == case.code]
    assert any(str(d.span) == case.at for d in hits), (
        f"{case.name}: expected {case.code} at {case.at}; got:\n{describe(diags)}")
    if case.has_fixed:
        fixed, _ = diagnose(case.fixed_paths(), case.max_bytes, case.project_bytes)
        assert case.code not in {d.code for d in fixed}, (
            f"{case.name}: fixed/ still has {case.code}:\n{describe(fixed)}")


@pytest.mark.parametrize("case_dir", CASES, ids=[d.name for d in CASES])
def test_case_code_matches_its_directory(case_dir: Path) -> None:
    case: Case = load_case(case_dir)
    assert case_dir.name.split("-", 1)[0] == case.code
    assert case.code in CODES, f"{case.name}: {case.code} is not in the CODES table"
    assert case.has_fixed or case.code in {"WA100", "WA107", "WA108"}, (
        f"{case.name}: only WA100/WA107/WA108 may omit fixed/")


def test_every_code_has_a_case() -> None:
    cased = {d.name.split("-", 1)[0] for d in case_dirs()}
    missing = sorted(set(CODES) - cased - NOT_CASED)
    assert not missing, f"codes without a case under {CASES_DIR}: {', '.join(missing)}"


def test_internal_error_is_wa901(monkeypatch: pytest.MonkeyPatch) -> None:
    from wactl.compiler import checks, compile_project

    def broken_check(ctx: object) -> None:
        raise ZeroDivisionError("forced")

    monkeypatch.setattr(checks, "CHECKS", (*checks.CHECKS, broken_check))
    result = compile_project({"flows/a.yaml": "flow: a\nsteps:\n  - id: s\n    send: hi\n"})
    assert "WA901" in result.codes
    assert result.program is None


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "gen_diagnostics_docs.py"
    spec = importlib.util.spec_from_file_location("gen_diagnostics_docs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_docs_are_up_to_date() -> None:
    generator = _generator()
    expected = generator.build_doc()
    current = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert current == expected, "docs/diagnostics.md is stale: run scripts/gen_diagnostics_docs.py"
