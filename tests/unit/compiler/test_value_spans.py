"""Diagnostics about a bad value point at the value (STYLE rule 2), in both spellings.

Each case writes the same mistake in YAML and in `.flow` and asserts the exact
line:col of the offending value: the `c` of `next: c`, the pattern of a regex
trigger, the repeated keyword, ...  The positions are where an editor should put
the cursor, so they are spelt out rather than computed.
"""

from __future__ import annotations

import pytest

from wactl.compiler.project import compile_project
from wactl.diagnostics import Diagnostic
from wactl.dsl import ast, load_source


def diags(code: str, **sources: str) -> list[Diagnostic]:
    """`code`'s diagnostics for files named like `flows__a_yaml` (→ `flows/a.yaml`)."""
    files = {name.replace("__", "/").replace("_yaml", ".yaml").replace("_flow", ".flow"): text
             for name, text in sources.items()}
    return [d for d in compile_project(files).diagnostics if d.code == code]


def at(diag: Diagnostic) -> str:
    return str(diag.span)


# --------------------------------------------------------------------------- WA203


TARGETS_YAML = """flow: f
steps:
  - id: a
    ask: "code?"
    on_fail: x1
    timeout: 1h
    on_timeout: x2
    next: x3
  - id: b
    call: https://example.com
    on_error: x4
  - id: c
    branch:
      - if: "1 == 1"
        goto: x5
      - else: x6
  - id: d
    goto: x7
"""

TARGETS_FLOW = """flow f
  a: ask "code?" on fail x1 timeout 1h on timeout x2 then x3
  b: call GET "https://example.com" on error x4
  c: if 1 == 1 -> x5
    else x6
  d: goto x7
"""


def _by_target(found: list[Diagnostic]) -> dict[str, str]:
    return {d.message.split("`")[3]: at(d) for d in found}


def test_unknown_targets_point_at_the_target_in_yaml() -> None:
    assert _by_target(diags("WA203", flows__f_yaml=TARGETS_YAML)) == {
        "x1": "flows/f.yaml:5:14", "x2": "flows/f.yaml:7:17", "x3": "flows/f.yaml:8:11",
        "x4": "flows/f.yaml:11:15", "x5": "flows/f.yaml:15:15", "x6": "flows/f.yaml:16:15",
        "x7": "flows/f.yaml:18:11",
    }


def test_unknown_targets_point_at_the_target_in_flow() -> None:
    assert _by_target(diags("WA203", flows__f_flow=TARGETS_FLOW)) == {
        "x1": "flows/f.flow:2:26", "x2": "flows/f.flow:2:51", "x3": "flows/f.flow:2:59",
        "x4": "flows/f.flow:3:46", "x5": "flows/f.flow:4:19", "x6": "flows/f.flow:5:10",
        "x7": "flows/f.flow:6:11",
    }


def test_retry_else_target_points_at_its_name() -> None:
    src = 'flow f\n  a: ask "code?" retry "again?" 2 times, else x9\n'
    [diag] = diags("WA203", flows__f_flow=src)
    assert at(diag) == "flows/f.flow:2:47"


# --------------------------------------------------------------------------- WA204, WA205


REFS_YAML = """flow: f
steps:
  - id: a
    run: nope_flow
  - id: b
    link: gone_flow
  - id: c
    agent: ghost
"""

REFS_FLOW = """flow f
  a: run nope_flow
  b: link gone_flow
  c: agent ghost
"""


@pytest.mark.parametrize(("name", "src", "where"), [
    ("flows__f_yaml", REFS_YAML, ["flows/f.yaml:4:10", "flows/f.yaml:6:11", "flows/f.yaml:8:12"]),
    ("flows__f_flow", REFS_FLOW, ["flows/f.flow:2:10", "flows/f.flow:3:11", "flows/f.flow:4:12"]),
])
def test_unknown_flow_and_agent_point_at_the_name(name: str, src: str, where: list[str]) -> None:
    flows = [at(d) for d in diags("WA204", **{name: src})]
    [agent] = [at(d) for d in diags("WA205", **{name: src})]
    assert [*flows, agent] == where


# --------------------------------------------------------------------------- WA408 expect


@pytest.mark.parametrize(("name", "src", "where"), [
    ("flows__f_yaml", 'flow: f\nsteps:\n  - id: a\n    ask: "code?"\n    expect: "regex:[0-9"\n',
     "flows/f.yaml:5:13"),
    ("flows__f_flow", 'flow f\n  a: ask "code?" as regex "[0-9"\n', "flows/f.flow:2:27"),
])
def test_bad_expect_regex_points_at_the_value(name: str, src: str, where: str) -> None:
    assert [at(d) for d in diags("WA408", **{name: src})] == [where]


# --------------------------------------------------------------------------- triggers


def yaml_flow(fid: str, trigger: str, priority: int = 0) -> str:
    return f"flow: {fid}\npriority: {priority}\ntrigger:\n  {trigger}\nsteps:\n  - id: s\n" \
        "    send: hi\n"


def flow_flow(fid: str, trigger: str, priority: int = 0) -> str:
    return f'flow {fid}\n  priority {priority}\n  when {trigger}\n  s: say "hi"\n'


@pytest.mark.parametrize(("code", "trigger_yaml", "col_yaml", "trigger_flow", "col_flow"), [
    ("WA603", "regex: '(a'", 10, 'regex "(a"', 14),
    ("WA604", "schedule: {cron: '0 9 * *'}", 20, 'schedule "0 9 * *"', 17),
    ("WA605", "event: customer.opted_inn", 10, "event customer.opted_inn", 14),
    ("WA606", 'keyword: [hi, "HI "]', 17, 'keyword hi, "HI "', 20),
])
def test_bad_trigger_values_point_at_the_value(code: str, trigger_yaml: str, col_yaml: int,
                                                trigger_flow: str, col_flow: int) -> None:
    [in_yaml] = diags(code, flows__t_yaml=yaml_flow("t", trigger_yaml))
    [in_flow] = diags(code, flows__t_flow=flow_flow("t", trigger_flow))
    assert at(in_yaml) == f"flows/t.yaml:4:{col_yaml}"
    assert at(in_flow) == f"flows/t.flow:3:{col_flow}"


def test_repeated_keyword_relates_to_the_first_spelling() -> None:
    [diag] = diags("WA606", flows__t_flow=flow_flow("t", 'keyword hi, "HI "'))
    assert [str(span) for span, _ in diag.related] == ["flows/t.flow:3:16"]


def test_keyword_conflict_points_at_the_shared_keywords_yaml() -> None:
    [diag] = diags("WA601", flows__a_yaml=yaml_flow("a", "keyword: [order, shop]"),
                   flows__b_yaml=yaml_flow("b", "keyword: [menu, ORDER]"))
    assert at(diag) == "flows/b.yaml:4:19"
    assert [str(span) for span, _ in diag.related] == ["flows/a.yaml:4:13"]


def test_keyword_conflict_points_at_the_shared_keywords_flow() -> None:
    [diag] = diags("WA601", flows__a_flow=flow_flow("a", "keyword order, shop"),
                   flows__b_flow=flow_flow("b", "keyword menu, ORDER"))
    assert at(diag) == "flows/b.flow:3:22"
    assert [str(span) for span, _ in diag.related] == ["flows/a.flow:3:16"]


def test_shadowed_regex_points_at_the_pattern_and_relates_the_keyword() -> None:
    [in_yaml] = diags("WA602", flows__k_yaml=yaml_flow("k", "keyword: [help, track]", 1),
                      flows__r_yaml=yaml_flow("r", r"regex: '^track\s+\d+$'"))
    [in_flow] = diags("WA602", flows__k_flow=flow_flow("k", "keyword help, track", 1),
                      flows__r_flow=flow_flow("r", r'regex "^track\s+\d+$"'))
    assert (at(in_yaml), at(in_flow)) == ("flows/r.yaml:4:10", "flows/r.flow:3:14")
    assert [str(s) for s, _ in in_yaml.related] == ["flows/k.yaml:4:19"]
    assert [str(s) for s, _ in in_flow.related] == ["flows/k.flow:3:22"]


# --------------------------------------------------------------------------- WA703


def test_conversation_test_names_point_at_the_value() -> None:
    test = ("test: t\nflow: nope\nmocks:\n  ai:\n    - agent: ghost\n      reply: hi\n"
            "turns:\n  - user: hi\n")
    found = diags("WA703", tests__t_yaml=test)
    assert sorted(at(d) for d in found) == ["tests/t.yaml:2:7", "tests/t.yaml:5:14"]


# --------------------------------------------------------------------------- attributes


def test_key_spans_are_attributes_not_structure() -> None:
    """Layout moves key spans, but dumps and `same` do not see them."""
    one, _ = load_source("flows/f.yaml", "flow: f\nsteps:\n  - id: a\n    goto: a\n")
    two, _ = load_source("flows/f.yaml", "flow: f\nsteps:\n\n  - {id: a,   goto: a}\n")
    assert one is not None and two is not None
    step_one, step_two = one.flows[0].steps[0], two.flows[0].steps[0]
    assert ast.span_of(step_one, "goto") != ast.span_of(step_two, "goto")
    assert ast.same(one.flows[0], two.flows[0])
    assert "key_spans" not in step_one.model_dump()


def test_span_of_falls_back_to_the_node_span() -> None:
    step = ast.GotoStep(id="a", goto="b")
    assert ast.span_of(step, "goto") == step.span
    assert ast.span_of(ast.Expr(src="x"), "goto") == ast.Expr(src="x").span
