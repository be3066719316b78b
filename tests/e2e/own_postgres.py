"""A PostgreSQL 15 server of one test's own, which the test may stop and start (an outage).

Initialised in a temp folder, run as the `postgres` user when the tests run as root
(PostgreSQL refuses root), listening on a free port of 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from serve_helpers import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


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


@contextmanager
def own_server() -> Iterator[OwnPostgres]:
    """A fresh server, started; stopped and removed at the end."""
    if not (PG_BIN / "postgres").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed at {PG_BIN}")
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
