"""Properties of `compile_project`: deterministic bytes, and never a traceback.

Projects are generated as YAML text from a small vocabulary of step shapes with random
ids and jumps, so many of them have errors (unknown targets, loops, dead steps) and
the rest compile: both sides of the pipeline are exercised.
"""

from __future__ import annotations

import random
from typing import Any

import yaml
from ast_strategies import source_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.compiler import CompileResult, canonical_json, compile_files, compile_project
from wactl.dsl import ast
from wactl.dsl.flow.fmt import format_flow
from wactl.dsl.yaml.dump import dump_yaml

IDS = st.sampled_from(["a", "b", "c", "d", "e", "f", "end"])
FLOW_IDS = st.sampled_from(["alpha", "beta", "gamma", "delta"])
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def no_internal_errors(result: CompileResult) -> None:
    internal = [d.message for d in result.diagnostics if d.code == "WA901"]
    assert not internal, internal


@st.composite
def steps(draw: st.DrawFn, flow_ids: list[str]) -> list[dict[str, Any]]:
    """A step list whose jumps mostly name real steps, so a fair share compiles."""
    count = draw(st.integers(1, 6))
    ids = ["abcdef"[i] for i in range(count)]
    target = st.sampled_from([*ids, "end"]) | IDS  # now and then an unknown one
    flow = st.sampled_from(flow_ids) | FLOW_IDS
    out: list[dict[str, Any]] = []
    for sid in ids:
        step: dict[str, Any] = {"id": sid}
        step.update(draw(st.sampled_from([
            {"send": "Hi {{ customer.name }}"},
            {"ask": "Your name?", "save": "name"},
            {"wait": "2h"},
            {"tag": ["vip"]},
            {"set": {"n": "1"}},
            {"goto": draw(target)},
            {"branch": [{"if": "true", "goto": draw(target)}, {"else": draw(target)}]},
            {"run": draw(flow)},
            {"link": draw(flow)},
            {"end": "Bye"},
        ])))
        if draw(st.booleans()) and "goto" not in step and "branch" not in step:
            step["next"] = draw(target)
        if draw(st.integers(0, 5)) == 0:
            step["when"] = "customer.name == null"
        out.append(step)
    return out


@st.composite
def projects(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(FLOW_IDS, min_size=1, max_size=4, unique=True))
    flows = []
    for i, flow_id in enumerate(ids):
        flow: dict[str, Any] = {"flow": flow_id, "steps": draw(steps(ids))}
        if i == 0:
            flow["trigger"] = {"keyword": ["hello", "xin chào"]}
        flows.append(flow)
    return flows


def layout(flows: list[dict[str, Any]], rng: random.Random) -> dict[str, str]:
    """Spread flows over files (one per file, or a `flows:` list) under random paths."""
    sources: dict[str, str] = {}
    shuffled = flows[:]
    rng.shuffle(shuffled)
    while shuffled:
        index = len(sources)
        take = rng.randint(1, len(shuffled))
        chunk, shuffled = shuffled[:take], shuffled[take:]
        path = f"{rng.choice(['flows', 'x/y', 'z'])}/f{rng.randint(0, 10**6)}_{index}.yaml"
        body: Any = chunk[0] if len(chunk) == 1 else {"flows": chunk}
        sources[path] = "# generated\n" + yaml.safe_dump(body, allow_unicode=True,
                                                          sort_keys=rng.random() < 0.5)
    return sources


@SETTINGS
@given(projects(), st.randoms(use_true_random=False))
def test_same_sources_in_any_order_give_identical_bytes(
        flows: list[dict[str, Any]], rng: random.Random) -> None:
    sources = layout(flows, rng)
    items = list(sources.items())
    first = compile_project(dict(items))
    rng.shuffle(items)
    second = compile_project(dict(items))
    no_internal_errors(first)
    assert first.diagnostics == second.diagnostics
    if first.program is None:
        assert second.program is None
    else:
        assert second.program is not None
        assert first.program.to_json() == second.program.to_json()
        assert first.program.to_json() == canonical_json(first.program.to_data())


@SETTINGS
@given(projects(), st.randoms(use_true_random=False), st.randoms(use_true_random=False))
def test_file_layout_and_key_order_do_not_change_the_ir(
        flows: list[dict[str, Any]], rng1: random.Random, rng2: random.Random) -> None:
    one = compile_project(layout(flows, rng1))
    two = compile_project(layout(flows, rng2))
    no_internal_errors(one)
    assert sorted(d.code for d in one.diagnostics) == sorted(d.code for d in two.diagnostics)
    assert (one.program is None) == (two.program is None)
    if one.program is not None and two.program is not None:
        assert one.program.canonical_bytes() == two.program.canonical_bytes()


@SETTINGS
@given(st.dictionaries(st.sampled_from(["a.yaml", "b.flow", "wactl.yaml", "t/c.yml"]),
                       st.text(max_size=300), max_size=3))
def test_arbitrary_text_never_raises(sources: dict[str, str]) -> None:
    no_internal_errors(compile_project(sources))


KEYS = st.sampled_from(["flow", "flows", "steps", "id", "send", "ask", "next", "goto",
                        "branch", "if", "else", "trigger", "keyword", "run", "link", "vars",
                        "agent", "test", "turns", "user", "bot", "wait", "rule", "text",
                        "buttons", "expect", "save", "timeout", "on_timeout", "max_visits"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
                    IDS, st.text(max_size=20))
YAML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)


@SETTINGS
@given(st.dictionaries(KEYS, YAML_VALUES, max_size=6), st.sampled_from(["a.yaml", "wactl.yaml"]))
def test_arbitrary_yaml_never_raises(doc: dict[str, Any], path: str) -> None:
    no_internal_errors(compile_project({path: yaml.safe_dump(doc, allow_unicode=True)}))


# --------------------------------------------------------------------------- random ASTs


@SETTINGS
@given(source_files("gen.yaml"))
def test_random_asts_never_raise_and_both_spellings_agree(file: ast.SourceFile) -> None:
    from_yaml = compile_project({"flows/gen.yaml": dump_yaml(file)})
    no_internal_errors(from_yaml)
    no_internal_errors(compile_files([file]))
    from_flow = compile_project({"flows/gen.flow": format_flow(file)})
    no_internal_errors(from_flow)
    if from_yaml.program is not None and from_flow.program is not None:
        assert from_yaml.program.canonical_bytes() == from_flow.program.canonical_bytes()
