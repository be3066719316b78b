"""Expression language properties: total parsing, exact round-trip, bounded evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.diagnostics import Diagnostic, Span
from wactl.dsl.expr import (
    FUNCTIONS,
    KEYWORDS,
    MAX_CHARS,
    MAX_DEPTH,
    Attr,
    Binary,
    Call,
    ExprNode,
    Filter,
    Hole,
    Index,
    ListLit,
    Literal,
    Name,
    TemplateNode,
    Unary,
    parse_expr,
    parse_source,
    parse_template,
    parse_template_source,
    to_source,
)
from wactl.runtime.expressions import ExprError, Meter, evaluate
from wactl.runtime.templates import render

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
AT = Span("flows/p.yaml", 4, 9)
OPS = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "matches",
       "+", "-", "*", "/", "%"]
VAR_NAMES = ["a", "b", "order", "x_1", "message", "customer", "now", "vars"]

identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS)
literals = st.one_of(
    st.integers(0, 10**12), st.floats(0, 1e12, allow_nan=False).map(abs),
    st.text(max_size=8), st.booleans(), st.none(),
).map(Literal)
leaves = st.one_of(literals, st.sampled_from(VAR_NAMES).map(Name), identifiers.map(Name))
functions = st.sampled_from(sorted(FUNCTIONS))


def _extend(children: st.SearchStrategy[ExprNode]) -> st.SearchStrategy[ExprNode]:
    args = st.lists(children, max_size=2).map(tuple)
    return st.one_of(
        st.builds(Attr, children, identifiers | st.sampled_from(["in", "not", "true"])),
        st.builds(Index, children, children),
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        st.builds(Binary, st.sampled_from(OPS), children, children),
        st.builds(Call, functions, args),
        st.builds(ListLit, st.lists(children, max_size=3).map(tuple)),
        st.builds(Filter, children, functions, st.lists(children, max_size=1).map(tuple)),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
              st.floats(-1e6, 1e6, allow_nan=False), st.text(max_size=10),
              st.dates(date(2000, 1, 1), date(2030, 1, 1))),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(VAR_NAMES + ["text", "k"]), inner,
                                            max_size=4)),
    max_leaves=10,
)
scopes = st.fixed_dictionaries(
    {"now": st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))},
    optional={name: json_values for name in VAR_NAMES if name != "now"},
)


def _check_diagnostics(diags: list[Diagnostic]) -> None:
    for diag in diags:
        assert diag.code in {"WA401", "WA402", "WA403", "WA406", "WA409"}
        assert diag.span.file == AT.file and diag.span.line >= AT.line and diag.span.col >= 1


expression_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet='ab1.()[]+-*/%<>=!|,"\'\\ notandr{}\n', max_size=80),
)


@SETTINGS
@given(expression_text)
def test_parse_expr_never_raises(src: str) -> None:
    node, diags = parse_expr(src, AT)
    _check_diagnostics(diags)
    assert node is not None or diags


@SETTINGS
@given(st.text(alphabet="ab {}|()\"'x+\n", max_size=80) | st.text(max_size=40))
def test_parse_template_never_raises(src: str) -> None:
    node, diags = parse_template(src, AT)
    _check_diagnostics(diags)
    assert node is not None or diags


@SETTINGS
@given(expressions)
def test_printed_expressions_parse_back_to_the_same_tree(node: ExprNode) -> None:
    text = to_source(node)
    parsed, errors = parse_source(text)
    assert [e for e in errors if e[0] in ("WA401", "WA409")] == [], (text, errors)
    assert parsed == node, text
    assert to_source(parsed) == text


def _normalise(parts: list[str | ExprNode]) -> TemplateNode:
    out: list[str | Hole] = []
    for part in parts:
        if isinstance(part, str):
            if out and isinstance(out[-1], str):
                out[-1] += part
            elif part:
                out.append(part)
        else:
            out.append(Hole(part))
    return TemplateNode(tuple(out))


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="{"), max_size=6)
                | expressions, max_size=5).map(_normalise))
def test_printed_templates_parse_back_to_the_same_tree(node: TemplateNode) -> None:
    text = to_source(node)
    parsed, errors = parse_template_source(text)
    assert [e for e in errors if e[0] in ("WA401", "WA402", "WA409")] == [], (text, errors)
    assert parsed == node, text


@SETTINGS
@given(expressions, scopes, st.integers(1, 500))
def test_evaluate_raises_only_expr_errors_within_budget(node: ExprNode, scope: dict[str, Any],
                                                       budget: int) -> None:
    meter = Meter(budget)
    try:
        evaluate(node, scope, meter=meter)
    except ExprError as exc:
        assert exc.code != "internal", exc.message
        assert exc.code != "budget_exceeded" or meter.used > budget
    else:
        assert meter.used <= budget


@SETTINGS
@given(st.lists(expressions, max_size=4), scopes)
def test_render_raises_only_expr_errors(holes: list[ExprNode], scope: dict[str, Any]) -> None:
    try:
        text = render(TemplateNode(tuple(Hole(h) for h in holes)), scope)
    except ExprError as exc:
        assert exc.code != "internal", exc.message
    else:
        assert isinstance(text, str)


nesters = st.sampled_from([("(", ")"), ("[", "]"), ("-", ""), ("not ", ""), ("a[", "]"),
                           ("f(", ")"), ("{{", "}}")])


@SETTINGS
@given(st.lists(nesters, min_size=MAX_DEPTH + 1, max_size=1500))
def test_deep_nesting_is_refused_without_recursion(layers: list[tuple[str, str]]) -> None:
    src = "".join(o for o, _ in layers) + "a" + "".join(c for _, c in reversed(layers))
    node, diags = parse_expr(src, AT)
    assert node is None
    if "{{" not in src and "not (" not in src and "- not" not in src:
        assert diags[0].code == "WA409" or len(src) > MAX_CHARS


@SETTINGS
@given(st.integers(2, 199), st.sampled_from(["+", "*", "and", "or"]), st.integers(1, 400))
def test_long_flat_expressions_stay_within_budget(count: int, op: str, budget: int) -> None:
    src = f" {op} ".join(["a"] * ((count + 1) // 2))
    node, diags = parse_source(src)
    assert node is not None and diags == []
    meter = Meter(budget)
    try:
        evaluate(node, {"a": list(range(50))}, meter=meter)
    except ExprError as exc:
        assert exc.code in {"budget_exceeded", "too_large", "type_error"}
        assert exc.code != "budget_exceeded" or meter.used > budget
    else:
        assert meter.used <= budget
