"""`wactl validate`: exit codes, every output format, project discovery, colour, internal errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import BILINGUAL, BROKEN, HELLO, PROJECT, WARN, run_wactl, write_files


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("WACTL_DEBUG", raising=False)
    return tmp_path


def test_valid_project_passes(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    result = run_wactl("validate", "flows")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "All checks passed: 1 file, 1 flow, 0 agents."


def test_errors_exit_1_with_code_location_snippet_and_summary(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO, "flows/broken.yaml": BROKEN})
    result = run_wactl("validate", "flows")
    assert result.exit_code == 1
    out = result.output
    assert "error[WA103]: unknown key `sendd`" in out
    assert " --> flows/broken.yaml:8:5\n" in out
    assert "8 |     sendd: \"x\"\n" in out and "  |     ^^^^^\n" in out
    assert "= hint: did you mean `send`?" in out
    assert out.rstrip().endswith("in 2 files.")
    assert re.search(r"Found \d+ errors? in 2 files\.", out)


def test_warnings_pass_unless_strict(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/warn.yaml": WARN})
    relaxed = run_wactl("validate", "flows")
    assert relaxed.exit_code == 0
    assert "warning[WA301]" in relaxed.output and "flows/warn.yaml:8:5" in relaxed.output
    assert "Found 1 warning in 1 file." in relaxed.output
    assert run_wactl("validate", "--strict", "flows").exit_code == 1


def test_missing_path_is_a_usage_error_with_wa100(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    result = run_wactl("validate", "flows/nothere.yaml")
    assert result.exit_code == 2
    assert "error[WA100]: path `flows/nothere.yaml` does not exist" in result.output
    as_json = run_wactl("validate", "--format", "json", "flow")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["diagnostics"][0]["code"] == "WA100"


def test_bad_option_is_a_usage_error(in_tmp: Path) -> None:
    assert run_wactl("validate", "--format", "xml").exit_code == 2
    assert run_wactl("frobnicate").exit_code == 2


def test_json_format(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO, "flows/broken.yaml": BROKEN})
    result = run_wactl("validate", "--format", "json", "flows")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    found = {(d["code"], d["file"], d["line"], d["col"]) for d in body["diagnostics"]}
    assert ("WA103", "flows/broken.yaml", 8, 5) in found
    assert body["summary"]["files"] == 2 and body["summary"]["ok"] is False


def test_github_format(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    result = run_wactl("validate", "--format", "github", "flows")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,endLine=\d+,"
                         r"endColumn=\d+,title=WA\d{3}::.+$")
    assert lines and all(pattern.match(line) for line in lines), lines
    assert any(line.startswith("::error file=flows/broken.yaml,line=8,col=5,") and
               "title=WA103::" in line and "%0Ahint: did you mean `send`?" in line
               for line in lines)


def test_sarif_format(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN, "flows/warn.yaml": WARN})
    result = run_wactl("validate", "--format", "sarif", "flows")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert res["ruleId"] in rule_ids and rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note"}
        loc = res["locations"][0]["physicalLocation"]
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    hits = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]}
    assert ("WA103", "flows/broken.yaml", 8) in hits and ("WA301", "flows/warn.yaml", 8) in hits


def test_default_paths_come_from_the_nearest_project(in_tmp: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(in_tmp, {"wactl.yaml": PROJECT, "flows/hello.yaml": HELLO,
                         "elsewhere/broken.yaml": BROKEN})
    (in_tmp / "flows" / "sub").mkdir()
    monkeypatch.chdir(in_tmp / "flows" / "sub")
    result = run_wactl("validate")
    assert result.exit_code == 0, result.output
    assert "All checks passed: 2 files, 1 flow" in result.output


def test_without_a_project_the_default_is_the_working_directory(in_tmp: Path) -> None:
    write_files(in_tmp, {"a/hello.yaml": HELLO, "b/broken.yaml": BROKEN})
    result = run_wactl("validate")
    assert result.exit_code == 1 and "b/broken.yaml:8:5" in result.output


def test_the_project_file_is_read_even_outside_paths(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/bilingual.yaml": BILINGUAL})
    alone = run_wactl("validate", "flows/bilingual.yaml")
    assert "WA702" in alone.output
    write_files(in_tmp, {"wactl.yaml": PROJECT})
    with_project = run_wactl("validate", "flows/bilingual.yaml")
    assert with_project.exit_code == 0 and "WA702" not in with_project.output
    assert "1 file," in with_project.output  # wactl.yaml is read for it, not counted as asked


def test_plain_output_without_a_terminal_and_colour_when_forced(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    assert "\x1b[" not in run_wactl("validate", "flows").output
    coloured = run_wactl("validate", "flows", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.output
    no_color = run_wactl("validate", "flows", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in no_color.output


def test_internal_error_is_wa901_and_exit_3_without_traceback(
        in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wactl.compiler

    def explode(sources: object, **options: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(wactl.compiler, "compile_project", explode)
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    result = run_wactl("validate", "flows")
    assert result.exit_code == 3
    assert "error[WA901]: internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output
    debug = run_wactl("validate", "flows", env={"WACTL_DEBUG": "1"})
    assert isinstance(debug.exception, RuntimeError)


def test_version() -> None:
    result = run_wactl("--version")
    assert result.exit_code == 0 and result.output.startswith("wactl ")
