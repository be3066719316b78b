"""`wactl keys create SHOP` / `revoke KEY_ID` / `list SHOP`: the shops' API keys;
`wactl keys rotate`: every access token and flow secret re-encrypted under the current
encryption key (the last line of `WACTL_ENCRYPTION_KEY_FILE`), while the service runs.

A key is printed once, when created (only its hash is kept); give it to the shop's
tools through the environment (`WACTL_API_KEY`), never a command-line flag.  A revoked
key fails every request from then on.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
import typer

from wactl.cli.commands._database import DatabaseUrl, run_on_database, usage
from wactl.cli.exit_codes import ExitCode

ACTIONS = ("create", "revoke", "list", "rotate")


def command(
    action: Annotated[str, typer.Argument(help="create, revoke, list or rotate.")],
    target: Annotated[str, typer.Argument(
        help="The shop id (create, list) or key id (revoke).")] = "",
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """The shops' API keys: create one (shown once), revoke one, list a shop's."""
    if action not in ACTIONS:
        usage(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    if action != "rotate" and not target:
        usage(f"`wactl keys {action}` needs the {'key id' if action == 'revoke' else 'shop id'}")

    async def work(pool: asyncpg.Pool) -> tuple[list[str], ExitCode]:
        from wactl.service.postgres import migrate
        from wactl.service.postgres.management import Management

        await migrate(pool)
        if action == "rotate":
            return await _rotate(pool)
        keys = Management(pool)
        if action == "create":
            try:
                key, text = await keys.create_key(target, name)
            except LookupError as error:
                return [f"error: {error}"], ExitCode.INVALID
            return [f"created key {key.key_id} for shop {key.shop_id}; it is shown once:",
                    text], ExitCode.OK
        if action == "revoke":
            if not await keys.revoke_key(target):
                return [f"error: no key {target} in force"], ExitCode.INVALID
            return [f"revoked key {target}"], ExitCode.OK
        return [f"{k.key_id}\t{k.name}\t{k.created_at:%Y-%m-%d}\t"
                f"{'revoked' if k.revoked_at else 'active'}"
                for k in await keys.keys(target)], ExitCode.OK

    run_on_database(database_url, work)


async def _rotate(pool: asyncpg.Pool) -> tuple[list[str], ExitCode]:
    import os

    from wactl.service.config import ConfigProblems, load_config
    from wactl.service.postgres.secrets import PostgresSecrets

    env = {k: v for k, v in os.environ.items() if k.startswith("WACTL_ENCRYPTION_KEY")}
    try:  # the same checks as `wactl serve`; only the key settings matter here
        config = load_config({"WACTL_APP_SECRET": "-", "WACTL_VERIFY_TOKEN": "-",
                              "WACTL_ACCESS_TOKEN": "-", "WACTL_PHONE_NUMBER_ID": "-", **env})
    except ConfigProblems as problems:
        return [f"error: {p}" for p in problems.problems], ExitCode.USAGE
    if config.keyring is None:
        return ["error: no encryption key: set WACTL_ENCRYPTION_KEY_FILE"], ExitCode.USAGE
    done = await PostgresSecrets(pool, config.keyring).rotate()
    return [f"re-encrypted {done} value(s) under key {config.keyring.current}"], ExitCode.OK
