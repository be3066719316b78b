"""`wactl diff OLD NEW`: what a change does to the step graphs, for review and for deploy.

Each side is a directory (compiled here), a compiled `bundle.json`, or a git revision
of the repository at the working directory (its files under the working directory are
read with `git show`, never checked out).  Both sides must compile: a diff against a
broken side would be a guess.
"""

from __future__ import annotations

import os
import subprocess
from enum import StrEnum
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated

import typer

from wactl.cli import sources as src
from wactl.cli._common import echo, finish, print_diagnostics
from wactl.cli.exit_codes import ExitCode
from wactl.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from wactl.compiler.ir import Program


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


def _git(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], capture_output=True, check=False)


def is_revision(spec: str) -> bool:
    """True when `spec` names a commit of the repository at the working directory."""
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"]).returncode == 0
    except OSError:  # git is not installed
        return False


def _wanted(path: str) -> bool:
    parts = PurePosixPath(path).parts
    hidden = any(p.startswith(".") or p in src.SKIP_DIRS for p in parts)
    return not hidden and path.endswith((".yaml", ".yml", ".flow"))


def sources_at_revision(rev: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """The source files under the working directory as they were at `rev`."""
    from wactl.dsl import decode_source

    listing = _git(["ls-tree", "-r", "-z", "--name-only", rev]).stdout.decode("utf-8")
    sources: dict[str, str] = {}
    diags: list[Diagnostic] = []
    for path in sorted(p for p in listing.split("\0") if p and _wanted(p)):
        text = decode_source(path, _git(["show", f"{rev}:./{path}"]).stdout)
        if isinstance(text, Diagnostic):
            diags.append(text)
        else:
            sources[path] = text
    return sources, diags


def compile_sources(sources: dict[str, str], read_diags: list[Diagnostic],
                    side: str) -> Program:
    """Compile one side, or print its errors and exit 1."""
    from wactl.compiler import compile_project

    result = compile_project(sources)
    diags = [*read_diags, *result.diagnostics]
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if errors or result.program is None:
        print_diagnostics(errors, sources)
        echo(f"error: `{side}` does not compile; fix it before diffing\n", err=True)
        finish(ExitCode.INVALID)
    return result.program


def load_bundle(path: str) -> Program:
    """A compiled bundle.json, or a usage error when it is not one."""
    from pydantic import ValidationError

    from wactl.compiler.ir import Program

    try:
        with open(path, "rb") as fh:
            return Program.from_json(fh.read())
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        echo(f"error: `{path}` is not a wactl bundle: {first}\n", err=True)
        finish(ExitCode.USAGE)


def load_side(spec: str) -> Program:
    """A directory, a bundle file, or a git revision -> its compiled program."""
    if os.path.isdir(spec):
        return compile_sources(*src.read_sources([spec]), side=spec)
    if os.path.isfile(spec):
        if spec.endswith(".json"):
            return load_bundle(spec)
        return compile_sources(*src.read_sources([spec]), side=spec)
    if is_revision(spec):
        return compile_sources(*sources_at_revision(spec), side=spec)
    print_diagnostics(src.missing_paths([spec]), {})
    echo(f"error: `{spec}` is not a directory, a bundle or a git revision\n", err=True)
    finish(ExitCode.USAGE)


def command(
    old: Annotated[str, typer.Argument(help="Before: a directory, a bundle.json or a git rev.")],
    new: Annotated[str, typer.Argument(help="After: a directory, a bundle.json or a git rev.")],
    fmt: Annotated[DiffFormat, typer.Option(
        "--format", "-f", help="Plain text, or Markdown for a pull-request comment.")
    ] = DiffFormat.TEXT,
    exit_code: Annotated[bool, typer.Option(
        "--exit-code", help="Exit 1 when there are differences (like git diff).")] = False,
) -> None:
    """Show how flows, steps, edges and triggers differ between two versions."""
    from wactl.cli._diff_render import render_markdown, render_text
    from wactl.compiler.semdiff import diff_programs

    diff = diff_programs(load_side(old), load_side(new))
    echo(render_markdown(diff) if fmt is DiffFormat.MARKDOWN else render_text(diff))
    finish(ExitCode.INVALID if exit_code and not diff.empty else ExitCode.OK)
