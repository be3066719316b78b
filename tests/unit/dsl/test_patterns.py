"""The one pattern API (`wactl.dsl.expr.patterns`): RE2 with Python's spelling and meaning."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.dsl.expr import MAX_REGEX_CHARS
from wactl.dsl.expr.patterns import (
    CACHE_SIZE,
    Found,
    Pattern,
    PatternError,
    PatternRefused,
    compile_pattern,
    compile_regex,
    regex_problem,
    search,
    translate,
)


def text_of(pattern: str, text: str) -> str | None:
    found = search(pattern, text)
    return None if found is None else found.text


# --------------------------------------------------------------------------- Python's meaning


@pytest.mark.parametrize(("pattern", "text", "matched"), [
    (r"\w+", "Nguyễn Văn", "Nguyễn"),           # RE2's own \w would stop at "Nguy"
    (r"[\w-]+", "đặt-lịch ngay", "đặt-lịch"),
    (r"\W+", "Nguyễn, Văn", ", "),
    (r"\d+", "mã ١٢٣", "١٢٣"),                 # Python's \d: any decimal digit
    (r"[\d]+", "x42y", "42"),
    (r"\D+", "12ab3", "ab"),
    (r"a\sb", "a\u3000b", "a\u3000b"),          # ideographic space
    (r"a\sb", "a\xa0b", "a\xa0b"),              # no-break space
    (r"a\sb", "a\vb", "a\vb"),                  # RE2's \s has no \v
    (r"\S+", "  ok  ", "ok"),
    (r"ok\Z", "ok", "ok"),                      # Python's \Z is RE2's \z
    (r"\u00e9t\u00E9", "été", "été"),
    (r"\U0001F600", "hi 😀", "😀"),
    (r"(?i)đơn hàng", "ĐƠN HÀNG số 5", "ĐƠN HÀNG"),
    (r"(?i)^(?:track|theo dõi)\s+#?\d{4,10}$", "Theo Dõi #12345", "Theo Dõi #12345"),
    (r"[[:digit:]]+", "ab12", "12"),
    (r"[]a]+", "x]a]", "]a]"),
    (r"[^]a]+", "]]bc", "bc"),
    (r"\Qa.b\E", "axb a.b", "a.b"),
    (r"\\d", r"x\dy", r"\d"),                   # an escaped backslash, then a plain d
    (r"a{,3}", "aaaa", "aaa"),                  # Python's {,n} is {0,n}; RE2 reads it as text
    (r"b{,}", "bbb", "bbb"),
    (r"[\b]", "x\by", "\b"),                   # a backspace inside a class, as in Python
])
def test_python_meaning_is_kept(pattern: str, text: str, matched: str) -> None:
    assert text_of(pattern, text) == matched


def test_named_groups_in_python_syntax() -> None:
    pattern = compile_regex(r"^order\s+(?P<order_id>\d+)(?:\s+(?P<note>\w+))?$")
    assert pattern.groupindex == {"order_id": 1, "note": 2}
    found = pattern.search("order 10423")
    assert found is not None
    assert found.groupdict() == {"order_id": "10423", "note": None}
    assert (found.group(0), found.group(1), found.group("order_id")) == ("order 10423",) + (
        "10423",) * 2
    assert (found.start, found.end) == (0, 11)


def test_spans_count_characters_not_bytes() -> None:
    assert search("số", "Đơn số 5") == Found("số", 4, 6, ("số",), {})


def test_documented_differences_stay_as_documented() -> None:
    assert text_of(r"^\d+$", "123\n") is None   # `$` is the very end, as `\z`
    assert text_of(r"(?m)^\d+$", "123\n") == "123"
    assert text_of(r"\bgiá\b", "giá 5k") is None  # `\b` counts ASCII letters only


def test_lone_surrogates_in_the_text_do_not_raise() -> None:
    assert text_of("a+", "\ud800aa") == "aa"
    assert text_of(".", "\udfff") == "\ufffd"


def test_search_on_text_where_python_warns_needs_no_warning() -> None:
    assert text_of("[[x]", "[[x") == "["


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("pattern", "reason"), [
    (r"(\d)\1", "a back-reference `\\1` is not supported"),
    (r"(?P<d>\d)(?P=d)", "a named back-reference `(?P=name)` is not supported"),
    (r"(a)\g<1>", "a back-reference `\\g<...>` is not supported"),
    (r"a(?=b)", "a lookahead `(?=...)` is not supported"),
    (r"a(?!b)", "a negative lookahead"),
    (r"(?<=a)b", "a lookbehind"),
    (r"(?<!a)b", "a negative lookbehind"),
    (r"(?>ab)", "an atomic group"),
    (r"(a)?(?(1)b|c)", "a conditional group"),
    (r"a*+", "a possessive repeat `*+`"),
    (r"[\W\d]", "`\\W` inside `[...]` is not supported"),
    (r"(?x) a", "`(?x` is not supported"),
    ("a{1001}", "the repeat `{1001}` is too large"),
    ("^(?:(?:(?:(?:(?:a{50}){50}){50}){50}){50})$", "nested repeats may not multiply"),
    (r"\w{500}", "too large; make it simpler"),
    ("(", "invalid regular expression: missing )"),
    ("[0-9", "invalid regular expression: missing ]: [0-9"),
    ("x" * (MAX_REGEX_CHARS + 1), f"the limit is {MAX_REGEX_CHARS}"),
    ("\ud800", "lone surrogate"),
    ("(?P<1a>x)", "group name `1a` is not a name"),
    ("(?P<a>x)|(?P<a>y)", "group name `a` is used twice"),
    ("(?<a>x)(?P<a>y)", "group name `a` is used twice"),
])
def test_refused_with_a_reason(pattern: str, reason: str) -> None:
    error = compile_pattern(pattern)
    assert isinstance(error, PatternError)
    assert reason in error.reason
    assert regex_problem(pattern) == error.reason
    assert search(pattern, "aaaa") is None
    with pytest.raises(PatternRefused) as raised:
        compile_regex(pattern)
    assert raised.value.error == error


def test_backslash_digits_inside_a_class_are_not_back_references() -> None:
    assert translate(r"[\1]") == r"[\1]"  # RE2 decides; it is no back-reference
    assert translate(r"\\1") == r"\\1"


def test_the_cache_is_bounded() -> None:
    for i in range(CACHE_SIZE + 10):
        compile_pattern(f"x{i}")
    assert compile_pattern.cache_info().currsize <= CACHE_SIZE


# --------------------------------------------------------------------------- properties

_PIECES = st.sampled_from([
    "a", "b", "ễ", "Đ", "1", " ", ".", "\\w", "\\W", "\\d", "\\D", "\\s", "\\S", "[ab]",
    "[^a]", "[\\w-]", "[\\d.]", "[a-zđ]", "^", "\\.", "\\\\",
])
_QUANT = st.sampled_from(["", "", "", "*", "+", "?", "{1,3}", "*?", "+?", "{2}", "{,2}"])
_ONCE = st.sampled_from(["", "?"])


def _matches_empty(pattern: str) -> bool:
    try:
        return re.fullmatch(pattern, "") is not None
    except re.error:
        return False


@st.composite
def composed(draw: st.DrawFn, depth: int = 0) -> str:
    """A pattern built from pieces both engines read the same way."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        quantifier = _QUANT
        if depth < 2 and draw(st.booleans()):
            inner = [draw(composed(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
            prefix = draw(st.sampled_from(["(", "(?:", "(?i:"]))
            piece = prefix + "|".join(inner) + ")"
            if any(_matches_empty(alternative) for alternative in inner):
                # Python's `re` ends a loop at an iteration that matched nothing, where
                # RE2 tries the next alternative ((\w|(a*|.))* on "1\\": (0, 1) against
                # (0, 2)): a known difference of the engines, not a pattern both read alike
                quantifier = _ONCE
        else:
            piece = draw(_PIECES)
        parts.append(piece + draw(quantifier))
    return "".join(parts)


_TEXT = st.text(alphabet="abAễĐđ1٣² _-.\t\xa0\u3000\x1c\\", max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(composed(), _TEXT)
def test_same_match_as_python_re(pattern: str, text: str) -> None:
    """Where both engines take a pattern, RE2 finds what Python's `re` finds."""
    try:
        expected = re.search(pattern, text)
    except re.error:
        return
    found = search(pattern, text)
    if expected is None:
        assert found is None
    else:
        assert found is not None and (found.start, found.end) == expected.span()


_SYNTAX = st.text(alphabet="ab(|)[]^-$*+?{},.\\dwsWSZbBpPLNQEu0123456789:=!<>P#ix", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_SYNTAX, composed(), st.text(max_size=30)), st.text(max_size=60))
def test_any_pattern_any_text_gives_a_value(pattern: str, text: str) -> None:
    """Never an exception: a Pattern whose search gives a consistent Found or None, or an
    error with a reason."""
    compiled = compile_pattern(pattern)
    if isinstance(compiled, PatternError):
        assert compiled.reason
        return
    assert isinstance(compiled, Pattern)
    found = compiled.search(text)
    if found is not None:
        assert 0 <= found.start <= found.end <= len(text)
        assert found.text == _encodable_slice(text, found.start, found.end)


def _encodable_slice(text: str, start: int, end: int) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text[start:end])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(1, 60), st.sampled_from(["a", "(a|a)", "(a+)", "(.*a)"]))
def test_nested_repeats_compile_or_refuse(depth: int, count: int, atom: str) -> None:
    """However repeats are nested, the answer is a value: a pattern, or `too large`."""
    pattern = "^" + "(?:" * depth + atom + ("){" + str(count) + "}") * depth + "$"
    compiled = compile_pattern(pattern)
    if isinstance(compiled, PatternError):
        assert "too large" in compiled.reason or "multiply" in compiled.reason
    else:
        assert compiled.search("a" * 30 + "!") is None
