"""Tokenizer and precedence-climbing parser for expressions and templates (see `wactl.dsl.expr`)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, NoReturn

from wactl.diagnostics import CODES, Diagnostic, Span, did_you_mean
from wactl.dsl.expr.nodes import (
    BINARY_PREC,
    CMP_PREC,
    FILTER_PREC,
    FUNCTIONS,
    KEYWORDS,
    MAX_CHARS,
    MAX_DEPTH,
    MAX_HOLES,
    MAX_NODES,
    NEG_PREC,
    NOT_PREC,
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

# --------------------------------------------------------------------------- tokens


class _Tok(NamedTuple):
    kind: str  # num, str, name, op, end
    text: str
    start: int


class _RawDiag(NamedTuple):
    code: str
    offset: int
    length: int
    message: str
    hint: str | None = None


class _Stop(Exception):
    """Ends a parse at the first syntax error (one error per expression is enough)."""


_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
| (?P<name>[A-Za-z_][A-Za-z0-9_]*)
| (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
| (?P<op>==|!=|<=|>=|\|\||&&|[<>+\-*/%()\[\],.|])
""", re.VERBOSE | re.DOTALL)

_BAD_CHAR_HINTS = {
    "=": ("`=` is not an operator", "compare with `==`"),
    "!": ("`!` is not an operator", "negate with `not`"),
    "&": ("`&` is not an operator", "combine conditions with `and`"),
    "{": ("`{` is not allowed in an expression",
          "`{{ }}` is for templates; write the expression without braces"),
    "}": ("`}` is not allowed in an expression",
          "`{{ }}` is for templates; write the expression without braces"),
    '"': ("unterminated string", 'close the string with `"`'),
    "'": ("unterminated string", "close the string with `'`"),
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(body: str) -> str:
    """Decode `\\" \\\\ \\n` (and `\\t \\r \\'`); other escapes stay as written (regexes: `\\d`)."""
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos, n = 0, len(src)
    while pos < n:
        m = _TOKEN.match(src, pos)
        if m is None:
            msg, hint = _BAD_CHAR_HINTS.get(src[pos], (f"unexpected character `{src[pos]}`",
                                                       "names use letters a-z, digits and `_`"))
            raise _Stop(_RawDiag("WA401", pos, 1, msg, hint))
        kind = m.lastgroup or "ws"
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("end", "", n))
    return toks


def _describe(tok: _Tok) -> str:
    return "the end of the expression" if tok.kind == "end" else f"`{tok.text}`"


def _number(tok: _Tok) -> int | float:
    if tok.text.isdigit():
        return int(tok.text)
    value = float(tok.text)
    if value == float("inf"):
        raise _Stop(_RawDiag("WA401", tok.start, len(tok.text), "number is too large"))
    return value


# --------------------------------------------------------------------------- parser


class _Parser:
    """Precedence climbing over a token list; syntax errors raise `_Stop`, others are collected."""

    def __init__(self, src: str) -> None:
        self.toks = _tokenize(src)
        self.pos = 0
        self.nodes = 0
        self.depth = 0
        self.soft: list[_RawDiag] = []  # WA403/WA406: the tree is still complete

    def parse(self) -> ExprNode:
        node = self.expr(1)
        tok = self.peek()
        if tok.kind != "end":
            self.fail(tok, f"unexpected {_describe(tok)}", _stray_hint(tok))
        return node

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def at(self, text: str) -> bool:
        tok = self.toks[self.pos]
        return tok.kind == "op" and tok.text == text

    def fail(self, tok: _Tok, message: str, hint: str | None = None) -> NoReturn:
        raise _Stop(_RawDiag("WA401", tok.start, max(len(tok.text), 1), message, hint))

    def add(self, node: ExprNode) -> ExprNode:
        """Count a new node against MAX_NODES (checked while parsing, before any recursion)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Stop(_RawDiag("WA409", 0, 1, f"expression has more than {MAX_NODES} parts",
                                 "split it into several `set` steps"))
        return node

    def expr(self, min_prec: int) -> ExprNode:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = self.peek()
            raise _Stop(_RawDiag("WA409", tok.start, 1, f"expression is nested more than "
                                 f"{MAX_DEPTH} levels deep", "split it into several `set` steps"))
        left = self.prefix(min_prec)
        chained = False
        while (op := self.binop()) is not None:
            prec = FILTER_PREC if op == "|" else BINARY_PREC[op]
            if prec < min_prec:
                break
            if op == "|":
                left, chained = self.filter(left), False
                continue
            if chained and prec == CMP_PREC:
                self.fail(self.peek(), "comparisons cannot be chained",
                          "join them with `and`, like `a < b and b < c`")
            self.pos += 2 if op == "not in" else 1
            right = self.expr(prec + 1)
            left = self.add(Binary(op, left, right, left.offset, right.end))
            chained = prec == CMP_PREC
        self.depth -= 1
        return left

    def binop(self) -> str | None:
        tok = self.peek()
        if tok.kind == "op":
            if tok.text in ("||", "&&"):
                word = "or" if tok.text == "||" else "and"
                self.fail(tok, f"`{tok.text}` is not an operator", f"use `{word}`")
            return tok.text if tok.text in BINARY_PREC or tok.text == "|" else None
        if tok.kind != "name":
            return None
        if tok.text == "not" and self.toks[self.pos + 1].text == "in":
            return "not in"
        return tok.text if tok.text in BINARY_PREC else None

    def prefix(self, min_prec: int) -> ExprNode:
        tok = self.peek()
        if tok.kind == "name" and tok.text == "not":
            if min_prec > NOT_PREC:
                self.fail(tok, "`not` needs parentheses here", "write `(not x)`")
            self.pos += 1
            operand = self.expr(NOT_PREC)
            return self.add(Unary("not", operand, tok.start, operand.end))
        if tok.kind == "op" and tok.text == "-":
            self.pos += 1
            operand = self.expr(NEG_PREC)
            return self.add(Unary("-", operand, tok.start, operand.end))
        return self.postfix(self.primary())

    def postfix(self, node: ExprNode) -> ExprNode:
        while True:
            if self.at("."):
                self.pos += 1
                name = self.take()
                if name.kind != "name":
                    self.fail(name, f"expected a field name after `.`, found {_describe(name)}",
                              "use `[0]` for list items" if name.kind == "num" else None)
                end = name.start + len(name.text)
                node = self.add(Attr(node, name.text, node.offset, end))
            elif self.at("["):
                open_tok = self.take()
                index = self.expr(1)
                close = self.close("]", open_tok)
                node = self.add(Index(node, index, node.offset, close.start + 1))
            else:
                return node

    def primary(self) -> ExprNode:
        tok = self.take()
        end = tok.start + len(tok.text)
        if tok.kind == "num":
            return self.add(Literal(_number(tok), tok.start, end))
        if tok.kind == "str":
            return self.add(Literal(_unescape(tok.text[1:-1]), tok.start, end))
        if tok.kind == "name":
            return self.name(tok)
        if tok.text == "(":
            inner = self.expr(1)
            self.close(")", tok)
            return inner
        if tok.text == "[":
            items, close = self.args("]", tok)
            return self.add(ListLit(items, tok.start, close.start + 1))
        self.fail(tok, f"expected a value, found {_describe(tok)}")

    def name(self, tok: _Tok) -> ExprNode:
        end = tok.start + len(tok.text)
        if tok.text in _CONSTANTS:
            return self.add(Literal(_CONSTANTS[tok.text], tok.start, end))
        if tok.text in KEYWORDS:
            self.fail(tok, f"expected a value, found `{tok.text}`",
                      f"`{tok.text}` is an operator; put a value before it")
        if not self.at("("):
            return self.add(Name(tok.text, tok.start, end))
        args, close = self.args(")", self.take())
        self.check_call(tok, len(args), "function")
        return self.add(Call(tok.text, args, tok.start, close.start + 1))

    def filter(self, value: ExprNode) -> ExprNode:
        self.pos += 1
        name = self.take()
        if name.kind != "name" or name.text in KEYWORDS:
            self.fail(name, f"expected a filter name after `|`, found {_describe(name)}",
                      "`||` is not an operator; use `or`" if name.text == "|" else None)
        args: tuple[ExprNode, ...] = ()
        end = name.start + len(name.text)
        if self.at("("):
            args, close = self.args(")", self.take())
            end = close.start + 1
        self.check_call(name, len(args) + 1, "filter")
        return self.add(Filter(value, name.text, args, value.offset, end))

    def args(self, close: str, open_tok: _Tok) -> tuple[tuple[ExprNode, ...], _Tok]:
        """Comma-separated expressions up to `close` (a trailing comma is fine)."""
        items: list[ExprNode] = []
        while not self.at(close):
            items.append(self.expr(1))
            if not self.at(","):
                break
            self.pos += 1
        return tuple(items), self.close(close, open_tok)

    def close(self, text: str, open_tok: _Tok) -> _Tok:
        tok = self.take()
        if tok.kind == "op" and tok.text == text:
            return tok
        if tok.kind == "end":
            self.fail(open_tok, f"this `{open_tok.text}` is never closed", f"add `{text}`")
        self.fail(tok, f"expected `,` or `{text}`, found {_describe(tok)}",
                         _stray_hint(tok))

    def check_call(self, tok: _Tok, count: int, kind: str) -> None:
        """WA403 unknown name / WA406 arity: reported, but the tree stays usable."""
        arity = FUNCTIONS.get(tok.text)
        if arity is None:
            hint = did_you_mean(tok.text, FUNCTIONS) or f"{kind}s are: {', '.join(FUNCTIONS)}"
            self.soft.append(_RawDiag("WA403", tok.start, len(tok.text),
                                      f"unknown {kind} `{tok.text}`", hint))
        elif not arity[0] <= count <= arity[1]:
            self.soft.append(_RawDiag("WA406", tok.start, len(tok.text),
                                      f"`{tok.text}` takes {_arity(arity, kind)}, given "
                                      f"{count - (kind == 'filter')}", None))


_CONSTANTS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


def _arity(arity: tuple[int, int], kind: str) -> str:
    lo, hi = (n - (kind == "filter") for n in arity)
    count = str(lo) if lo == hi else f"{lo} to {hi}"
    noun = "argument" if hi == 1 else "arguments"
    return f"{count} {noun}" + (" after the piped value" if kind == "filter" else "")


def _stray_hint(tok: _Tok) -> str | None:
    if tok.text in (")", "]"):
        return f"this `{tok.text}` has no matching opening bracket"
    if tok.kind in ("num", "str", "name") or tok.text in ("(", "["):
        return "is an operator (like `==` or `and`) or a comma missing before it?"
    return None


# --------------------------------------------------------------------------- entry points


@lru_cache(maxsize=8192)
def _parse_cached(src: str) -> tuple[ExprNode | None, tuple[_RawDiag, ...]]:
    """The position-free parse of one string: node offsets and diagnostics are src-relative."""
    if len(src) > MAX_CHARS:
        return None, (_RawDiag("WA409", 0, 1, f"expression is {len(src):,} characters long; "
                               f"the limit is {MAX_CHARS:,}", "split it into several `set` steps"),)
    if not src.strip():
        return None, (_RawDiag("WA401", 0, 1, "empty expression", "write a condition or value"),)
    try:
        parser = _Parser(src)
        node = parser.parse()
    except _Stop as stop:
        return None, (stop.args[0],)
    return node, tuple(parser.soft)


def parse_expr(src: str, span: Span) -> tuple[ExprNode | None, list[Diagnostic]]:
    """Parse an expression whose first character sits at `span`.

    The node is None after a syntax error (WA401/WA409); after only WA403/WA406 the
    tree is still returned so the compiler can run its other checks on it.
    """
    node, raws = _parse_cached(src)
    return node, [_diagnostic(span, src, raw) for raw in raws]


def parse_template(src: str, span: Span) -> tuple[TemplateNode | None, list[Diagnostic]]:
    """Parse text with `{{ expr }}` holes; None when a hole is malformed (see parse_expr)."""
    node, raws = _parse_template_cached(src)
    return node, [_diagnostic(span, src, raw) for raw in raws]


def parse_source(src: str) -> tuple[ExprNode | None, list[tuple[str, str, int]]]:
    """Position-free parse for the runtime: the node and `(code, message, offset)` errors."""
    node, raws = _parse_cached(src)
    return node, [(raw.code, raw.message, raw.offset) for raw in raws]


def parse_template_source(src: str) -> tuple[TemplateNode | None, list[tuple[str, str, int]]]:
    """Position-free template parse for the runtime (see `parse_source`)."""
    node, raws = _parse_template_cached(src)
    return node, [(raw.code, raw.message, raw.offset) for raw in raws]


def offset_to_span(span: Span, src: str, offset: int, length: int = 1) -> Span:
    """The file span of `src[offset:offset+length]`, given that `src[0]` sits at `span`."""
    offset = min(max(offset, 0), len(src))
    line, col = _position(span, src, offset)
    stop = offset + max(length, 1)
    if stop <= len(src) and "\n" not in src[offset:stop]:
        return Span(span.file, line, col, line, col + stop - offset)
    end_line, end_col = _position(span, src, min(stop, len(src)))
    return Span(span.file, line, col, end_line, end_col + max(stop - len(src), 0))


def _position(span: Span, src: str, offset: int) -> tuple[int, int]:
    newlines = src.count("\n", 0, offset)
    if newlines == 0:
        return span.line, span.col + offset
    return span.line + newlines, offset - src.rfind("\n", 0, offset)


def _diagnostic(span: Span, src: str, raw: _RawDiag) -> Diagnostic:
    return Diagnostic(raw.code, CODES[raw.code].severity, raw.message,
                      offset_to_span(span, src, raw.offset, raw.length), raw.hint)


# --------------------------------------------------------------------------- templates


@lru_cache(maxsize=8192)
def _parse_template_cached(src: str) -> tuple[TemplateNode | None, tuple[_RawDiag, ...]]:
    parts: list[str | Hole] = []
    raws: list[_RawDiag] = []
    broken, pos, holes = False, 0, 0
    while (start := src.find("{{", pos)) >= 0:
        if start > pos:
            parts.append(src[pos:start])
        close = _find_close(src, start + 2)
        if close < 0:
            raws.append(_RawDiag("WA402", start, 2, "`{{` is never closed",
                                 "end the expression with `}}`"))
            return None, tuple(raws)
        holes += 1
        if holes > MAX_HOLES:  # one diagnostic for the text, not one per hole past the limit
            total = holes - 1 + src.count("{{", start)
            raws.append(_RawDiag("WA409", start, 2, f"template has {total:,} `{{{{ }}}}` holes; "
                                 f"the limit is {MAX_HOLES}", "split the text"))
            return None, tuple(raws)
        hole, hole_raws = _parse_hole(src, start, close)
        raws.extend(hole_raws)
        broken = broken or hole is None
        parts.extend([hole] if hole is not None else [])
        pos = close + 2
    if pos < len(src):
        parts.append(src[pos:])
    return (None if broken else TemplateNode(tuple(parts))), tuple(raws)


def _parse_hole(src: str, start: int, close: int) -> tuple[Hole | None, list[_RawDiag]]:
    """One `{{ ... }}` at src[start:close+2]; diagnostics shifted to template offsets."""
    inner = start + 2
    text = src[inner:close]
    if not text.strip():
        return None, [_RawDiag("WA402", start, close + 2 - start, "empty `{{ }}`",
                               "put a value inside, like `{{ customer.name }}`")]
    node, raws = _parse_cached(text)
    shifted = [raw._replace(offset=raw.offset + inner) for raw in raws]
    return (Hole(node, inner, close + 2) if node is not None else None), shifted


def _find_close(src: str, pos: int) -> int:
    """Index of the `}}` ending a hole, skipping string literals; -1 if there is none."""
    n = len(src)
    while pos < n:
        char = src[pos]
        if char in "\"'":
            end = _string_end(src, pos)
            if end < 0:
                return src.find("}}", pos)
            pos = end
        elif src.startswith("}}", pos):
            return pos
        elif src.startswith("{{", pos):
            return -1
        else:
            pos += 1
    return -1


def _string_end(src: str, pos: int) -> int:
    quote, pos = src[pos], pos + 1
    while pos < len(src):
        if src[pos] == "\\":
            pos += 2
        elif src[pos] == quote:
            return pos + 1
        else:
            pos += 1
    return -1
