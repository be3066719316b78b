"""The `.flow` parser: lark LALR with an indentation post-lexer, and error recovery.

`parse_flow` parses the whole file in one pass (the fast path).  When that fails it
re-parses the file in chunks, one per flow and then one per step of a broken flow,
so one run reports a syntax error in every broken step rather than only the first.
A broken chunk is repaired where the fix can be guessed (`_repair.py`), and a broken
flow is rebuilt from its header and the steps that parsed, with the labels of those
that did not in `Flow.lost_steps`: the checks still run on everything that was read.
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
from wactl.dsl.flow._repair import error_at, repair
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
                  diags: list[Diagnostic], errors: int = 0) -> ast.Flow | None:
    """A broken flow: parse its header and each step alone to find every error in it, and
    rebuild the flow from what parsed (None when not even its id can be read).

    `errors` is the number of syntax errors found before; the count is kept as chunks
    are parsed (not recounted over every diagnostic), so recovery stays linear."""
    starts = _step_starts(lines, start, end)
    bounds = [start, *starts, end]
    mark = len(diags)
    header = _recover_chunk(path, lines[start:bounds[1]], start, diags, header=True)
    errors += _syntax_errors(diags[mark:])
    steps: list[ast.Step] = []
    lost: list[str] = []
    for a, b in zip(bounds[1:-1], bounds[2:], strict=True):
        mark = len(diags)
        found = None if errors >= MAX_SYNTAX_ERRORS else \
            _recover_chunk(path, lines[a:b], a, diags, header=False)
        errors += _syntax_errors(diags[mark:])
        if found is None:
            lost.append(lines[a].strip().split(":", 1)[0])
        else:
            steps.extend(s for flow in found for s in flow.steps)
    flow = header[0] if header else _bare_flow(path, lines[start], start)
    if flow is None:
        return None
    return flow.model_copy(update={"steps": steps, "lost_steps": lost,
                                   "partial": header is None or flow.partial})


MAX_REPAIRS = 4


def _recover_chunk(path: str, lines: list[str], first: int, diags: list[Diagnostic],
                   *, header: bool) -> list[ast.Flow] | None:
    """Parse one step (or a flow's header), repairing what can be guessed; None if lost."""
    unsure, seen = False, set()
    prefix, offset = ("", first) if header else ("flow chunk\n", first - 1)
    for _ in range(MAX_REPAIRS + 1):
        text = prefix + "\n".join(lines) + "\n"
        try:
            flows, ctx = _parse_chunk(path, text, offset)
        except (UnexpectedInput, ParseProblem) as exc:
            fix = repair(exc, lines, first, path, header,
                         lambda new, idx: _parses_past(path, prefix + "\n".join(new) + "\n",
                                                       idx + len(prefix.split("\n"))))
            diag = fix.diag if fix is not None and fix.diag is not None \
                else describe(exc, path, text, offset)
            if diag.span not in seen:
                seen.add(diag.span)
                diags.append(diag)
            if fix is None:
                return None
            lines, unsure = fix.lines, unsure or fix.unsure
            continue
        except RecursionError:
            diags.append(_diag("WA102", "the file is nested too deeply to read", Span(path)))
            return None
        diags.extend(ctx.diags)
        if unsure:
            _mark_unsure(flows, header)
        return flows
    return None


def _parses_past(path: str, text: str, line: int) -> bool:
    """Whether `text` parses, or fails only after its 1-based `line` (a repair worked)."""
    try:
        _parse_chunk(path, text, 0)
    except (UnexpectedInput, ParseProblem) as exc:
        return error_at(exc)[0] > line
    except RecursionError:
        return False
    return True


def _mark_unsure(flows: list[ast.Flow], header: bool) -> None:
    for flow in flows:
        if header:
            flow.partial = True
        for step in flow.steps:
            step.unsure = True


_FLOW_LINE = re.compile(r"flow[ \t]+([^\W\d]\w*)")


def _bare_flow(path: str, line: str, index: int) -> ast.Flow | None:
    """The flow a broken header line still names (nothing else of the header is known)."""
    m = _FLOW_LINE.match(line)
    if m is None:
        return None
    return ast.Flow(id=m.group(1), span=Span(path, index + 1, 1, index + 1, m.end() + 1),
                    partial=True)


def _syntax_errors(diags: list[Diagnostic]) -> int:
    return sum(1 for d in diags if d.code == "WA102")


def _recover(path: str, text: str, diags: list[Diagnostic]) -> list[ast.Flow]:
    """Flows of the top-level chunks that parse; every broken one's errors are reported."""
    lines = text.split("\n")
    flows: list[ast.Flow] = []
    chunks = list(_top_chunks(lines))
    if len(chunks) == 1 and lines[0].startswith("flow"):  # the whole file is one broken flow
        one = _recover_flow(path, lines, 0, len(lines), diags, 0)
        return [one] if one is not None else []
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
            one = _recover_flow(path, lines, start, end, diags, errors)
            if one is not None:
                flows.append(one)
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
