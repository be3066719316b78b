"""The `wactl` command line: one module per command, imported only when that command runs.

`wactl validate` runs on every commit in CI and in editors, so start-up time matters:
this module imports nothing of weight; the typer application (`typer_app`) is imported
only when typer parses the arguments, and its group loads a command's module (and
through it the compiler, rich, ...) only when asked for it.
Anything unexpected inside a command becomes a WA901 diagnostic and exit code 3,
never a traceback (set WACTL_DEBUG=1 to see it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wactl.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from wactl.cli.typer_app import PASSTHROUGH as PASSTHROUGH
    from wactl.cli.typer_app import LazyGroup as LazyGroup
    from wactl.cli.typer_app import app as app

COMMANDS = {
    "validate": "wactl.cli.validate",
    "compile": "wactl.cli.compile",
    "graph": "wactl.cli.graph",
    "fmt": "wactl.cli.fmt",
    "schema": "wactl.cli.schema",
    "diff": "wactl.cli.diff",
    "simulate": "wactl.cli.commands.simulate",
    "test": "wactl.cli.commands.test",
    "db": "wactl.cli.commands.db",
    "serve": "wactl.cli.commands.serve",
    "shops": "wactl.cli.commands.shops",
    "keys": "wactl.cli.commands.keys",
    "deploy": "wactl.cli.commands.deploy",
    "rollback": "wactl.cli.commands.rollback",
    "status": "wactl.cli.commands.status",
    "stats": "wactl.cli.commands.stats",
}
"""Command name -> module; each module defines `command`, a typer-annotated function."""

BASE_PASSTHROUGH = (SystemExit, KeyboardInterrupt, EOFError)
"""What is never a wactl bug, typer or not (`typer_app.PASSTHROUGH` adds typer's own)."""


def report_internal_error(exc: BaseException) -> None:
    """Print WA901 for an unexpected exception (no traceback unless WACTL_DEBUG=1)."""
    from wactl.cli._common import echo
    from wactl.cli.render import render_text
    from wactl.diagnostics import CODES, NO_SPAN, Diagnostic

    message = f"internal error: {type(exc).__name__}: {exc}".rstrip(": ")
    diag = Diagnostic("WA901", CODES["WA901"].severity, message, NO_SPAN,
                      "this is a wactl bug, please report it with the command you ran; "
                      "WACTL_DEBUG=1 shows the traceback")
    echo(render_text([diag], {}), err=True)


def main() -> None:
    """The `wactl` console script; the last line of defence against tracebacks.

    A plain `wactl validate` is run without typer (see `wactl.cli.quick`); everything
    else goes through the typer application."""
    from wactl.cli import quick

    plain = quick.plain_validate(sys.argv[1:])
    if plain is not None:
        _guarded(lambda: quick.run(plain), BASE_PASSTHROUGH)
        return
    from wactl.cli.typer_app import PASSTHROUGH, app

    _guarded(app, PASSTHROUGH)


def _guarded(run: Callable[[], object], passthrough: tuple[type[BaseException], ...]) -> None:
    try:
        run()
    except passthrough:
        raise
    except Exception as exc:
        if os.environ.get("WACTL_DEBUG") == "1":
            raise
        report_internal_error(exc)
        sys.exit(ExitCode.INTERNAL)


def __getattr__(name: str) -> Any:
    """`app`, `LazyGroup` and `PASSTHROUGH` come from `wactl.cli.typer_app`, imported (with
    typer) on first use."""
    if name in ("app", "LazyGroup", "PASSTHROUGH"):
        from wactl.cli import typer_app as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ExitCode", "app", "main"]
