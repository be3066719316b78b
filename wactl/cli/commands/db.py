"""`wactl db migrate` / `wactl db status`: the service's PostgreSQL schema.

`migrate` applies the SQL migrations shipped in the package that the database at
`DATABASE_URL` has not had yet (idempotent; two replicas running it at once apply each
migration once: see `wactl.service.postgres.migrate`).  `status` lists what is applied
and what is pending, and exits 1 while anything is pending (a deploy can gate on it).
Without `DATABASE_URL` (or `--database-url`) it exits 2; an unreachable database exits 1
with the reason, the password never printed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlsplit

import asyncpg
import typer

from wactl.cli._common import finish
from wactl.cli.exit_codes import ExitCode

ACTIONS = ("migrate", "status")


def command(
    action: Annotated[str, typer.Argument(help="migrate: apply pending migrations; "
                                                "status: list applied and pending ones.")],
    database_url: Annotated[str | None, typer.Option(
        "--database-url", envvar="DATABASE_URL", show_envvar=True,
        help="PostgreSQL URL (default: $DATABASE_URL).")] = None,
) -> None:
    """The service's PostgreSQL schema: apply or list the shipped migrations."""
    if action not in ACTIONS:
        typer.echo(f"error: unknown action {action!r}: use one of {', '.join(ACTIONS)}",
                   err=True)
        finish(ExitCode.USAGE)
    if not database_url:
        typer.echo("error: no database: set DATABASE_URL or pass --database-url", err=True)
        finish(ExitCode.USAGE)
    try:
        lines, code = asyncio.run(_run(action, database_url))
    except OSError as error:  # refused, unreachable, timed out
        typer.echo(f"error: cannot reach PostgreSQL at {_where(database_url)}: {error}",
                   err=True)
        finish(ExitCode.INVALID)
    except asyncpg.PostgresError as error:  # a wrong password, no such database, ...
        typer.echo(f"error: PostgreSQL at {_where(database_url)}: {error}", err=True)
        finish(ExitCode.INVALID)
    for line in lines:
        typer.echo(line)
    finish(code)


async def _run(action: str, url: str) -> tuple[list[str], ExitCode]:
    from wactl.service.postgres import create_pool, migrate, pending
    from wactl.service.postgres.migrate import applied

    pool = await create_pool(url, max_size=2)
    try:
        if action == "migrate":
            done = await migrate(pool)
            return ([f"applied {name}" for name in done] or ["schema is current"]), ExitCode.OK
        waiting = await pending(pool)
        lines = [f"applied {name}" for name in await applied(pool)]
        lines += [f"pending {name}" for name in waiting]
        return lines, ExitCode.INVALID if waiting else ExitCode.OK
    finally:
        await pool.close()


def _where(url: str) -> str:
    """Host, port and database of `url`, without user or password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"
