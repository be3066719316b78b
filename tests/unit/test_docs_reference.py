"""The language reference names every key the YAML loader accepts; every relative link resolves.

The keys are read from the loader itself: the key tables it passes to `check_keys` (as
names of module constants or as literal tuples), so a key added to the loader without a
line in docs/reference.md fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wactl.dsl.yaml as yaml_pkg
from wactl.dsl.step_keys import COMMON_KEYS, KIND_KEYS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"
LOADER_DIR = Path(yaml_pkg.__file__).parent


def _strings(node: ast.AST, constants: dict[str, set[str]]) -> set[str]:
    """The string keys a `check_keys` argument stands for (literal, constant or starred)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_strings(e, constants) for e in node.elts))
    if isinstance(node, ast.Starred):
        return _strings(node.value, constants)
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    if isinstance(node, ast.Call):  # frozenset({...})
        return set().union(set(), *(_strings(a, constants) for a in node.args))
    return set()


def _module_constants(tree: ast.Module) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for stmt in tree.body:
        targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else (
            stmt.targets if isinstance(stmt, ast.Assign) else [])
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                if isinstance(value, ast.Dict):  # KIND_KEYS: kinds and their keys
                    keys = {k.value for k in value.keys
                            if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                    out[target.id] = keys | _strings(ast.Tuple(value.values), out)
                else:
                    out[target.id] = _strings(value, out)
    return out


def loader_keys() -> set[str]:
    """Every key any `check_keys` call of the YAML loader allows, and every `*_KEYS` table."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in LOADER_DIR.glob("*.py")}
    constants: dict[str, set[str]] = {}
    for tree in trees.values():
        constants.update(_module_constants(tree))
    keys = set().union(*(v for k, v in constants.items() if k.endswith("_KEYS")),
                       COMMON_KEYS, KIND_KEYS, *KIND_KEYS.values())
    for tree in trees.values():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "check_keys" and len(node.args) >= 2):
                keys |= _strings(node.args[1], constants)
    return keys


def code_words(markdown: str) -> set[str]:
    """Words inside code spans and fenced blocks."""
    spans = re.findall(r"```.*?```|`[^`\n]+`", markdown, flags=re.S)
    return {w for span in spans for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span)}


def test_the_loader_has_keys_to_check() -> None:
    keys = loader_keys()
    assert {"flow", "steps", "retry_message", "on_timeout", "min_confidence", "latitude",
            "fallback_template", "context_messages", "paths"} <= keys, keys


def test_every_loader_key_is_in_the_reference() -> None:
    words = code_words(REFERENCE.read_text(encoding="utf-8"))
    missing = sorted(loader_keys() - words)
    assert not missing, f"docs/reference.md does not name: {missing}"


def _markdown_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert len(files) > 2
    return files


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (doc.parent / path).exists():
            broken.append(target)
    assert not broken, f"{doc.name}: links to missing files {broken}"
