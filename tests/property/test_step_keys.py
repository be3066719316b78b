"""The one table of step keys (`wactl.dsl.step_keys`) is what the loader, schema and dumper use.

The YAML dumper writes a step's keys in the table's order (`id`, the kind key, that
kind's keys, then `when`, `next`, `max_visits`), the loader accepts exactly the table's
keys for each kind, and the editor schema allows exactly them.
"""

from __future__ import annotations

from typing import Any

import yaml
from ast_strategies import source_files
from hypothesis import given, settings

from wactl.dsl import ast
from wactl.dsl.step_keys import COMMON_KEYS, KIND_KEYS
from wactl.dsl.yaml.dump import dump_yaml
from wactl.dsl.yaml.schema import yaml_json_schema


def _steps_of(tree: Any) -> list[dict[str, Any]]:
    flows = tree.get("flows") or [tree]
    return [step for flow in flows for step in flow.get("steps", [])]


def _order(kind: str) -> list[str]:
    return ["id", kind, *KIND_KEYS[kind], "when", "next", "max_visits"]


@settings(max_examples=60, deadline=None)
@given(source_files("gen.yaml"))
def test_the_dumper_writes_keys_in_the_tables_order(file: ast.SourceFile) -> None:
    steps = _steps_of(yaml.safe_load(dump_yaml(file)))
    for step in steps:
        kind = next(k for k in step if k in KIND_KEYS)
        order = _order(kind)
        assert set(step) <= set(order), step
        assert list(step) == [k for k in order if k in step], step


def test_the_schema_allows_exactly_the_tables_keys() -> None:
    step = yaml_json_schema()["definitions"]["step"]
    allowed = {rule["if"]["required"][0]: set(rule["then"]["propertyNames"]["enum"])
               for rule in step["allOf"]}
    assert allowed == {kind: {*COMMON_KEYS, kind, *extra} for kind, extra in KIND_KEYS.items()}
    assert set(COMMON_KEYS) == {"id", "next", "when", "max_visits"}
