"""`wactl simulate --script`: a line that is no command fails the run (exit 1)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_runtime_warnings_are_shown_once_through_the_chat_view(tmp_path: Path) -> None:
    # A subprocess: under pytest the root logger has pytest's handler, which hides the
    # bare line Python's last-resort handler printed on stderr.
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "c.yaml").write_text(
        'flow: c\ntrigger: {keyword: go}\nsteps:\n  - id: lookup\n'
        '    call: "http://127.0.0.1:9/x"\n    on_error: sorry\n'
        '  - {id: sorry, send: "sorry"}\n', encoding="utf-8")
    script = tmp_path / "s.txt"
    script.write_text("go\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "wactl.cli", "simulate", str(flows),
                           "--script", str(script), "--live-http", "--allow-local-http"],
                          capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == ExitCode.OK, done.stderr
    assert "· warning call_failed at c.lookup" in done.stdout
    # stderr holds validate's WA803 (a call to this machine) and no runtime log line
    assert "warning[WA803]" in done.stderr and "call_failed" not in done.stderr
    assert "connection" not in done.stderr.replace("WA803", "")
