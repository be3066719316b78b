"""`expr.lark` (the normative grammar) and the hand-written parser agree.

The runtime parser is hand-written for speed and error quality; this test keeps the
documented grammar honest by parsing the same inputs with lark and comparing trees.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError

import wactl.dsl.expr as expr
import wactl.dsl.expr.parse as _expr_parse
from wactl.dsl.expr import (
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
    parse_source,
)


@v_args(inline=True)
class ToAst(Transformer[Token, ExprNode]):
    """lark tree -> the same AST the hand-written parser builds."""

    def number(self, tok: Token) -> Literal:
        text = str(tok)
        return Literal(int(text) if text.isdigit() else float(text))

    def string(self, tok: Token) -> Literal:
        return Literal(_expr_parse._unescape(str(tok)[1:-1]))

    def true(self) -> Literal:
        return Literal(True)

    def false(self) -> Literal:
        return Literal(False)

    def null(self) -> Literal:
        return Literal(None)

    def name(self, tok: Token) -> Name:
        return Name(str(tok))

    def call_args(self, *items: ExprNode | None) -> tuple[ExprNode, ...]:
        return tuple(i for i in items if i is not None)

    def call(self, tok: Token, args: tuple[ExprNode, ...]) -> Call:
        return Call(str(tok), args)

    def list(self, *items: ExprNode | None) -> ListLit:
        return ListLit(tuple(i for i in items if i is not None))

    def field_name(self, tok: Token) -> str:
        return str(tok)

    def attr(self, value: ExprNode, name: str) -> Attr:
        return Attr(value, name)

    def index(self, value: ExprNode, key: ExprNode) -> Index:
        return Index(value, key)

    def neg(self, operand: ExprNode) -> Unary:
        return Unary("-", operand)

    def not_(self, operand: ExprNode) -> Unary:
        return Unary("not", operand)

    def or_(self, left: ExprNode, right: ExprNode) -> Binary:
        return Binary("or", left, right)

    def and_(self, left: ExprNode, right: ExprNode) -> Binary:
        return Binary("and", left, right)

    def not_in(self, left: ExprNode, right: ExprNode) -> Binary:
        return Binary("not in", left, right)

    def compare(self, left: ExprNode, op: Token, right: ExprNode) -> Binary:
        return Binary(str(op), left, right)

    binary = compare

    def filter(self, value: ExprNode, name: Token, args: tuple[ExprNode, ...] | None = None
               ) -> Filter:
        return Filter(value, str(name), args or ())


@cache
def lark_parser() -> Lark:
    return Lark(Path(expr.__file__).with_name("expr.lark").read_text(encoding="utf-8"),
                parser="lalr")


def lark_parse(src: str) -> ExprNode | None:
    try:
        tree = lark_parser().parse(src)
    except LarkError:
        return None
    return ToAst().transform(tree)


VALID = [
    "a + b * c", "(a + b) * c", "a - b - c", "a / b % c", "a or b and c", "not a and b",
    "not a == b", "not not a", "a + 1 < b * 2", "-a * b", "- -a", "-a.b", "a not in [1, 2]",
    "a in b and not c", "a contains 'x'", 'a matches "^\\\\d+$"', "a.b[0].c", "a[b + 1]",
    "a | upper", "a | default(1) | upper", "a * b | upper", "-a | upper", "lower(a).b",
    "default(a, [])", "[1, 2,]", "[]", "message.in", "x.true", "1.5e3 + 2", 'f("a", \'b\')',
    "customer.fields.plan == \"Silver\" and len(customer.tags) > 0",
    "days_since(customer.first_contacted_at) >= 30", "(a < b) == c",
]
INVALID = [
    "a < b < c", "a b", "(a", "a +", "a = 1", "a == not b", "a.0", "a |", "and", "a)",
    "f(a b)", "", "[1 2]", "a..b", "not", "-", "a not b", "a in", "(", "()",
]


@pytest.mark.parametrize("src", VALID)
def test_both_parsers_build_the_same_tree(src: str) -> None:
    node, errors = parse_source(src)
    assert [e for e in errors if e[0] in ("WA401", "WA409")] == []
    assert node is not None
    assert lark_parse(src) == node


@pytest.mark.parametrize("src", INVALID)
def test_both_parsers_reject(src: str) -> None:
    node, errors = parse_source(src)
    assert node is None and errors[0][0] == "WA401"
    assert lark_parse(src) is None
