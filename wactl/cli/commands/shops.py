"""`wactl shops create SHOP [--name N]` / `wactl shops list`: the service's shops.

An operator's command, on the database at `DATABASE_URL` (migrated first, so a new
deployment needs no separate step).  Creating a shop that exists changes nothing and
exits 1.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
import typer

from wactl.cli.commands._database import DatabaseUrl, run_on_database, usage
from wactl.cli.exit_codes import ExitCode

ACTIONS = ("create", "list")


def command(
    action: Annotated[str, typer.Argument(help="create: add a shop; list: every shop.")],
    shop: Annotated[str | None, typer.Argument(help="The shop id (create).")] = None,
    name: Annotated[str, typer.Option("--name", help="The shop's display name.")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """The service's shops: create one, or list them."""
    if action not in ACTIONS:
        usage(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    if action == "create" and not shop:
        usage("`wactl shops create` needs the shop id")

    async def work(pool: asyncpg.Pool) -> tuple[list[str], ExitCode]:
        from wactl.service.postgres import migrate
        from wactl.service.postgres.management import Management

        await migrate(pool)
        shops = Management(pool)
        if action == "list":
            return [f"{s.shop_id}\t{s.name}\t{s.created_at:%Y-%m-%d}"
                    for s in await shops.shops()], ExitCode.OK
        assert shop is not None
        try:
            made = await shops.create_shop(shop, name)
        except ValueError as error:
            return [f"error: {error}"], ExitCode.USAGE
        if not made:
            return [f"error: shop {shop} exists"], ExitCode.INVALID
        return [f"created shop {shop}"], ExitCode.OK

    run_on_database(database_url, work)
