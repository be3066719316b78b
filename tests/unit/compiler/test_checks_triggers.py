"""Trigger checks (WA601-WA606), keyword normalisation, cron validation, regex samples."""

from __future__ import annotations

import re
import tracemalloc
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.compiler._regex_samples import MAX_SAMPLE_CHARS, candidates, samples
from wactl.compiler.checks.triggers import normalise
from wactl.compiler.project import compile_project
from wactl.dsl.cron import cron_error


def flow(fid: str, trigger: str, priority: int | None = None, extra: str = "") -> str:
    prio = f"priority: {priority}\n" if priority is not None else ""
    return f"flow: {fid}\n{prio}trigger:\n  {trigger}\n{extra}steps:\n  - id: s\n    send: hi\n"


def found(*flows: str) -> list[tuple[str, str]]:
    sources = {f"flows/f{i}.yaml": text for i, text in enumerate(flows)}
    result = compile_project(sources)
    return [(d.code, str(d.span)) for d in result.diagnostics if d.code.startswith("WA6")]


def test_normalise_ignores_case_diacritics_and_spacing() -> None:
    assert normalise("  Đơn   HÀNG ") == "don hang"
    assert normalise("Cà phê") == normalise("ca phe")


def test_same_keyword_same_priority_conflicts_once_per_pair() -> None:
    a = flow("a", 'keyword: [order, "Đơn hàng"]')
    b = flow("b", "keyword: [ORDER, don hang]")
    assert found(a, b) == [("WA601", "flows/f1.yaml:3:13")]  # at `ORDER`


def test_priority_or_if_resolves_the_conflict() -> None:
    a = flow("a", "keyword: order")
    assert found(a, flow("b", "keyword: order", priority=5)) == []
    assert found(a, flow("b", "{keyword: order, if: 'customer.name != null'}")) == []
    assert found(a, flow("b", "keyword: order", extra="rule: true\n")) == []


def test_regex_shadowed_by_keyword_of_equal_or_higher_priority() -> None:
    keyword = flow("k", "keyword: [track]", priority=1)
    regex = flow("r", r"regex: '^(?:please )?track\s+(?P<id>\d+)$'")
    assert found(keyword, regex) == [("WA602", "flows/f1.yaml:3:10")]  # at the pattern
    higher = flow("r", r"regex: '^track\s+(?P<id>\d+)$'", priority=2)
    assert found(keyword, higher) == []


def test_regex_without_keyword_words_is_not_shadowed() -> None:
    keyword = flow("k", "keyword: [track]")
    regex = flow("r", r"regex: '^tracking\d+$'")
    assert found(keyword, regex) == []


def test_invalid_regex_trigger() -> None:
    [(code, _where)] = found(flow("r", "regex: '(unclosed'"))
    assert code == "WA603"


def test_invalid_cron_and_unknown_event() -> None:
    assert [c for c, _ in found(flow("s", "schedule: {cron: '0 9 * *'}"))] == ["WA604"]
    assert [c for c, _ in found(flow("e", "event: customer.opted_inn"))] == ["WA605"]
    assert found(flow("e", "event: customer.opted_in")) == []


def test_duplicate_keyword_in_one_trigger() -> None:
    assert [c for c, _ in found(flow("a", 'keyword: [hi, "HI ", xin chao]'))] == ["WA606"]


@pytest.mark.parametrize("expr", [
    "* * * * *", "0 9 * * MON-FRI", "*/15 0-6,22-23 1,15 JAN-jun 0", "5 4 * * 7",
    "0 0 1-31/2 */3 SUN",
])
def test_valid_cron(expr: str) -> None:
    assert cron_error(expr) is None


@pytest.mark.parametrize(("expr", "part"), [
    ("0 9 * *", "4 field"), ("60 * * * *", "out of range"), ("* 24 * * *", "out of range"),
    ("* * 0 * *", "out of range"), ("* * * 13 *", "out of range"), ("* * * * 8", "out of range"),
    ("* * * * MON-SUN-X", "not a number"), ("*/0 * * * *", "step"), ("5-1 * * * *", "backwards"),
    ("* * * FOO *", "not a number"), ("@daily", "1 field"), ("* * ? * *", "not a number"),
    ("¹ * * * *", "not a number"),
])
def test_invalid_cron(expr: str, part: str) -> None:
    error = cron_error(expr)
    assert error is not None and part in error


@pytest.mark.parametrize("pattern", [
    r"^order\s+(?P<order_id>\d+)$", r"(?i)^(track|where is) my (order|parcel)",
    r"[^0-9]+x", r"^(?:please\s)?help\b", r"a{3,}b", r"đơn\s*hàng\s*\d+", r"x|y|z",
])
def test_samples_match_their_pattern(pattern: str) -> None:
    got = samples(pattern)
    assert got
    assert all(re.search(pattern, s) for s in got)


def test_samples_cover_alternatives_and_optional_words() -> None:
    assert {"track my order", "where is my order"} <= set(samples(r"^(track|where is) my order"))
    assert "please help" in samples(r"^(?:please\s)?help\b")
    assert samples("(unclosed") == []


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"[a-c()|?*+\\sd\[\]^$]{0,12}", fullmatch=True))
def test_samples_never_raise_and_always_match(pattern: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error:
        assert samples(pattern) == []
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert all(re.search(pattern, s) for s in samples(pattern))


BOMB = "^(?:(?:(?:(?:(?:a{50}){50}){50}){50}){50})$"


def test_the_repeat_bomb_is_a_diagnostic_and_costs_no_memory() -> None:
    """50**5 a's took 3.4 GB in the sample generator; now RE2 refuses the pattern (WA603)
    and even the generator's walk, run on its own, builds only cut strings."""
    [(code, where)] = found(flow("r", f"regex: '{BOMB}'"))
    assert (code, where) == ("WA603", "flows/f0.yaml:3:10")
    tracemalloc.start()
    try:
        guesses = candidates(BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert guesses and all(len(g) <= MAX_SAMPLE_CHARS for g in guesses)
    assert peak < 1_000_000
    assert samples(BOMB) == []


def test_long_repeats_re2_accepts_give_cut_samples_only() -> None:
    assert samples("^(?:(?:a{30}){30})$") == []  # 900 a's: longer than any sample
    assert samples("^(?:a{3}){2}$") == ["aaaaaa"]


_PIECE = st.sampled_from(["a", "(?:ab)", "(a|b)", "[xy]", "\\d", ".", "(?:a{50})", "x{999}"])
_REPEAT = st.sampled_from(["", "*", "+", "?", "{50}", "{2,}", "{0,1000}"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PIECE, _REPEAT, st.integers(0, 3)), min_size=1, max_size=6))
def test_candidates_are_bounded_whatever_the_nesting(parts: list[tuple[str, str, int]]) -> None:
    pattern = "".join("(?:" * depth + piece + (")" + rep) * depth + rep
                      for piece, rep, depth in parts)
    assert all(len(c) <= MAX_SAMPLE_CHARS for c in candidates(pattern))
    compiled = samples(pattern)
    assert all(len(s) <= MAX_SAMPLE_CHARS for s in compiled)


def test_a_back_reference_in_a_trigger_is_wa603_with_the_reason() -> None:
    result = compile_project({"flows/f.yaml": flow("r", r"regex: '^(\w+) \1$'")})
    [diag] = [d for d in result.diagnostics if d.code == "WA603"]
    assert str(diag.span) == "flows/f.yaml:3:10"
    assert "a back-reference `\\1` is not supported" in diag.message
