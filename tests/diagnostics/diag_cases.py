"""The golden diagnostic cases: reading `cases/<CODE>-<name>/` and running the pipeline on them.

Shared by the harness (test_cases.py) and the docs generator
(scripts/gen_diagnostics_docs.py), so the documentation shows exactly what the tests
check.  A case is read the way `wactl validate` reads a project: through the CLI's
`read_sources` (so WA100/WA107/WA108 cases work), then `compile_project`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from wactl.cli.sources import read_sources
from wactl.compiler import compile_project
from wactl.diagnostics import Diagnostic, DiagnosticBag
from wactl.dsl.source import Limits

CASES_DIR = Path(__file__).resolve().parent / "cases"
REQUIRED_KEYS = ("code", "title", "explain", "fix", "at")


@dataclass(frozen=True)
class Case:
    """One case directory and its case.yaml."""

    dir: Path
    code: str
    title: str
    explain: str
    fix: str
    at: str
    max_bytes: int | None = None
    paths: list[str] = field(default_factory=lambda: ["bad"])
    project_bytes: int | None = None

    @property
    def name(self) -> str:
        return self.dir.name

    @property
    def has_fixed(self) -> bool:
        return (self.dir / "fixed").is_dir()

    def fixed_paths(self) -> list[str]:
        """The read paths with `bad/` swapped for `fixed/`."""
        return ["fixed" + p[3:] if p == "bad" or p.startswith("bad/") else p for p in self.paths]


def case_dirs() -> list[Path]:
    """Every case directory, sorted by name (so by code)."""
    if not CASES_DIR.is_dir():
        return []
    return sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_case(case_dir: Path) -> Case:
    """Read case.yaml; a missing key raises KeyError naming it (a broken case is a test bug)."""
    data = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise KeyError(f"{case_dir.name}/case.yaml lacks {', '.join(missing)}")
    return Case(case_dir, str(data["code"]), str(data["title"]).strip(),
                str(data["explain"]).strip(), str(data["fix"]).strip(), str(data["at"]),
                data.get("max_bytes"), [str(p) for p in data.get("paths", ["bad"])],
                data.get("project_bytes"))


@contextmanager
def inside(directory: Path) -> Iterator[None]:
    """Run with `directory` as the working directory (the docs script; tests use monkeypatch)."""
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def diagnose(paths: list[str], max_bytes: int | None = None, project_bytes: int | None = None
             ) -> tuple[list[Diagnostic], dict[str, str]]:
    """Read `paths` (relative to the working directory) and compile them, as validate does.

    `max_bytes` and `project_bytes` lower the file and project size limits (WA108, WA113).
    """
    limits = Limits() if project_bytes is None else Limits(project_bytes=project_bytes)
    sources, read_diags = read_sources(paths, max_bytes, limits)
    result = compile_project(sources, limits=limits)
    return DiagnosticBag([*read_diags, *result.diagnostics]).sorted(), sources


def describe(diags: list[Diagnostic]) -> str:
    """All diagnostics, one per line, for assertion messages."""
    return "\n".join(f"  {d.span}: {d.code} {d.message}" for d in diags) or "  (none)"
