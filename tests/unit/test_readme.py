"""The README's tour shows one flow in both spellings: both must be clean and identical."""

from __future__ import annotations

import re
from pathlib import Path

from wactl.compiler import compile_project

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(pattern: str) -> str:
    match = re.search(pattern, README.read_text(encoding="utf-8"), re.S)
    assert match, f"README block {pattern!r} not found"
    return match.group(1)


def test_tour_flow_is_the_same_in_both_spellings() -> None:
    yaml_src = _block(r"```yaml\n(# flows/order_status\.yaml\n.*?)```")
    flow_src = _block(r"```\n(flow order_status\n.*?)```")
    as_yaml = compile_project({"flows/order_status.yaml": yaml_src})
    as_flow = compile_project({"flows/order_status.flow": flow_src})
    assert as_yaml.diagnostics == [] and as_flow.diagnostics == []
    assert as_yaml.program is not None and as_flow.program is not None
    assert as_yaml.program.to_json() == as_flow.program.to_json()


def test_tour_conversation_test_passes_against_the_example_project() -> None:
    """The README's conversation test is runnable: it passes on flows/ as written."""
    import asyncio

    from wactl.cli.sources import read_sources
    from wactl.runtime.convtest import run_test

    test_src = _block(r"```yaml\n(# flows/tests/order_status_shipped\.yaml\n.*?)```")
    sources, problems = read_sources([str(README.parent / "flows")])
    assert problems == []
    sources[str(README.parent / "flows/tests/readme_example.yaml")] = test_src
    result = compile_project(sources)
    assert result.program is not None
    tests = [t for f in result.files if f.path.endswith("readme_example.yaml") for t in f.tests]
    assert len(tests) == 1
    outcome = asyncio.run(run_test(result.program, tests[0], "README.md"))
    assert outcome.passed, outcome.failures
