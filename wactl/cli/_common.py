"""What several commands share: reading PATHS, compiling, printing diagnostics, exiting.

Commands stay thin (parse options, call these, return an exit code); the decisions
"which files", "is a missing path a usage error" and "is this output coloured" are
made here once, so every command answers them the same way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NoReturn

from wactl.cli import sources as src
from wactl.cli.exit_codes import ExitCode
from wactl.diagnostics import Diagnostic, DiagnosticBag

if TYPE_CHECKING:
    from wactl.cli.render import Summary
    from wactl.compiler import CompileResult


class OutputFormat(StrEnum):
    """`--format` of commands that print diagnostics."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


def use_color(stream: object = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream or sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def finish(code: ExitCode) -> NoReturn:
    """End the command with `code`, the process exit status.

    `SystemExit` rather than typer's `Exit`: this module is also used without typer
    (`wactl.cli.quick`), and typer lets `SystemExit` through unchanged.
    """
    raise SystemExit(int(code))


def echo(text: str, err: bool = False) -> None:
    """Print already-rendered text as is (colour was decided when rendering it)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text)
    stream.flush()


def print_diagnostics(diags: Sequence[Diagnostic], sources: dict[str, str],
                      err: bool = True) -> None:
    """Text diagnostics without a summary (for commands whose output is something else)."""
    from wactl.cli.render import render_text

    if diags:
        echo(render_text(diags, sources, color=use_color(sys.stderr if err else None)), err)


@dataclass
class Compiled:
    """The outcome of reading and compiling PATHS."""

    sources: dict[str, str]
    diagnostics: list[Diagnostic]
    result: CompileResult
    unreadable: int
    context: set[str]  # files read only to resolve names; not reported on
    added_project: str | None = None  # wactl.yaml, read for PATHS but not among them

    @property
    def has_errors(self) -> bool:
        return any(d.severity.value == "error" for d in self.diagnostics)

    @property
    def file_count(self) -> int:
        """The files PATHS named (wactl.yaml read only for them does not count)."""
        extra = 1 if self.added_project in self.sources else 0
        return len(self.sources) - len(self.context) - extra + self.unreadable


def summary_of(compiled: Compiled) -> Summary:
    """The counts of validate's last line for the files PATHS named."""
    from wactl.cli.render import Summary

    files = [f for f in compiled.result.files if f.path not in compiled.context]
    return Summary.of(compiled.diagnostics, compiled.file_count,
                      sum(len(f.flows) for f in files), sum(len(f.agents) for f in files))


def print_failure(compiled: Compiled) -> None:
    """The diagnostics and the summary line (`Found 2 errors in 1 file.`), on stderr: what
    every command prints when the project has errors, as `wactl validate` does."""
    from wactl.cli.render import render_text

    echo(render_text(compiled.diagnostics, compiled.sources, summary_of(compiled),
                     color=use_color(sys.stderr)), err=True)


def usage_error_for_missing(paths: Sequence[str]) -> list[Diagnostic]:
    """WA100 per missing path: calling a command on a path that is not there is a usage error."""
    return src.missing_paths(paths)


def read_and_compile(paths: Sequence[str] | None, *, lower: bool = True) -> Compiled:
    """Read PATHS (default: the project) within their project, compile, report on PATHS.

    `lower=False` only checks (no IR is built): what `validate` needs.

    The rest of the project around PATHS is read too (names, languages, templates), but
    diagnostics are kept only for the files PATHS name and for `wactl.yaml`.
    """
    from wactl.compiler import compile_project

    given = list(paths or [])
    sources, read_diags = src.read_sources(given or src.default_paths())
    project_file = src.project_of(given)
    asked = set(sources)
    context = src.add_project_context(sources, read_diags, project_file)
    added = next((k for k in sources if k not in asked and k not in context), None)
    result = compile_project(sources, lower=lower)
    shown = [d for d in result.diagnostics if d.span.file not in context]
    project = src.project_warnings(project_file, result.files)
    bag = DiagnosticBag([*read_diags, *shown, *project])
    return Compiled(sources, bag.sorted(), result, len(read_diags), context, added)


def compile_or_exit(paths: Sequence[str] | None) -> Compiled:
    """`read_and_compile`, exiting 2 on a missing path and 1 (with diagnostics) on errors."""
    missing = usage_error_for_missing(paths or [])
    if missing:
        print_diagnostics(missing, {})
        finish(ExitCode.USAGE)
    compiled = read_and_compile(paths)
    if compiled.has_errors:
        print_failure(compiled)
        finish(ExitCode.INVALID)
    return compiled


def write_output(text: str, output: str | None) -> None:
    """Write `text` to the file `output`, or to stdout when it is None or `-`."""
    if output is None or output == "-":
        echo(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        echo(f"error: cannot write `{output}`: {exc.strerror or exc}\n", err=True)
        finish(ExitCode.USAGE)
