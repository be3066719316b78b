"""`wactl serve [PATHS]`: the service WhatsApp calls, for the shop of `wactl.yaml`.

The flows and agents at PATHS are compiled as `wactl compile` does (errors exit 1); the
configuration comes from the environment (and `--config FILE`), checked at start: every
missing or malformed variable is named at once and the exit code is 2.  Without
`DATABASE_URL` it runs on the in-memory stores, with a warning that nothing is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from wactl.cli._common import compile_or_exit, echo, finish
from wactl.cli.exit_codes import ExitCode
from wactl.compiler.ir import Program
from wactl.service.app import build_service, serve
from wactl.service.config import ConfigProblems, ServiceConfig, load_config


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Folders and files of flows and agents (default: the project).",
        show_default=False, metavar="PATHS...")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="A YAML file of settings; the environment wins over it.")] = None,
) -> None:
    """Serve the flows: WhatsApp's webhook in, replies out."""
    try:
        settings = load_config(os.environ, config)
    except ConfigProblems as problems:
        echo(f"error: {problems}", err=True)
        finish(ExitCode.USAGE)
    compiled = compile_or_exit(paths)
    program = compiled.result.program
    if program is None:
        finish(ExitCode.INVALID)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(_main(settings, program))


async def _main(settings: ServiceConfig, program: Program) -> None:
    service = await build_service(settings, program)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(service, settings.host, settings.port, stop)
