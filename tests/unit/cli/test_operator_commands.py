"""`wactl shops`, `wactl keys` and `wactl keys rotate` against the test PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from wactl.cli import ExitCode, app
from wactl.service.crypto import Keyring
from wactl.service.postgres import create_pool
from wactl.service.postgres.management import Management
from wactl.service.postgres.secrets import PostgresSecrets


def test_an_operator_creates_a_shop_and_a_key_that_authenticates_until_revoked(
        schema_url: str) -> None:
    runner, env = CliRunner(), {"DATABASE_URL": schema_url}
    made = runner.invoke(app, ["shops", "create", "an_shop", "--name", "An's"], env=env)
    assert made.exit_code == ExitCode.OK, made.output
    assert runner.invoke(app, ["shops", "create", "an_shop"], env=env).exit_code \
        == ExitCode.INVALID
    assert runner.invoke(app, ["shops", "create", "Bad Id!"], env=env).exit_code \
        == ExitCode.USAGE
    assert runner.invoke(app, ["shops", "list"], env=env).output.startswith("an_shop\tAn's")
    key = runner.invoke(app, ["keys", "create", "an_shop", "--name", "crm"], env=env)
    assert key.exit_code == ExitCode.OK
    text = key.output.splitlines()[-1]
    assert text.startswith("wak_")
    assert asyncio.run(_authenticate(schema_url, text)) == "an_shop"
    assert runner.invoke(app, ["keys", "create", "nobody"], env=env).exit_code \
        == ExitCode.INVALID
    key_id = text.split("_")[1]
    assert "active" in runner.invoke(app, ["keys", "list", "an_shop"], env=env).output
    assert runner.invoke(app, ["keys", "revoke", key_id], env=env).exit_code == ExitCode.OK
    assert asyncio.run(_authenticate(schema_url, text)) is None
    assert runner.invoke(app, ["keys", "revoke", key_id], env=env).exit_code \
        == ExitCode.INVALID
    assert runner.invoke(app, ["keys", "revoke"], env=env).exit_code == ExitCode.USAGE


def test_rotate_re_encrypts_under_the_last_key_of_the_file(
        schema_url: str, tmp_path: Path) -> None:
    old, new = Keyring.generate_line("k1"), Keyring.generate_line("k2")
    asyncio.run(_seal(schema_url, Keyring.from_env(old)))
    keys = tmp_path / "keys"
    keys.write_text(f"{old}\n{new}\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["keys", "rotate"], env={
        "DATABASE_URL": schema_url, "WACTL_ENCRYPTION_KEY_FILE": str(keys)})
    assert done.exit_code == ExitCode.OK, done.output
    assert "re-encrypted 1 value(s) under key k2" in done.output
    assert asyncio.run(_read(schema_url, Keyring.from_env(new))) == {"TOKEN": "v"}
    none = runner.invoke(app, ["keys", "rotate"], env={"DATABASE_URL": schema_url})
    assert none.exit_code == ExitCode.USAGE and "WACTL_ENCRYPTION_KEY_FILE" in none.output
    keys.write_text("k1:not-base64!\n", encoding="utf-8")
    bad = runner.invoke(app, ["keys", "rotate"], env={
        "DATABASE_URL": schema_url, "WACTL_ENCRYPTION_KEY_FILE": str(keys)})
    assert bad.exit_code == ExitCode.USAGE and "line 1" in bad.output
    assert "not-base64" not in bad.output


async def _authenticate(url: str, key: str) -> str | None:
    pool = await create_pool(url, max_size=1)
    try:
        return await Management(pool).authenticate(key)
    finally:
        await pool.close()


async def _seal(url: str, keyring: Keyring) -> None:
    from wactl.service.postgres import migrate

    pool = await create_pool(url, max_size=1)
    try:
        await migrate(pool)
        await PostgresSecrets(pool, keyring).set_secret("an_shop", "TOKEN", "v")
    finally:
        await pool.close()


async def _read(url: str, keyring: Keyring) -> dict[str, str]:
    pool = await create_pool(url, max_size=1)
    try:
        return await PostgresSecrets(pool, keyring).secrets("an_shop")
    finally:
        await pool.close()
