"""`wactl simulate --script`: a line that is no command fails the run (exit 1)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wactl.cli import ExitCode, app

FLOWS = Path(__file__).resolve().parents[3] / "flows"


def run(script: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["simulate", str(FLOWS), "--script", str(script),
                                      "--lang", "en"],
                                env={"COLUMNS": "100", "OPENAI_API_KEY": ""})
    return result.exit_code, result.output


def test_an_unknown_command_in_a_script_exits_1(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("hi\n/vras\n", encoding="utf-8")
    code, out = run(script)
    assert code == ExitCode.INVALID, out
    assert "unknown command /vras" in out and "1 line that is no command" in out


def test_a_script_of_known_commands_exits_0(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("hi\n/vars\n", encoding="utf-8")
    code, out = run(script)
    assert code == ExitCode.OK, out
