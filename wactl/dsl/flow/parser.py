"""The `.flow` parser: lark LALR with an indentation post-lexer, and error recovery.

`parse_flow` parses the whole file in one pass (the fast path).  When that fails it
re-parses the file in chunks, one per flow and then one per step of a broken flow,
so one run reports a syntax error in every broken step rather than only the first.
Full-line comments are cut out before parsing and reattached to the flow or step
that follows them, so `wactl fmt` writes them back.  Nothing here raises: any input
(binary-ish garbage, deep nesting, megabytes) ends as diagnostics.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import cast

from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.indenter import Indenter

from wactl.diagnostics import CODES, Diagnostic, Span
from wactl.dsl import ast
from wactl.dsl.flow import _tables
from wactl.dsl.flow._errors import ParseProblem, describe
from wactl.dsl.flow._transform import Context, FlowTransformer

MAX_SYNTAX_ERRORS = 20
"""Past this many syntax errors in one file, the rest are noise: stop looking."""
MAX_NESTING = 100

_COMMENT_LINE = re.compile(r"^[ \t]*#(.*)$", re.M)
_STEP_LINE = re.compile(r"([ \t]+)[^\W\d]\w*:(?:[ \t]|$)")


class FlowIndenter(Indenter):
    """lark's Indenter, but a bad dedent or runaway nesting becomes a `ParseProblem`."""

    NL_type = "_NL"
    OPEN_PAREN_types = ["LSQB", "LBRACE"]
    CLOSE_PAREN_types = ["RSQB", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token) -> Iterator[Token]:
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        if indent > self.indent_level[-1]:
            self.indent_level.append(indent)
            yield Token.new_borrow_pos(self.INDENT_type, indent_str, token)
            return
        while indent < self.indent_level[-1]:
            self.indent_level.pop()
            yield Token.new_borrow_pos(self.DEDENT_type, indent_str, token)
        if indent != self.indent_level[-1]:
            line = (token.end_line or 1)
            raise ParseProblem("this line's indentation does not match any line above it",
                               line, len(indent_str) + 1,
                               "indent it exactly like the step or flow line it belongs to")

    def _process(self, stream: Iterator[Token]) -> Iterator[Token]:
        token = None
        for token in stream:
            if token.type == self.NL_type:
                yield from self.handle_NL(token)
            else:
                yield token
            if token.type in self.OPEN_PAREN_types:
                self.paren_level += 1
                if self.paren_level > MAX_NESTING:
                    raise ParseProblem("brackets are nested too deeply", token.line or 1,
                                       token.column or 1, f"at most {MAX_NESTING} levels")
            elif token.type in self.CLOSE_PAREN_types:
                self.paren_level = max(self.paren_level - 1, 0)
        while len(self.indent_level) > 1:
            self.indent_level.pop()
            yield (Token.new_borrow_pos(self.DEDENT_type, "", token) if token
                   else Token(self.DEDENT_type, "", 0, 1, 1, 1, 1, 0))


_LOCK = threading.Lock()
_TRANSFORMER = FlowTransformer()
_LARK: Lark | None = None


def get_parser() -> Lark:
    """The one Lark instance, from the tables shipped beside the grammar (see `_tables`).

    Never lark's `cache=True`: it unpickles a file with a predictable name in `$TMPDIR`.
    """
    global _LARK
    if _LARK is None:
        _LARK = _tables.load(FlowIndenter(), _TRANSFORMER)
    return _LARK


def _parse_chunk(path: str, text: str, line_offset: int) -> tuple[list[ast.Flow], Context]:
    """Parse `text` (lines shifted by `line_offset`); raises lark errors or ParseProblem."""
    ctx = Context(path, line_offset)
    _TRANSFORMER.ctx = ctx
    flows = get_parser().parse(text)
    return cast(list[ast.Flow], flows), ctx


def _attempt(path: str, text: str, offset: int, diags: list[Diagnostic]) -> list[ast.Flow] | None:
    """One parse; its diagnostics (or its syntax error, shifted) go to `diags`."""
    try:
        flows, ctx = _parse_chunk(path, text, offset)
    except (UnexpectedInput, ParseProblem) as exc:
        diags.append(describe(exc, path, text, offset))
        return None
    except RecursionError:
        diags.append(_diag("WA102", "the file is nested too deeply to read", Span(path)))
        return None
    diags.extend(ctx.diags)
    return flows


def _diag(code: str, message: str, span: Span) -> Diagnostic:
    return Diagnostic(code, CODES[code].severity, message, span)


# --------------------------------------------------------------------------- recovery


def _top_chunks(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) line indexes of each top-level block: a column-0 line and its body."""
    start = None
    for i, line in enumerate(lines):
        if line and not line[0].isspace():
            if start is not None:
                yield start, i
            start = i
    if start is not None:
        yield start, len(lines)


def _step_starts(lines: list[str], start: int, end: int) -> list[int]:
    """Indexes of the step label lines directly in the flow body of lines[start:end]."""
    indent = None
    found = []
    for i in range(start + 1, end):
        m = _STEP_LINE.match(lines[i])
        if lines[i].strip() and indent is None:
            indent = len(lines[i]) - len(lines[i].lstrip())
        if m and len(m.group(1)) == indent:
            found.append(i)
    return found


def _recover_flow(path: str, lines: list[str], start: int, end: int,
                  diags: list[Diagnostic], errors: int) -> None:
    """A broken flow: parse its header and each step alone to find every error in it.

    `errors` is the number of syntax errors found before; the count is kept as chunks
    are parsed (not recounted over every diagnostic), so recovery stays linear."""
    steps = _step_starts(lines, start, end)
    bounds = [start, *steps, end]
    header = "\n".join(lines[start:bounds[1]]) + "\n"
    errors += _attempted_errors(path, header, start, diags)
    for a, b in zip(bounds[1:-1], bounds[2:], strict=True):
        chunk = "flow chunk\n" + "\n".join(lines[a:b]) + "\n"
        errors += _attempted_errors(path, chunk, a - 1, diags)
        if errors >= MAX_SYNTAX_ERRORS:
            return


def _attempted_errors(path: str, text: str, offset: int, diags: list[Diagnostic]) -> int:
    """`_attempt`, returning how many syntax errors it added."""
    mark = len(diags)
    _attempt(path, text, offset, diags)
    return _syntax_errors(diags[mark:])


def _syntax_errors(diags: list[Diagnostic]) -> int:
    return sum(1 for d in diags if d.code == "WA102")


def _recover(path: str, text: str, diags: list[Diagnostic]) -> list[ast.Flow]:
    """Flows of the top-level chunks that parse; every broken one's errors are reported."""
    lines = text.split("\n")
    flows: list[ast.Flow] = []
    chunks = list(_top_chunks(lines))
    if len(chunks) == 1 and lines[0].startswith("flow"):  # the whole file is one broken flow
        _recover_flow(path, lines, 0, len(lines), diags, 0)
        return flows
    errors = 0
    for start, end in chunks:
        if errors >= MAX_SYNTAX_ERRORS:
            break
        chunk = "\n".join(lines[start:end]) + "\n"
        mark = len(diags)
        got = _attempt(path, chunk, start, diags)
        if got is not None:
            flows.extend(got)
        elif end - start > 1 and lines[start].startswith("flow"):
            del diags[mark:]
            _recover_flow(path, lines, start, end, diags, errors)
        errors += _syntax_errors(diags[mark:])
    return flows


# --------------------------------------------------------------------------- comments


def _cut_comments(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with full-line comments blanked (positions kept), and (line, comment)."""
    if "#" not in text:
        return text, []
    found: list[tuple[int, str]] = []
    line, pos = 1, 0

    def blank(m: re.Match[str]) -> str:
        nonlocal line, pos
        line += text.count("\n", pos, m.start())
        pos = m.start()
        body = m.group(1)
        found.append((line, body[1:] if body.startswith(" ") else body))
        return ""

    return _COMMENT_LINE.sub(blank, text), found


def _attach_comments(file: ast.SourceFile, comments: list[tuple[int, str]]) -> None:
    """Each comment goes to the flow or step after it; a file header stays with the file."""
    targets: list[tuple[int, list[str]]] = []
    for flow in file.flows:
        targets.append((flow.span.line, flow.comments))
        targets.extend((s.span.line, s.comments) for s in flow.steps)
    targets.sort(key=lambda t: t[0])
    i = 0
    for n, (line, bucket) in enumerate(targets):
        block = []
        while i < len(comments) and comments[i][0] < line:
            block.append(comments[i])
            i += 1
        if n == 0:
            split = len(block)
            while split and block[split - 1][0] == line - (len(block) - split) - 1:
                split -= 1
            file.comments.extend(c for _, c in block[:split])
            block = block[split:]
        bucket.extend(c for _, c in block)
    file.comments.extend(c for _, c in comments[i:])


# --------------------------------------------------------------------------- entry point


def parse_flow(path: str, text: str) -> tuple[ast.SourceFile | None, list[Diagnostic]]:
    """Parse one `.flow` file: a SourceFile of the flows that parsed, and all diagnostics."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, comments = _cut_comments(text)
    if not text.endswith("\n"):
        text += "\n"
    diags: list[Diagnostic] = []
    with _LOCK:
        try:
            flows = _attempt(path, text, 0, diags)
            if flows is None:
                diags.clear()
                flows = _recover(path, text, diags)
        except Exception as exc:  # the promise: never a traceback, whatever the input
            diags.append(_diag("WA901", f"internal error while parsing: {exc!r}", Span(path)))
            return None, diags
    file = ast.SourceFile(path=path, spelling="flow", flows=flows)
    _attach_comments(file, comments)
    diags.sort(key=Diagnostic.sort_key)
    return file, diags
