"""Expressions and templates: a tiny language parsed into a small typed AST with offsets.

Flows write conditions (`if: 'order.status == "shipped"'`) and texts with holes
(`"Hi {{ customer.name | default("bạn") }}"`).  Both spellings (YAML and `.flow`) hand
the raw string and the file span of its first character to `parse_expr` /
`parse_template`, which return an AST plus diagnostics at exact file positions.

Why a hand-written parser and not lark: expressions are parsed for every step of
every flow on the compile hot path, are tiny, and need precise, friendly errors and a
hard bound on nesting before any recursion happens.  A precedence-climbing parser does
all three in one pass (about 4x faster than lark's LALR parser on typical conditions, before
lark would even build our AST); `expr.lark` remains the normative grammar, and
tests/unit/dsl/test_expr_grammar.py checks that both parsers agree.

Node offsets are relative to the parsed string (`src[node.offset:node.end]`), so the
AST is independent of where the string sits in a file: parses are cached by `src` and
only diagnostics are mapped to file positions.  Offsets are attributes, not structure:
node equality ignores them (STYLE rule 6).  Inside a template, a hole's expression
offsets are relative to the hole's text, which starts at `Hole.offset`.

Precedence, loosest first (as in Python, with Jinja's filters):
`or` < `and` < `not` < comparisons (`== != < <= > >= in, not in, contains, matches`;
not chainable) < `+ -` < `* / %` < `| filter` < unary `-` < `.field`, `[index]`.
"""
from __future__ import annotations

from wactl.dsl.expr.nodes import (
    ATOM_PREC,
    BINARY_PREC,
    CMP_PREC,
    COMPARISONS,
    FILTER_PREC,
    FUNCTIONS,
    KEYWORDS,
    MAX_CHARS,
    MAX_DEPTH,
    MAX_HOLES,
    MAX_NODES,
    MAX_REGEX_CHARS,
    NEG_PREC,
    NOT_PREC,
    POSTFIX_PREC,
    ROOT_FIELDS,
    ROOTS,
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
)
from wactl.dsl.expr.parse import (
    offset_to_span,
    parse_expr,
    parse_source,
    parse_template,
    parse_template_source,
)
from wactl.dsl.expr.patterns import (
    Found,
    Pattern,
    PatternError,
    PatternRefused,
    compile_pattern,
    compile_regex,
    regex_problem,
)
from wactl.dsl.expr.static import (
    children,
    names_read,
    regex_literals,
    root_fields,
    to_source,
    walk,
)

__all__ = [
    "ATOM_PREC", "BINARY_PREC", "CMP_PREC", "COMPARISONS", "FILTER_PREC", "FUNCTIONS",
    "KEYWORDS", "MAX_CHARS", "MAX_DEPTH", "MAX_HOLES", "MAX_NODES", "MAX_REGEX_CHARS",
    "NEG_PREC", "NOT_PREC", "POSTFIX_PREC", "ROOTS", "ROOT_FIELDS", "Attr", "Binary", "Call",
    "ExprNode", "Filter", "Found", "Hole", "Index", "ListLit", "Literal", "Name", "Pattern",
    "PatternError", "PatternRefused", "TemplateNode", "Unary", "children", "compile_pattern",
    "compile_regex", "names_read", "offset_to_span", "parse_expr", "parse_source",
    "parse_template", "parse_template_source", "regex_literals", "regex_problem", "root_fields",
    "to_source", "walk",
]
