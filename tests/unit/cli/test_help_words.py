"""`--help` speaks words, not Python types: `PATHS`, `[text|json|...]`, nothing after a flag."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from wactl.cli import COMMANDS, app


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_no_python_types(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|float|list\[str\])[^>]*>|\{\w+\}", result.output), \
        result.output


def test_help_names_the_choices_and_the_arguments() -> None:
    output = CliRunner().invoke(app, ["validate", "--help"], terminal_width=100).output
    assert "[text|json|github|sarif]" in output and "[PATHS]..." in output
    graph = CliRunner().invoke(app, ["graph", "--help"], terminal_width=100).output
    assert "FLOW [PATHS]..." in graph
