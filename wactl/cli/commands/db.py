"""`wactl db migrate` / `wactl db status`: the service's PostgreSQL schema.

`migrate` applies the SQL migrations shipped in the package that the database at
`DATABASE_URL` has not had yet (idempotent; two replicas running it at once apply each
migration once: see `wactl.service.postgres.migrate`).  `status` lists what is applied
and what is pending, and exits 1 while anything is pending (a deploy can gate on it).
Without `DATABASE_URL` (or `--database-url`) it exits 2; an unreachable database exits 1
with the reason, the password never printed.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
import typer

from wactl.cli.commands._database import DatabaseUrl, run_on_database, usage
from wactl.cli.exit_codes import ExitCode

ACTIONS = ("migrate", "status")


def command(
    action: Annotated[str, typer.Argument(help="migrate: apply pending migrations; "
                                                "status: list applied and pending ones.")],
    database_url: DatabaseUrl = None,
) -> None:
    """The service's PostgreSQL schema: apply or list the shipped migrations."""
    if action not in ACTIONS:
        usage(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")

    async def work(pool: asyncpg.Pool) -> tuple[list[str], ExitCode]:
        from wactl.service.postgres import migrate, pending
        from wactl.service.postgres.migrate import applied

        if action == "migrate":
            done = await migrate(pool)
            return ([f"applied {name}" for name in done] or ["schema is current"]), ExitCode.OK
        waiting = await pending(pool)
        lines = [f"applied {name}" for name in await applied(pool)]
        lines += [f"pending {name}" for name in waiting]
        return lines, ExitCode.INVALID if waiting else ExitCode.OK

    run_on_database(database_url, work)
