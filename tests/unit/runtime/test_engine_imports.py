"""The engine's modules import each other without a cycle (each only those below it).

Read from the source with `ast`, as `tests/unit/test_layers.py` reads imports: every
import counts, inside functions and `TYPE_CHECKING` blocks included.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "wactl" / "runtime" / "engine"
PACKAGE = "wactl.runtime.engine"


def _modules() -> dict[str, Path]:
    return {p.stem: p for p in sorted(ENGINE.glob("*.py"))}


def _engine_imports(path: Path, names: set[str]) -> set[str]:
    """The engine modules `path` imports (`__init__` for the package itself)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE:
                    found.add("__init__")
                elif alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name.split(".")[3])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                found.update(a.name if a.name in names else "__init__" for a in node.names)
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[3])
    return found


def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _engine_imports(path, set(modules)) - {name} for name, path in modules.items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of module names, or [] when there is none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_engine_modules_are_read() -> None:
    edges = graph()
    assert {"loop", "steps", "ask", "agent", "__init__"} <= set(edges)
    assert {"steps", "ask", "agent"} <= edges["loop"]


def test_the_engine_import_graph_has_no_cycle() -> None:
    found = cycle(graph())
    assert not found, " -> ".join(found)


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []
