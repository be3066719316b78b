"""`.flow` round-trip: parse_flow(format_flow(f)) is f, for random ASTs with awkward strings."""

from __future__ import annotations

from ast_strategies import source_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.dsl import ast
from wactl.dsl.flow.fmt import format_flow, quoted
from wactl.dsl.flow.parser import parse_flow

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(source_files())
def test_format_then_parse_is_exact(file: ast.SourceFile) -> None:
    text = format_flow(file)
    back, diags = parse_flow(file.path, text)
    assert diags == [], (text, diags)
    assert back is not None
    assert ast.same(back, file), text


@SETTINGS
@given(source_files())
def test_format_is_idempotent(file: ast.SourceFile) -> None:
    text = format_flow(file)
    back, _ = parse_flow(file.path, text)
    assert back is not None
    assert format_flow(back) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    file, diags = parse_flow("junk.flow", text)
    assert file is not None or diags
    assert all(d.code.startswith("WA1") for d in diags), diags


HOLEY = st.text(alphabet='{}"\'\\ an\n', max_size=24)


@settings(max_examples=300, deadline=None)
@given(HOLEY, HOLEY)
def test_quoted_strings_read_back_whatever_follows_them(a: str, b: str) -> None:
    """Texts full of braces and quotes read back exactly, even before a later `}}` string."""
    text = f"flow f\n  s: ask {quoted(a)} as regex {quoted(b)} -> x\n"
    back, diags = parse_flow("q.flow", text)
    assert diags == [] and back is not None, (text, diags)
    [step] = back.flows[0].steps
    assert isinstance(step, ast.AskStep) and step.ask.text is not None
    assert (step.ask.text.variants[""].src, step.expect) == (a, "regex:" + b), text
