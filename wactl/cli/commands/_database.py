"""Running an operator command against the service's PostgreSQL (`DATABASE_URL`).

No URL exits 2; an unreachable database or a refused login exits 1 with the reason,
the password never printed.  The work gets a small pool and its lines are printed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

import asyncpg
import typer

from wactl.cli._common import finish
from wactl.cli.exit_codes import ExitCode

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", envvar="DATABASE_URL", show_envvar=True,
    help="PostgreSQL URL (default: $DATABASE_URL).")]

Work = Callable[[asyncpg.Pool], Awaitable[tuple[list[str], ExitCode]]]


def run_on_database(url: str | None, work: Work) -> None:
    """Run `work` on a pool of `url`, print its lines, exit with its code."""
    if not url:
        typer.echo("error: no database: set DATABASE_URL or pass --database-url", err=True)
        finish(ExitCode.USAGE)
    try:
        lines, code = asyncio.run(_with_pool(url, work))
    except OSError as error:  # refused, unreachable, timed out
        typer.echo(f"error: cannot reach PostgreSQL at {where(url)}: {error}", err=True)
        finish(ExitCode.INVALID)
    except asyncpg.PostgresError as error:  # a wrong password, no such database, ...
        typer.echo(f"error: PostgreSQL at {where(url)}: {error}", err=True)
        finish(ExitCode.INVALID)
    for line in lines:
        typer.echo(line)
    finish(code)


async def _with_pool(url: str, work: Work) -> tuple[list[str], ExitCode]:
    from wactl.service.postgres import create_pool

    pool = await create_pool(url, max_size=2)
    try:
        return await work(pool)
    finally:
        await pool.close()


def where(url: str) -> str:
    """Host, port and database of `url`, without user or password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"


def usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    finish(ExitCode.USAGE)
