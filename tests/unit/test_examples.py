"""The example project in flows/ is what a shop copies first, so it must compile clean.

Not a single diagnostic is allowed, warnings included: a merchant who copies the
examples and runs `wactl validate --strict` must see a green run.  The other tests pin
down that the examples keep showing what they are there to show (both spellings, both
languages, agents, rules, sub-flows, tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from wactl.compiler import CompileResult, compile_project
from wactl.dsl import ast

EXAMPLES = Path(__file__).resolve().parents[2] / "flows"
SUFFIXES = (".yaml", ".yml", ".flow")


def _sources() -> dict[str, str]:
    """Every flow, agent, test and project file under flows/, keyed by its path."""
    return {
        path.relative_to(EXAMPLES.parent).as_posix(): path.read_text("utf-8")
        for path in sorted(EXAMPLES.rglob("*"))
        if path.is_file() and path.suffix in SUFFIXES
    }


@pytest.fixture(scope="module")
def result() -> CompileResult:
    return compile_project(_sources())


def _flows(result: CompileResult) -> list[ast.Flow]:
    return [flow for file in result.files for flow in file.flows]


def _nodes(node: object) -> Iterator[BaseModel]:
    """Every pydantic node below `node` (itself included), depth first."""
    if isinstance(node, BaseModel):
        yield node
        for name in type(node).model_fields:
            yield from _nodes(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _nodes(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _nodes(item)


def test_examples_compile_without_any_diagnostic(result: CompileResult) -> None:
    shown = [f"{d.span} {d.code} {d.severity.value}: {d.message}" for d in result.diagnostics]
    assert shown == []
    assert result.program is not None


def test_examples_show_both_spellings(result: CompileResult) -> None:
    spellings = {file.spelling for file in result.files if file.flows}
    assert spellings == {"yaml", "flow"}
    assert len(_flows(result)) >= 6


def test_examples_are_bilingual(result: CompileResult) -> None:
    project = next(file.project for file in result.files if file.project is not None)
    assert project.language == "vi"
    assert "en" in project.languages
    texts = [node for flow in _flows(result) for node in _nodes(flow)
             if isinstance(node, ast.Text)]
    assert texts
    assert all(set(text.variants) == {"vi", "en"} for text in texts)


def test_examples_define_and_use_both_agents(result: CompileResult) -> None:
    agents = {agent.id for file in result.files for agent in file.agents}
    assert agents == {"sales_assistant", "support_assistant"}
    used = {node.agent for flow in _flows(result) for node in _nodes(flow)
            if isinstance(node, ast.AgentStep)}
    assert used == agents


def test_examples_cover_the_language(result: CompileResult) -> None:
    flows = _flows(result)
    triggers = {flow.trigger.kind for flow in flows if flow.trigger is not None}
    assert triggers == {"keyword", "regex", "intent", "event", "schedule"}
    assert any(flow.rule for flow in flows)
    kinds = {str(getattr(step, "kind", "")) for flow in flows for step in flow.steps}
    assert kinds == set(ast.STEP_KINDS)


def test_every_example_flow_has_a_conversation_test(result: CompileResult) -> None:
    tests = [test for file in result.files for test in file.tests]
    started = {test.flow for test in tests if test.flow is not None}
    assert len(tests) >= len(_flows(result))
    assert {"welcome", "abandoned_cart", "faq", "feedback", "collect_phone",
            "order_status", "booking"} <= started
