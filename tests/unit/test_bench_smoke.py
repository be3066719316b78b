"""The compile benchmark's generator, at a tiny size: what it writes must load and compile.

The benchmark is only meaningful if both spellings hold the same, valid flows (and the
no-wait cycle really is the WA302 case), so that is what is checked here.  Timings are
never asserted: they belong to `bench/compile.py`, run by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import _gen  # noqa: E402
from bench.compile import Row, growth  # noqa: E402
from wactl.diagnostics import Diagnostic, Severity  # noqa: E402
from wactl.dsl import ast, load_source  # noqa: E402

SPELLINGS = ("yaml", "flow")


def _errors(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.span}: {d.code} {d.message}" for d in diags if d.severity is Severity.ERROR]


def _tiny_flows() -> list[ast.Flow]:
    return [*_gen.many_flows(30), *_gen.one_cycle(20, True), *_gen.one_cycle(20, False)]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_generated_sources_load_back_to_the_generated_flows(spelling: str) -> None:
    flows = _tiny_flows()
    sources = _gen.render(flows, spelling)
    assert len(sources) == len(flows)
    for (path, text), flow in zip(sources.items(), flows, strict=True):
        assert path.endswith(f".{spelling}")
        loaded, diags = load_source(path, text)
        assert _errors(diags) == []
        assert loaded is not None and len(loaded.flows) == 1
        assert ast.same(loaded.flows[0], flow), path


def test_flows_have_ten_step_blocks_and_distinct_keywords() -> None:
    flows = _gen.many_flows(50)
    assert [len(f.steps) for f in flows] == [_gen.BLOCK_STEPS] * 5
    keywords = [k for f in flows if isinstance(f.trigger, ast.KeywordTrigger)
                for k in f.trigger.keywords]
    assert len(keywords) == 10 and len(set(keywords)) == 10
    kinds = {s.kind for s in flows[0].steps}
    assert {"send", "ask", "branch", "set", "call", "wait", "tag"} <= kinds


def test_cycle_flow_jumps_back_to_its_first_step() -> None:
    (flow,) = _gen.one_cycle(30, waits=False)
    last = flow.steps[-1]
    assert isinstance(last, ast.GotoStep) and last.goto == flow.steps[0].id
    assert not any(s.kind in ("ask", "wait") for s in flow.steps)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_tiny_repositories_compile_as_the_benchmark_expects(spelling: str) -> None:
    from wactl.compiler import compile_project

    valid = {**_gen.render(_gen.many_flows(20), spelling),
             **_gen.render(_gen.one_cycle(20, True), spelling)}
    assert _errors(list(compile_project(valid).diagnostics)) == []
    spin = compile_project(_gen.render(_gen.one_cycle(20, False), spelling))
    assert "WA302" in {d.code for d in spin.diagnostics}


def test_full_scenario_list_covers_every_shape_at_two_sizes_or_more() -> None:
    names = [sc.name for sc in _gen.scenarios()]
    assert names[:3] == ["repo-100", "repo-1,000", "repo-10,000"]
    for shape in ("one-flow", "cycle-ask", "cycle-nowait"):
        assert [sc.steps for sc in _gen.scenarios() if sc.shape == shape] == [1_000, 10_000]
    assert [sc.name for sc in _gen.scenarios(quick=True)] == ["repo-100", "repo-1,000"]


def _row(steps: int, ms: float) -> Row:
    return Row("x", "repo", steps, "yaml", ms, ms, 1.0, 3.0, [], [], [])


def test_growth_reports_time_ratio_per_tenfold_steps() -> None:
    lines = growth([_row(100, 2.0), _row(1_000, 20.0), _row(10_000, 300.0)])
    assert [(g["from"], g["to"]) for g in lines] == [(100, 1_000), (1_000, 10_000)]
    assert [round(float(str(g["ratio"])), 6) for g in lines] == [10.0, 15.0]
    assert [g["passed"] for g in lines] == [True, False]
