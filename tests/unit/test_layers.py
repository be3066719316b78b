"""Each stage imports only the stages before it: dsl → compiler → runtime → service → cli.

Checked on the source with `ast`, imports inside functions included, so a lazy import
cannot sneak a dependency past the rule.  The runtime engine must also stay free of
I/O libraries: the service adapters carry out its effects.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wactl"
ORDER = ("dsl", "compiler", "runtime", "service", "cli")
IO_LIBRARIES = ("aiohttp", "asyncpg", "redis", "aio_pika", "openai")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(stage: str) -> list[Path]:
    return sorted((PACKAGE / stage).rglob("*.py"))


def test_the_checked_stages_exist() -> None:
    assert _modules("dsl") and _modules("compiler") and _modules("runtime") and _modules("cli")


@pytest.mark.parametrize("stage", ORDER)
def test_stage_imports_only_earlier_stages(stage: str) -> None:
    later = ORDER[ORDER.index(stage) + 1:]
    bad = [f"{path.relative_to(PACKAGE)} imports {name}"
           for path in _modules(stage) for name in _imports(path)
           if any(name == f"wactl.{s}" or name.startswith(f"wactl.{s}.") for s in later)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("stage", ("dsl", "compiler", "runtime"))
def test_pure_stages_import_no_io_library(stage: str) -> None:
    bad = [f"{path.relative_to(PACKAGE)} imports {name}"
           for path in _modules(stage) for name in _imports(path)
           if name.split(".")[0] in IO_LIBRARIES]
    assert not bad, "\n".join(bad)


def test_shared_modules_import_no_stage() -> None:
    for path in (PACKAGE / "diagnostics.py", PACKAGE / "__init__.py"):
        assert not [n for n in _imports(path) if n.startswith("wactl.")], path
