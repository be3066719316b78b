"""`wactl validate` stays light: no service libraries, and commands load only when they run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cli_helpers import HELLO, write_files

SERVICE_LIBS = ("aiohttp", "asyncpg", "redis", "aio_pika", "openai")

PROBE = """
import json, sys
from wactl.cli import app
lazy = sorted(m for m in ("wactl.compiler", "wactl.dsl.ast", "rich", "wactl.cli.validate")
              if m in sys.modules)
try:
    app(["validate", "flows"])
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
ir = sorted(m for m in ("wactl.compiler.ir", "wactl.compiler.lower") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "lazy": lazy, "ir": ir}))
"""


def test_validate_imports_no_service_library(tmp_path: Path) -> None:
    write_files(tmp_path, {"flows/hello.yaml": HELLO})
    proc = subprocess.run([sys.executable, "-c", PROBE, *SERVICE_LIBS], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stdout + proc.stderr
    assert report["heavy"] == []
    assert report["lazy"] == [], "importing wactl.cli must not import command modules"
    assert report["ir"] == [], "validate only checks: it must not import lowering or the IR"
