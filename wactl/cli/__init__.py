"""The `wactl` command line: one module per command, imported only when that command runs.

`wactl validate` runs on every commit in CI and in editors, so start-up time matters:
this module imports typer and nothing else of weight, and the group below loads a
command's module (and through it the compiler, rich, ...) only when asked for it.
Anything unexpected inside a command becomes a WA901 diagnostic and exit code 3,
never a traceback (set WACTL_DEBUG=1 to see it).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from wactl import __version__
from wactl.cli.exit_codes import ExitCode

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

PASSTHROUGH = (typer.Exit, typer.Abort, typer.TyperException, SystemExit, KeyboardInterrupt,
               EOFError)
"""Exceptions that are the CLI framework's own control flow, not wactl bugs."""


def _load_command(name: str) -> Any:
    """Build the click command of `name` from its module (imported here, on first use)."""
    module = importlib.import_module(COMMANDS[name])
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name=name)(module.command)
    from wactl.cli._help import in_words

    return in_words(typer.main.get_command(single))


def report_internal_error(exc: BaseException) -> None:
    """Print WA901 for an unexpected exception (no traceback unless WACTL_DEBUG=1)."""
    from wactl.cli.render import render_text
    from wactl.diagnostics import CODES, NO_SPAN, Diagnostic

    message = f"internal error: {type(exc).__name__}: {exc}".rstrip(": ")
    diag = Diagnostic("WA901", CODES["WA901"].severity, message, NO_SPAN,
                      "this is a wactl bug, please report it with the command you ran; "
                      "WACTL_DEBUG=1 shows the traceback")
    typer.echo(render_text([diag], {}), err=True, nl=False)


class LazyGroup(TyperGroup):
    """A group that imports each command's module on demand and guards every command."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = _load_command(cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PASSTHROUGH:
            raise
        except Exception as exc:
            if os.environ.get("WACTL_DEBUG") == "1":
                raise
            report_internal_error(exc)
            raise typer.Exit(ExitCode.INTERNAL) from None


app = typer.Typer(
    name="wactl",
    cls=LazyGroup,
    help="WhatsApp automation as code: validate, compile, format and diff flows.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"wactl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """WhatsApp automation as code: validate, compile, format and diff flows."""


def main() -> None:
    """The `wactl` console script; the last line of defence against tracebacks.

    A plain `wactl validate` skips typer's parsing (see `wactl.cli.quick`)."""
    from wactl.cli import quick

    try:
        plain = quick.plain_validate(sys.argv[1:])
        if plain is not None:
            sys.exit(quick.run(plain))
        app()
    except PASSTHROUGH:
        raise
    except Exception as exc:
        if os.environ.get("WACTL_DEBUG") == "1":
            raise
        report_internal_error(exc)
        sys.exit(ExitCode.INTERNAL)


__all__ = ["ExitCode", "app", "main"]
