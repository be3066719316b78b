"""`wactl validate`: check every flow, agent and test, and report all problems at once.

This is the command CI runs on every push, so it must be fast (only the dsl and the
compiler are imported; never the service's aiohttp/asyncpg/redis/openai) and its
output must suit both a person (text) and a machine (json, github, sarif).  The work
is in `validation`; this module is its typer face.
"""

from __future__ import annotations

from typing import Annotated

import typer

from wactl.cli._common import OutputFormat
from wactl.cli.validation import exit_code, render, run

__all__ = ["command", "exit_code", "render", "run"]


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files and folders to check (default: the project's paths, or `.`).",
        show_default=False)] = None,
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Output format.")] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Fail (exit 1) on warnings too.")] = False,
) -> None:
    """Check flows, agents and tests; report every problem with file:line:col."""
    run(paths, fmt, strict)
