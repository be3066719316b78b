"""Every log code the runtime uses is in the one table, and the table holds no dead entry."""

from __future__ import annotations

import re
from pathlib import Path

from wactl.runtime.log_codes import LOG_CODES

ROOT = Path(__file__).resolve().parents[3]
USE = re.compile(r'(?:\.log|Log)\(\s*"(?:info|warning|error)",\s*"([a-z_]+)"', re.S)


def used_codes() -> dict[str, list[str]]:
    """Each code written as a literal in a `Log(...)` or `.log(...)` call under wactl/runtime."""
    files = sorted((ROOT / "wactl" / "runtime").rglob("*.py"))
    assert files
    found: dict[str, list[str]] = {}
    for path in files:
        for code in USE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_every_code_used_is_in_the_table() -> None:
    used = used_codes()
    assert len(used) > 10
    missing = {code: where for code, where in used.items() if code not in LOG_CODES}
    assert not missing, f"add these to wactl/runtime/log_codes.py: {missing}"


def test_every_code_in_the_table_is_used() -> None:
    dead = sorted(set(LOG_CODES) - set(used_codes()))
    assert not dead, dead


def test_the_docs_list_every_code() -> None:
    doc = (ROOT / "docs" / "log-codes.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.M))
    assert listed == set(LOG_CODES)
