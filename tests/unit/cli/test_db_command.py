"""`wactl db migrate` and `wactl db status` against the test PostgreSQL."""

from __future__ import annotations

from contract.postgres_kit import database_url
from typer.testing import CliRunner

from wactl.cli import ExitCode, app
from wactl.service.postgres.migrate import migrations


def test_migrate_applies_once_and_status_follows(schema_url: str) -> None:
    names = [name for name, _ in migrations()]
    runner = CliRunner()
    status = runner.invoke(app, ["db", "status"], env={"DATABASE_URL": schema_url})
    assert status.exit_code == ExitCode.INVALID
    assert status.output.splitlines() == [f"pending {n}" for n in names]
    first = runner.invoke(app, ["db", "migrate"], env={"DATABASE_URL": schema_url})
    assert first.exit_code == ExitCode.OK
    assert first.output.splitlines() == [f"applied {n}" for n in names]
    again = runner.invoke(app, ["db", "migrate", "--database-url", schema_url])
    assert (again.exit_code, again.output) == (ExitCode.OK, "schema is current\n")
    status = runner.invoke(app, ["db", "status"], env={"DATABASE_URL": schema_url})
    assert status.exit_code == ExitCode.OK
    assert status.output.splitlines() == [f"applied {n}" for n in names]


def test_no_database_or_an_unknown_action_is_a_usage_error() -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["db", "migrate"], env={"DATABASE_URL": ""})
    assert missing.exit_code == ExitCode.USAGE and "DATABASE_URL" in missing.output
    unknown = runner.invoke(app, ["db", "drop"], env={"DATABASE_URL": "postgresql://x"})
    assert unknown.exit_code == ExitCode.USAGE and "migrate, status" in unknown.output


def test_an_unreachable_database_is_named_without_its_password() -> None:
    url = "postgresql://wactl:s3cret@127.0.0.1:9/shop"  # port 9: nothing listens
    result = CliRunner().invoke(app, ["db", "migrate"], env={"DATABASE_URL": url})
    assert result.exit_code == ExitCode.INVALID
    assert "cannot reach PostgreSQL at 127.0.0.1:9/shop" in result.output
    assert "s3cret" not in result.output


def test_a_database_that_does_not_exist_is_reported() -> None:
    url = database_url().rsplit("/", 1)[0] + "/no_such_database"
    result = CliRunner().invoke(app, ["db", "status"], env={"DATABASE_URL": url})
    assert result.exit_code == ExitCode.INVALID
    assert "no_such_database" in result.output and "Traceback" not in result.output
