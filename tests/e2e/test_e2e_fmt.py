"""`wactl fmt`: --check, in-place formatting, YAML <-> .flow conversion, refusing broken files."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import BROKEN, HELLO, run_wactl, write_files

AGENT = "agent: helper\nmodel: gpt-4o-mini\nprompt: You help.\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, {"flows/hello.yaml": HELLO})
    return tmp_path


def bundle() -> str:
    result = run_wactl("compile", "flows")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_check_lists_files_and_changes_nothing(in_tmp: Path) -> None:
    before = (in_tmp / "flows/hello.yaml").read_text(encoding="utf-8")
    result = run_wactl("fmt", "--check", "flows")
    assert result.exit_code == 1
    assert "Would reformat: flows/hello.yaml" in result.output
    assert (in_tmp / "flows/hello.yaml").read_text(encoding="utf-8") == before


def test_fmt_then_check_is_clean_and_meaning_is_kept(in_tmp: Path) -> None:
    compiled = bundle()
    result = run_wactl("fmt", "flows")
    assert result.exit_code == 0, result.output
    assert "Reformatted: flows/hello.yaml" in result.output
    again = run_wactl("fmt", "--check", "flows")
    assert again.exit_code == 0, again.output
    assert "0 files would be changed, 1 already formatted." in again.output
    assert bundle() == compiled


def test_to_flow_and_back_to_yaml(in_tmp: Path) -> None:
    compiled = bundle()
    result = run_wactl("fmt", "--to", "flow", "flows")
    assert result.exit_code == 0, result.output
    assert "Converted: flows/hello.yaml -> flows/hello.flow" in result.output
    assert not (in_tmp / "flows/hello.yaml").exists()
    assert (in_tmp / "flows/hello.flow").read_text(encoding="utf-8").startswith("flow hello")
    assert bundle() == compiled
    back = run_wactl("fmt", "--to", "yaml", "flows")
    assert back.exit_code == 0, back.output
    assert not (in_tmp / "flows/hello.flow").exists()
    assert (in_tmp / "flows/hello.yaml").exists()
    assert bundle() == compiled


def test_to_flow_check_changes_nothing(in_tmp: Path) -> None:
    result = run_wactl("fmt", "--check", "--to", "flow", "flows")
    assert result.exit_code == 1
    assert "Would convert: flows/hello.yaml -> flows/hello.flow" in result.output
    assert (in_tmp / "flows/hello.yaml").exists() and not (in_tmp / "flows/hello.flow").exists()


def test_agents_stay_yaml(in_tmp: Path) -> None:
    write_files(in_tmp, {"agents/helper.yaml": AGENT})
    result = run_wactl("fmt", "--to", "flow", "agents")
    assert result.exit_code == 0, result.output
    assert (in_tmp / "agents/helper.yaml").exists()
    assert not (in_tmp / "agents/helper.flow").exists()


def test_a_file_with_errors_is_refused_and_left_alone(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    result = run_wactl("fmt", "flows")
    assert result.exit_code == 1
    assert "error[WA103]" in result.output and "flows/broken.yaml:8:5" in result.output
    assert "flows/broken.yaml not formatted" in result.output
    assert (in_tmp / "flows/broken.yaml").read_text(encoding="utf-8") == BROKEN
    assert "Reformatted: flows/hello.yaml" in result.output


def test_conversion_never_overwrites_an_existing_file(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/hello.flow": "# someone else's file\n"})
    result = run_wactl("fmt", "--to", "flow", "flows/hello.yaml")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (in_tmp / "flows/hello.flow").read_text(encoding="utf-8") == "# someone else's file\n"


def test_missing_path_is_a_usage_error() -> None:
    assert run_wactl("fmt", "nothere").exit_code == 2
