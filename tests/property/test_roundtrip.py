"""YAML and `.flow` are two spellings of one AST: converting either way is exact.

For random ASTs (tests/property/ast_strategies.py): yaml -> flow -> yaml and
flow -> yaml -> flow give back the same flows (`ast.same`, spans and comments ignored).
"""

from __future__ import annotations

from ast_strategies import source_files
from hypothesis import HealthCheck, given, settings

from wactl.dsl import ast
from wactl.dsl.flow.fmt import format_flow
from wactl.dsl.flow.parser import parse_flow
from wactl.dsl.yaml.dump import dump_yaml
from wactl.dsl.yaml.loader import load_yaml

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def as_flow(file: ast.SourceFile) -> ast.SourceFile:
    text = format_flow(file)
    back, diags = parse_flow("x.flow", text)
    assert diags == [] and back is not None, (text, diags)
    return back


def as_yaml(file: ast.SourceFile) -> ast.SourceFile:
    text = dump_yaml(file)
    back, diags = load_yaml("x.yaml", text)
    assert diags == [] and back is not None, (text, diags)
    return back


def test_yaml_dumps_a_per_language_message_it_can_load() -> None:
    text = ast.Text(variants={"vi": ast.Template(src="Chào"), "en": ast.Template(src="Hi")})
    file = ast.SourceFile(path="x.yaml", spelling="yaml", flows=[ast.Flow(
        id="a", steps=[ast.SendStep(id="s", send=ast.Message(text=text))])])
    assert same_flows(as_yaml(file), file)
    assert same_flows(as_flow(file), file)


def same_flows(a: ast.SourceFile, b: ast.SourceFile) -> bool:
    return len(a.flows) == len(b.flows) and all(
        ast.same(x, y) for x, y in zip(a.flows, b.flows, strict=True))


@SETTINGS
@given(source_files())
def test_yaml_to_flow_to_yaml(file: ast.SourceFile) -> None:
    from_yaml = as_yaml(file)
    assert same_flows(as_yaml(as_flow(from_yaml)), from_yaml)


@SETTINGS
@given(source_files())
def test_flow_to_yaml_to_flow(file: ast.SourceFile) -> None:
    from_flow = as_flow(file)
    assert same_flows(as_flow(as_yaml(from_flow)), from_flow)
    assert same_flows(from_flow, file)
