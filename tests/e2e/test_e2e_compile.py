"""`wactl compile`: the bundle on stdout or in a file; nothing written on errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import BROKEN, HELLO, WARN, run_wactl, write_files

from wactl.compiler import Program


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_compile_to_stdout_is_the_ir(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    result = run_wactl("compile", "flows")
    assert result.exit_code == 0, result.output
    program = Program.from_json(result.stdout)
    assert [f.id for f in program.flows] == ["hello"]
    assert json.loads(result.stdout)["schema_version"] == program.schema_version


def test_compile_to_file_is_deterministic(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    assert run_wactl("compile", "flows", "-o", "a.json").exit_code == 0
    assert run_wactl("compile", "flows", "--output", "b.json").exit_code == 0
    assert (in_tmp / "a.json").read_bytes() == (in_tmp / "b.json").read_bytes()
    assert Program.from_json((in_tmp / "a.json").read_text()).flow("hello") is not None


def test_warnings_still_compile_and_are_shown(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/warn.yaml": WARN})
    result = run_wactl("compile", "flows", "-o", "bundle.json")
    assert result.exit_code == 0
    assert "warning[WA301]" in result.output and (in_tmp / "bundle.json").exists()


def test_errors_exit_1_and_write_nothing(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    result = run_wactl("compile", "flows", "-o", "bundle.json")
    assert result.exit_code == 1
    assert "error[WA103]" in result.output and "flows/broken.yaml:8:5" in result.output
    assert not (in_tmp / "bundle.json").exists()


@pytest.mark.parametrize("command", ["compile", "test", "graph hello"])
def test_every_command_ends_its_errors_with_a_summary(in_tmp: Path, command: str) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    result = run_wactl(*command.split(), "flows")
    assert result.exit_code == 1
    assert result.output.rstrip().splitlines()[-1].startswith("Found 1 error"), result.output


def test_missing_path_is_a_usage_error(in_tmp: Path) -> None:
    result = run_wactl("compile", "nothere")
    assert result.exit_code == 2 and "WA100" in result.output


def test_unwritable_output_is_a_usage_error(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    (in_tmp / "out").mkdir()
    result = run_wactl("compile", "flows", "-o", "out")
    assert result.exit_code == 2 and "cannot write `out`" in result.output


def test_pretty_is_the_same_data_indented(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.yaml": HELLO})
    compact = run_wactl("compile", "flows")
    pretty = run_wactl("compile", "flows", "--pretty")
    assert compact.exit_code == 0 and pretty.exit_code == 0
    assert compact.stdout.count("\n") == 1 and "\n  " in pretty.stdout
    assert json.loads(pretty.stdout) == json.loads(compact.stdout)
