"""The typer application: a group that imports each command's module when it runs.

`wactl/cli/__init__.py` holds the console script and imports this only when typer
parses the arguments (a plain `wactl validate` never does, see `wactl.cli.quick`).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import typer
from typer.core import TyperGroup

from wactl import __version__
from wactl.cli import COMMANDS, report_internal_error
from wactl.cli.exit_codes import ExitCode

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
