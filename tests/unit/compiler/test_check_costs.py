"""Check families stay linear on hostile projects: the work is counted, never timed.

10,000 misspelt step targets among 10,000 steps used to run one fuzzy search over every
step id per misspelling (minutes); the searches are now budgeted per compile and each
compares a bounded number of candidates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import pytest

from wactl.compiler import compile_project
from wactl.diagnostics import (
    MAX_CANDIDATES,
    MAX_SUGGESTIONS,
    Diagnostic,
    did_you_mean,
    suggestion_budget,
)


@pytest.fixture()
def searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of candidates of every fuzzy search made."""
    sizes: list[int] = []
    real = difflib.get_close_matches

    def counting(word: str, possibilities: list[str], n: int = 3,
                 cutoff: float = 0.6) -> list[str]:
        sizes.append(len(possibilities))
        return real(word, possibilities, n, cutoff)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    yield sizes


def misspelt_gotos(n: int) -> str:
    body = "".join(f"  - id: step_{i}\n    goto: stap_{i}\n" for i in range(n))
    return "flow: f\ntrigger:\n  keyword: hi\nsteps:\n" + body


def test_thousands_of_misspelt_targets_make_a_bounded_number_of_small_searches(
        searches: list[int]) -> None:
    result = compile_project({"a.yaml": misspelt_gotos(3_000)}, lower=False)
    unknown = [d for d in result.diagnostics if d.code == "WA203"]
    assert len(unknown) == 3_000  # every one is still reported
    assert len(searches) <= MAX_SUGGESTIONS
    assert max(searches) <= MAX_CANDIDATES
    with_suggestion = [d for d in unknown if d.hint and d.hint.startswith("did you mean")]
    assert 0 < len(with_suggestion) <= MAX_SUGGESTIONS
    assert all(d.hint for d in unknown)  # the rest get the plain hint


def test_each_compile_has_its_own_budget(searches: list[int]) -> None:
    for _ in range(2):
        compile_project({"a.yaml": misspelt_gotos(MAX_SUGGESTIONS + 10)}, lower=False)
    assert MAX_SUGGESTIONS < len(searches) <= 2 * MAX_SUGGESTIONS


def test_a_short_candidate_list_is_searched_whole() -> None:
    assert did_you_mean("welcom", ["a" * 30, "welcome"]) == "did you mean `welcome`?"


def test_a_long_candidate_list_is_cut_to_plausible_lengths(searches: list[int]) -> None:
    candidates = ["x" * 40] * 10_000 + ["welcome"]
    assert did_you_mean("welcom", candidates) == "did you mean `welcome`?"
    assert searches == [1]


def test_outside_a_budget_every_call_searches(searches: list[int]) -> None:
    for _ in range(MAX_SUGGESTIONS + 5):
        did_you_mean("welcom", ["welcome"])
    assert len(searches) == MAX_SUGGESTIONS + 5


def test_nested_budgets_share_the_outer_one(searches: list[int]) -> None:
    with suggestion_budget(3):
        did_you_mean("a", ["a"])
        with suggestion_budget(3):
            did_you_mean("a", ["a"])
            did_you_mean("a", ["a"])
            assert did_you_mean("a", ["a"]) is None
    assert len(searches) == 3


def test_a_set_of_many_keys_each_reading_the_one_before_needs_no_warning() -> None:
    keys = "".join(f"      v_{i}: v_{i - 1} + 1\n" for i in range(1, 5_000))
    src = ("flow: f\ntrigger:\n  keyword: hi\nsteps:\n  - id: s\n    set:\n      v_0: 1\n"
           + keys + '  - id: t\n    send: "{{ v_4999 }}"\n')
    result = compile_project({"a.yaml": src}, lower=False)
    assert result.diagnostics == []


def test_flow_error_recovery_counts_syntax_errors_once_per_diagnostic(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wactl.dsl.flow import parser

    scanned: list[int] = []
    real = parser._syntax_errors

    def counting(diags: list[Diagnostic]) -> int:
        scanned.append(len(diags))
        return real(diags)

    monkeypatch.setattr(parser, "_syntax_errors", counting)
    flows = "".join(f"flow f{i}\n  when keyword k{i}\n\n  s: wait 5x\n\n" for i in range(1_000))
    _, diags = parser.parse_flow("a.flow", flows + "flow broken\n  s: ???\n")
    assert len(diags) == 1_001  # a WA111 per flow and the syntax error
    assert sum(scanned) <= 2 * len(diags)  # recounting all per chunk was 500,000
