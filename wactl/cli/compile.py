"""`wactl compile`: the IR bundle (`bundle.json`) that `deploy` ships and `diff` compares.

The bundle is the canonical (compact) JSON that `deploy` hashes and compares, plus a
final newline; `--pretty` indents it for reading.  Only a project without errors
compiles; on errors the diagnostics are printed (as `validate` would) and nothing is
written, so a half-built bundle never reaches a shop.
"""

from __future__ import annotations

from typing import Annotated

import typer

from wactl.cli._common import compile_or_exit, finish, print_diagnostics, write_output
from wactl.cli.exit_codes import ExitCode


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files and folders to compile (default: the project).", show_default=False)] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write the bundle here (default: stdout).")] = None,
    pretty: Annotated[bool, typer.Option(
        "--pretty", help="Indent the JSON for people (same data, not the canonical bytes).")]
    = False,
) -> None:
    """Compile flows and agents into the JSON step-graph bundle."""
    compiled = compile_or_exit(paths)
    program = compiled.result.program
    if program is None:
        print_diagnostics(compiled.diagnostics, compiled.sources)
        finish(ExitCode.INVALID)
    print_diagnostics(compiled.diagnostics, compiled.sources)  # warnings, if any
    write_output(program.to_json(indent=2) if pretty else program.to_json() + "\n", output)
    finish(ExitCode.OK)
