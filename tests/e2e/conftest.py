"""Fixtures of the service's end-to-end tests: a fresh database, a PostgreSQL of one's own.

`fresh_database` is a new database on the test server (`WACTL_TEST_DATABASE_URL`).
`own_postgres` is a whole PostgreSQL 15 server for one test, which the test may stop
and start again (an outage): initialised in a temp folder, run as the `postgres` user
when the tests run as root (PostgreSQL refuses root), on a free port of 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from contract.postgres_kit import database_url
from serve_helpers import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """A new database on the test server, dropped at the end."""
    server = database_url()
    name = f"serve_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        parts = urlsplit(server)
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@dataclass
class OwnPostgres:
    """A PostgreSQL server of one test: `stop()` is an outage, `start()` its end."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/tmp", timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "-o",
                  f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.folder} "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    database_url()  # fails (CI) or skips (a developer's pytest) where PostgreSQL is not
    if not (PG_BIN / "postgres").exists():
        pytest.fail(f"PostgreSQL 15 is not installed at {PG_BIN}", pytrace=False)
    folder = Path(tempfile.mkdtemp(prefix="wactl-own-pg-"))
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres:", str(folder)], check=True)
    folder.chmod(0o700)
    server = OwnPostgres(folder, free_port())
    server._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync")
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # stopped by the test already
        subprocess.run(["rm", "-rf", str(folder)], check=False)
