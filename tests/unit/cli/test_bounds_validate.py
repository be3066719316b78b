"""Validation bombs through the CLI: big projects refused before reading, hole bombs one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from wactl.cli import app, sources
from wactl.dsl.expr import MAX_HOLES
from wactl.dsl.source import MAX_PROJECT_FILES, Limits


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows").mkdir()
    return tmp_path


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.output


def test_five_files_of_1_9_mib_are_refused_with_one_wa113(project: Path) -> None:
    big = "# " + "x" * (19 * 1024 * 1024 // 10) + "\n"
    for i in range(5):
        (project / "flows" / f"big{i}.yaml").write_text(big, encoding="utf-8")
    code, out = validate("flows")
    assert code == 1
    assert out.count("error[") == 1 and "error[WA113]" in out
    assert "flows/big4.yaml:1:1" in out
    assert len(out) < 1_000


def test_read_sources_reads_nothing_of_a_project_over_the_byte_limit(project: Path) -> None:
    for name in ("a", "b", "c"):
        (project / "flows" / f"{name}.yaml").write_text("x" * 40, encoding="utf-8")
    found, diags = sources.read_sources(["flows"], limits=Limits(project_bytes=100))
    assert found == {}
    assert [(d.code, d.span.file) for d in diags] == [("WA113", "flows/c.yaml")]


def test_read_sources_stops_walking_one_file_past_the_file_limit(project: Path) -> None:
    for i in range(10):
        (project / "flows" / f"f{i}.yaml").write_text("x", encoding="utf-8")
    found, diags = sources.read_sources(["flows", "missing"], limits=Limits(project_files=2))
    assert found == {}
    assert [(d.code, d.span.file) for d in diags] == [("WA100", "missing"),
                                                       ("WA113", "flows/f2.yaml")]


def test_within_the_limits_every_file_is_read(project: Path) -> None:
    for name in ("a", "b"):
        (project / "flows" / f"{name}.yaml").write_text("x" * 40, encoding="utf-8")
    found, diags = sources.read_sources(["flows"], limits=Limits(project_bytes=80,
                                                                 project_files=2))
    assert sorted(found) == ["flows/a.yaml", "flows/b.yaml"] and diags == []


def test_a_text_with_4000_holes_is_one_wa409_and_a_short_report(project: Path) -> None:
    text = "{{ customer.name }}" * 4_000
    (project / "flows" / "bomb.yaml").write_text(
        f'flow: bomb\ntrigger:\n  keyword: hi\nsteps:\n  - id: s\n    send: "{text}"\n',
        encoding="utf-8")
    code, out = validate("flows")
    assert code == 1
    assert out.count("error[WA409]") == 1  # (and a WA504: 76,000 characters is too long)
    assert f"template has 4,000 `{{{{ }}}}` holes; the limit is {MAX_HOLES}" in out
    assert len(out) < 2_000


def test_validating_one_file_of_a_project_too_large_reports_the_project(project: Path
                                                                         ) -> None:
    (project / "wactl.yaml").write_text("shop: demo\npaths:\n  flows: [flows]\n",
                                        encoding="utf-8")
    (project / "flows" / "a.yaml").write_text(
        "flow: a\ntrigger:\n  keyword: a\nsteps:\n  - id: s\n    send: hi\n", encoding="utf-8")
    for i in range(MAX_PROJECT_FILES):
        (project / "flows" / f"x{i:04d}.yaml").write_text("x", encoding="utf-8")
    code, out = validate("flows/a.yaml")
    assert code == 1 and out.count("error[WA113]") == 1
