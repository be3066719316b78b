"""format_flow: canonical spelling of each construct, and stability on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from wactl.dsl import ast
from wactl.dsl.flow.fmt import duration, expr, format_flow, json_value, quoted, word
from wactl.dsl.flow.parser import parse_flow

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (45, "45s"), (60, "1m"), (90, "90s"), (3600, "1h"), (5400, "90m"),
    (86400, "1d"), (90000, "25h"), (172800, "2d")])
def test_durations_take_the_largest_exact_unit(seconds: int, text: str) -> None:
    assert duration(ast.Duration(seconds=seconds)) == text


@pytest.mark.parametrize(("value", "text"), [
    ("Hello", '"Hello"'),
    ("What's up", '"What\'s up"'),
    ('{{ name | default("bạn") }}', '"{{ name | default("bạn") }}"'),
    ('Hi {{ n | default("a") }} "b"', '\'Hi {{ n | default("a") }} "b"\''),
    ('{{ unclosed "x"', '\'{\\u{7b} unclosed "x"\''),
    ('{{ a" then "}}"', '\'{{ a" then "}}"\''),
    ('{{ x }} {{ "y" }}', '"{{ x }} {{ "y" }}"'),
    ('"{{', '\'"{\\u{7b}\''),
    ("it's \"x\"", '"it\'s \\"x\\""'),
    ("two\nlines\ttab", '"two\\nlines\\ttab"'),
    ("^order\\s+(\\d+)$", '"^order\\s+(\\d+)$"'),
    ("ends with \\", '"ends with \\\\"'),
    ("\\n literally", '"\\\\n literally"'),
    ("bell\x07", '"bell\\u{7}"'),
    ("Xin chào 🗓", '"Xin chào 🗓"'),
])
def test_strings_are_quoted_readably(value: str, text: str) -> None:
    assert quoted(value) == text


def test_words_are_bare_unless_keywords_or_odd() -> None:
    assert [word(w) for w in ("vip", "đơn", "then", "two words", "")] == [
        "vip", "đơn", '"then"', '"two words"', '""']


@pytest.mark.parametrize(("src", "text"), [
    ('order.status == "shipped"', 'order.status == "shipped"'),
    ('text == "a -> b"', 'text == "a -> b"'),
    ("a -> b", "`a -> b`"),
    (" padded ", "` padded `"),
    ("", "``"),
    ('"unclosed', '`"unclosed`'),
    ("x\ny", "`x\\ny`"),
    ("`tick`", "`\\`tick\\``"),
    ("a b " * 40 + '"', "`" + "a b " * 40 + '"`'),  # once took exponential time
])
def test_expressions_are_bare_when_the_lexer_takes_them_whole(src: str, text: str) -> None:
    assert expr(ast.Expr(src=src)) == text


def test_json_values() -> None:
    value = {"a": [1, 2.5, True, None], "b c": "x\"y"}
    assert json_value(value) == '{"a": [1, 2.5, true, null], "b c": \'x"y\'}'


def test_step_layout() -> None:
    flow = ast.Flow(id="f", steps=[
        ast.SendStep(id="done", send=ast.Message(text=ast.Text(
            variants={"": ast.Template(src="Bye")})), next="end"),
        ast.SetStep(id="s", set={"a": ast.Expr(src="1")}, next="done"),
        ast.AskStep(id="q", ask=ast.Message(text=ast.Text(variants={
            "vi": ast.Template(src="Tên?"), "en": ast.Template(src="Name?")})),
            save="name", retries=1, on_fail="done", when=ast.Expr(src="name == null")),
    ])
    text = format_flow(ast.SourceFile(path="x.flow", spelling="flow", flows=[flow]))
    assert text == (
        "flow f\n"
        '  done: say "Bye" then end\n'
        "  s: set a = 1\n"
        "    then done\n"
        "  q: ask -> name\n"
        '    vi "Tên?"\n'
        '    en "Name?"\n'
        "    when name == null\n"
        "    retry 1 time, else done\n")


def test_comments_are_written_back() -> None:
    src = "# header\n\n# about f\nflow f\n  # first step\n  a: end\n"
    file, _ = parse_flow("c.flow", src)
    assert file is not None
    assert format_flow(file) == src


@pytest.mark.parametrize("path", sorted((ROOT / "flows").glob("*.flow")), ids=lambda p: p.name)
def test_example_flows_parse_cleanly_and_format_stably(path: Path) -> None:
    file, diags = parse_flow(str(path), path.read_text(encoding="utf-8"))
    assert diags == [] and file is not None and file.flows
    once = format_flow(file)
    again, _ = parse_flow(str(path), once)
    assert again is not None and ast.same(again, file)
    assert format_flow(again) == once
