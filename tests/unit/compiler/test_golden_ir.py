"""The IR of every example project, byte for byte, against tests/golden/<name>.json.

An example project is a folder under `flows/` holding a `wactl.yaml` (the folder
`flows/` itself is one).  Any change to lowering or to an example shows up here as a
diff to review; regenerate on purpose with `WACTL_UPDATE_GOLDEN=1 pytest <this file>`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wactl.compiler import compile_project

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "flows"
GOLDEN = REPO / "tests" / "golden"
SUFFIXES = (".yaml", ".yml", ".flow")


def project_dirs() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.rglob("wactl.yaml"))


def golden_name(folder: Path) -> str:
    rel = folder.relative_to(EXAMPLES.parent).as_posix()
    return rel.replace("/", "__")


def read_project(folder: Path) -> dict[str, str]:
    """The folder's source files, leaving out nested example projects."""
    nested = [d for d in project_dirs() if d != folder and folder in d.parents]
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*"))
            if p.suffix in SUFFIXES and p.is_file()
            and not any(d in p.parents for d in nested)}


def test_there_is_at_least_one_example_project() -> None:
    assert project_dirs(), f"no wactl.yaml under {EXAMPLES}"


@pytest.mark.parametrize("folder", project_dirs(), ids=golden_name)
def test_example_ir_matches_golden(folder: Path) -> None:
    result = compile_project(read_project(folder))
    errors = [f"{d.span} {d.code} {d.message}" for d in result.diagnostics
              if d.severity.value == "error"]
    assert result.program is not None, "example does not compile:\n" + "\n".join(errors)
    actual = result.program.to_json()
    path = GOLDEN / f"{golden_name(folder)}.json"
    if os.environ.get("WACTL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing {path}; run with WACTL_UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), (
        f"IR of {folder} changed; review and regenerate with WACTL_UPDATE_GOLDEN=1")


@pytest.mark.parametrize("folder", project_dirs(), ids=golden_name)
def test_example_ir_does_not_depend_on_file_paths(folder: Path) -> None:
    sources = read_project(folder)
    moved = {f"elsewhere/d{i:03d}/{Path(p).name}": text
             for i, (p, text) in enumerate(reversed(sorted(sources.items())))}
    one, two = compile_project(sources), compile_project(moved)
    assert one.program is not None and two.program is not None
    assert one.program.canonical_bytes() == two.program.canonical_bytes()


@pytest.mark.parametrize("folder", project_dirs(), ids=golden_name)
def test_example_ir_validates_against_the_ir_schema(folder: Path) -> None:
    import json

    import jsonschema

    from wactl.compiler import ir_json_schema

    result = compile_project(read_project(folder))
    assert result.program is not None
    jsonschema.Draft202012Validator(ir_json_schema()).validate(
        json.loads(result.program.to_json()))
