"""What `wactl validate` does once its arguments are read: check, report, exit.

Kept apart from the typer command (`validate.py`) so that `wactl.cli.quick` runs it
without importing typer.
"""

from __future__ import annotations

from typing import NoReturn

from wactl.cli._common import (
    Compiled,
    OutputFormat,
    echo,
    finish,
    print_diagnostics,
    read_and_compile,
    summary_of,
    usage_error_for_missing,
    use_color,
)
from wactl.cli.exit_codes import ExitCode
from wactl.diagnostics import Diagnostic


def render(compiled: Compiled, fmt: OutputFormat, strict: bool) -> str:
    """The whole report in the chosen format."""
    from wactl.cli import render as r

    diags = compiled.diagnostics
    summary = summary_of(compiled)
    if fmt is OutputFormat.JSON:
        return r.render_json(diags, summary, strict)
    if fmt is OutputFormat.GITHUB:
        return r.render_github(diags)
    if fmt is OutputFormat.SARIF:
        return r.render_sarif(diags)
    return r.render_text(diags, compiled.sources, summary, color=use_color())


def exit_code(compiled: Compiled, strict: bool) -> ExitCode:
    """1 when errors were found, or warnings under --strict; else 0."""
    severities = {d.severity.value for d in compiled.diagnostics}
    failed = "error" in severities or (strict and "warning" in severities)
    return ExitCode.INVALID if failed else ExitCode.OK


def run(paths: list[str] | None, fmt: OutputFormat, strict: bool) -> NoReturn:
    """The command's work; `wactl.cli.quick` calls it without typer for plain arguments."""
    missing = usage_error_for_missing(paths or [])
    if missing:
        if fmt is OutputFormat.TEXT:
            print_diagnostics(missing, {})
        else:
            echo(render(_empty_with(missing), fmt, strict))
        finish(ExitCode.USAGE)
    compiled = read_and_compile(paths, lower=False)
    echo(render(compiled, fmt, strict))
    finish(exit_code(compiled, strict))


def _empty_with(diags: list[Diagnostic]) -> Compiled:
    """A report holding only `diags` (for a usage error in a machine-readable format)."""
    from wactl.compiler import compile_project

    return Compiled({}, diags, compile_project({}, lower=False), 0, set())
