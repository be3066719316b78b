"""docs/flow-syntax.md shows one flow in both spellings: they must be the same flow."""

from __future__ import annotations

import re
from pathlib import Path

from wactl.dsl import ast
from wactl.dsl.flow.parser import parse_flow
from wactl.dsl.yaml.loader import load_yaml

DOC = Path(__file__).resolve().parents[3] / "docs" / "flow-syntax.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_two_spellings_in_the_docs_are_the_same_flow() -> None:
    flow_file, flow_diags = parse_flow("doc.flow", blocks("flow")[0])
    yaml_file, yaml_diags = load_yaml("doc.yaml", blocks("yaml")[0])
    assert flow_diags == [] and yaml_diags == []
    assert flow_file is not None and yaml_file is not None
    assert ast.same(flow_file.flows[0], yaml_file.flows[0])


def test_every_flow_snippet_in_the_docs_parses() -> None:
    for block in blocks("flow"):
        text = block if block.startswith("flow") else "flow f\n" + block
        assert parse_flow("doc.flow", text)[1] == [], block
