"""The lazy command group: every command is listed, loaded on demand, and guarded."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from wactl.cli import COMMANDS, ExitCode, app, main


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["validat"])
    assert result.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(("argv", "target"), [
    (["compile"], "wactl.cli.typer_app.app"),
    (["validate", "x.yaml"], "wactl.cli.validation.run"),  # the quick path (no typer)
])
def test_main_turns_a_stray_exception_into_exit_3(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: list[str], target: str) -> None:
    def explode(*args: object) -> None:
        raise ValueError("outside any command")

    monkeypatch.delenv("WACTL_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["wactl", *argv])
    monkeypatch.setattr(target, explode)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "error[WA901]: internal error: ValueError: outside any command" in err
    assert "Traceback" not in err


def test_exit_codes_are_stable() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3]
