"""The expression parser: trees, precedence, diagnostics and their file positions."""

from __future__ import annotations

import pytest

from wactl.diagnostics import Span
from wactl.dsl.expr import (
    FUNCTIONS,
    MAX_CHARS,
    MAX_DEPTH,
    MAX_NODES,
    Attr,
    Binary,
    Call,
    ExprNode,
    Filter,
    Index,
    ListLit,
    Literal,
    Name,
    Unary,
    names_read,
    offset_to_span,
    parse_expr,
    regex_literals,
    regex_problem,
    root_fields,
    to_source,
)

AT = Span("flows/a.yaml", 7, 11)


def parse(src: str) -> ExprNode:
    node, diags = parse_expr(src, AT)
    assert diags == [], [d.message for d in diags]
    assert node is not None
    return node


def error(src: str, span: Span = AT) -> tuple[str, str, str]:
    """(code, file:line:col, message) of the only diagnostic."""
    _, diags = parse_expr(src, span)
    assert len(diags) == 1, diags
    return diags[0].code, str(diags[0].span), diags[0].message


a, b, c = Name("a"), Name("b"), Name("c")


@pytest.mark.parametrize(("src", "tree"), [
    ("a + b * c", Binary("+", a, Binary("*", b, c))),
    ("(a + b) * c", Binary("*", Binary("+", a, b), c)),
    ("a - b - c", Binary("-", Binary("-", a, b), c)),
    ("a / b % c", Binary("%", Binary("/", a, b), c)),
    ("a or b and c", Binary("or", a, Binary("and", b, c))),
    ("not a and b", Binary("and", Unary("not", a), b)),
    ("not a == b", Unary("not", Binary("==", a, b))),
    ("a == b or b != c", Binary("or", Binary("==", a, b), Binary("!=", b, c))),
    ("a + 1 < b * 2", Binary("<", Binary("+", a, Literal(1)), Binary("*", b, Literal(2)))),
    ("-a * b", Binary("*", Unary("-", a), b)),
    ("- -a", Unary("-", Unary("-", a))),
    ("-a.b", Unary("-", Attr(a, "b"))),
    ("a not in [1, 2]", Binary("not in", a, ListLit((Literal(1), Literal(2))))),
    ("a in b and not c", Binary("and", Binary("in", a, b), Unary("not", c))),
    ("a contains 'x'", Binary("contains", a, Literal("x"))),
    ('a matches "^\\d+$"', Binary("matches", a, Literal("^\\d+$"))),
    ("a.b[0].c", Attr(Index(Attr(a, "b"), Literal(0)), "c")),
    ("a[b + 1]", Index(a, Binary("+", b, Literal(1)))),
    ("a | upper", Filter(a, "upper", ())),
    ("a | default(1) | upper", Filter(Filter(a, "default", (Literal(1),)), "upper", ())),
    ("a * b | upper", Binary("*", a, Filter(b, "upper", ()))),
    ("-a | upper", Filter(Unary("-", a), "upper", ())),
    ("lower(a).b", Attr(Call("lower", (a,)), "b")),
    ("default(a, [])", Call("default", (a, ListLit(())))),
    ("[1, 2,]", ListLit((Literal(1), Literal(2)))),
    ("message.in", Attr(Name("message"), "in")),
])
def test_precedence_and_shapes(src: str, tree: ExprNode) -> None:
    assert parse(src) == tree


@pytest.mark.parametrize(("src", "value"), [
    ("42", 42), ("2.5", 2.5), ("1e3", 1000.0), ("true", True), ("false", False),
    ("null", None), ('"say \\"hi\\""', 'say "hi"'), ("'it\\'s'", "it's"),
    ('"a\\nb"', "a\nb"), ('"back\\\\slash"', "back\\slash"), ('"\\d+"', "\\d+"),
    ('"Chào bạn"', "Chào bạn"), ("''", ""),
])
def test_literals(src: str, value: object) -> None:
    node = parse(src)
    assert isinstance(node, Literal)
    assert type(node.value) is type(value) and node.value == value


def test_literal_equality_distinguishes_types() -> None:
    assert Literal(1) != Literal(True)
    assert Literal(1) != Literal(1.0)
    assert Literal("a") == Literal("a", 3, 6)


def test_offsets_are_attributes_not_structure() -> None:
    node = parse("  a.b  +  c")
    assert isinstance(node, Binary)
    assert (node.offset, node.end) == (2, 11)
    assert (node.left.offset, node.left.end) == (2, 5)
    assert node == Binary("+", Attr(a, "b"), c)


@pytest.mark.parametrize(("src", "col", "message"), [
    ("a < b < c", 17, "comparisons cannot be chained"),
    ("a b", 13, "unexpected `b`"),
    ("(a + b", 11, "this `(` is never closed"),
    ("[1, 2", 11, "this `[` is never closed"),
    ("a + ", 15, "expected a value, found the end of the expression"),
    ("a = 1", 13, "`=` is not an operator"),
    ("a && b", 13, "`&&` is not an operator"),
    ("a || b", 13, "`||` is not an operator"),
    ("!a", 11, "`!` is not an operator"),
    ('"abc', 11, "unterminated string"),
    ("{{ a }}", 11, "`{` is not allowed in an expression"),
    ("a == not b", 16, "`not` needs parentheses here"),
    ("a.0", 13, "expected a field name after `.`, found `0`"),
    ("a |", 14, "expected a filter name after `|`, found the end of the expression"),
    ("and", 11, "expected a value, found `and`"),
    ("a)", 12, "unexpected `)`"),
    ("f(a b)", 15, "expected `,` or `)`, found `b`"),
    ("tên == 1", 12, "unexpected character `ê`"),
    ("", 11, "empty expression"),
    ("1e999", 11, "number is too large"),
])
def test_syntax_errors_point_at_the_offending_character(src: str, col: int, message: str) -> None:
    assert error(src) == ("WA401", f"flows/a.yaml:7:{col}", message)


def test_error_position_on_a_later_line_uses_that_lines_columns() -> None:
    src = 'order.status == "shipped"\n  and\n  customer.name = "x"'
    assert error(src) == ("WA401", "flows/a.yaml:9:17", "`=` is not an operator")


def test_error_span_covers_the_token() -> None:
    _, diags = parse_expr("a == b ==  c", AT)
    span = diags[0].span
    assert (span.line, span.col, span.end_line, span.end_col) == (7, 18, 7, 20)
    assert diags[0].hint is not None and "and" in diags[0].hint


def test_unknown_function_suggests_a_close_name_and_keeps_the_tree() -> None:
    node, diags = parse_expr("x + lowr(name)", AT)
    assert node == Binary("+", Name("x"), Call("lowr", (Name("name"),)))
    assert [(d.code, str(d.span)) for d in diags] == [("WA403", "flows/a.yaml:7:15")]
    assert diags[0].message == "unknown function `lowr`"
    assert diags[0].hint == "did you mean `lower`?"


def test_unknown_filter_and_bad_arity_are_all_reported() -> None:
    _, diags = parse_expr("a | titlecase + upper(a, b) + (b | default)", AT)
    assert [(d.code, d.span.col) for d in diags] == [
        ("WA403", 15), ("WA406", 27), ("WA406", 46)]
    assert diags[0].message == "unknown filter `titlecase`"
    assert diags[1].message == "`upper` takes 1 argument, given 2"
    assert diags[2].message == "`default` takes 1 argument after the piped value, given 0"


def test_round_takes_an_optional_second_argument() -> None:
    assert parse_expr("round(a, 2)", AT)[1] == []
    assert parse_expr("round(a)", AT)[1] == []
    assert [d.code for d in parse_expr("round()", AT)[1]] == ["WA406"]


def test_every_function_has_a_sane_arity() -> None:
    assert all(1 <= lo <= hi <= 2 for lo, hi in FUNCTIONS.values())


def test_too_long_expression_is_wa409() -> None:
    src = " or ".join(["a"] * (MAX_CHARS // 4 + 1))
    code, where, message = error(src)
    assert (code, where) == ("WA409", "flows/a.yaml:7:11")
    assert "the limit is 2,000" in message


def test_too_many_nodes_is_wa409() -> None:
    code, _, message = error("[" + ",".join(["1"] * (MAX_NODES + 5)) + "]")
    assert code == "WA409" and f"more than {MAX_NODES} parts" in message


@pytest.mark.parametrize("src", [
    "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
    "-" * (MAX_DEPTH + 1) + "a",
    "not " * (MAX_DEPTH + 1) + "a",
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "a" + "[a" * 300 + "]" * 300,
])
def test_deep_nesting_is_wa409_without_recursion_error(src: str) -> None:
    code, _, message = error(src)
    assert code == "WA409" and "nested" in message


def test_nesting_just_under_the_limit_parses() -> None:
    depth = MAX_DEPTH - 1
    parse("(" * depth + "a" + ")" * depth)


def test_long_flat_chains_are_fine() -> None:
    node = parse(" or ".join(f'message.text == "k{i}"' for i in range(40)))
    assert isinstance(node, Binary) and node.op == "or"


def test_parse_is_cached_but_spans_follow_the_caller() -> None:
    first = parse_expr("a +", Span("x.yaml", 1, 1))[1][0].span
    second = parse_expr("a +", Span("y.yaml", 5, 20))[1][0].span
    assert (str(first), str(second)) == ("x.yaml:1:4", "y.yaml:5:23")


def test_offset_to_span_walks_newlines() -> None:
    src = "ab\ncd\nef"
    assert offset_to_span(AT, src, 1) == Span("flows/a.yaml", 7, 12, 7, 13)
    assert offset_to_span(AT, src, 3, 2) == Span("flows/a.yaml", 8, 1, 8, 3)
    assert offset_to_span(AT, src, 7) == Span("flows/a.yaml", 9, 2, 9, 3)
    assert offset_to_span(AT, src, 1, 4) == Span("flows/a.yaml", 7, 12, 8, 3)


def test_names_read_skips_roots_functions_and_fields() -> None:
    node = parse("order.total > limit and customer.name == lower(x) or vars.y or answer")
    assert names_read(node) == [("order", 0), ("limit", 14), ("x", 47)]


def test_root_fields_reports_field_offsets() -> None:
    node = parse("message.txt == customer.fields.plan or shop.name or now.hour")
    assert root_fields(node) == [("message", "txt", 8), ("customer", "fields", 24),
                                 ("now", "hour", 56)]


def test_regex_literals() -> None:
    node = parse('a matches "^x$" or b matches c')
    assert regex_literals(node) == [("^x$", 10)]


@pytest.mark.parametrize(("pattern", "problem"), [
    ("^\\d+$", None),
    ("(", "invalid regular expression"),
    ("(a+)+$", None),  # RE2 runs it in linear time: no reason to refuse it any more
    ("(\\w*)*", None),
    ("(a)\\1", "back-reference `\\1` is not supported"),
    ("a(?=b)", "lookahead"),
    ("a" * 501, "limit is 500"),
])
def test_regex_problem(pattern: str, problem: str | None) -> None:
    found = regex_problem(pattern)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize("src", [
    "a + b * c", "(a + b) * c", "not (a and b)", "(not a) == b", "a - (b - c)",
    "(a < b) == c", "-(a + b)", "(-a).b", "(a | upper).b", "(a * b) | upper",
    '"q\\"uote\\\\ \\n"', "[1, 2.5, null, true, \"x\"]", "f(a)[0]", "a or (b or c)",
])
def test_to_source_round_trips(src: str) -> None:
    node, _ = parse_expr(src, AT)
    assert node is not None
    text = to_source(node)
    assert text == src
    assert parse_expr(text, AT)[0] == node
