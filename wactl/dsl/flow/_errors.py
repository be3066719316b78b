"""Turning lark's parse errors into WA102 diagnostics a merchant can act on.

lark says "Unexpected token Token('NAME', 'Hello'), expected one of STRING, ..."; a
merchant needs "texts go in quotes".  `describe` is the one place that maps an error
to a message: first through a catalogue of malformed snippets (lark's
`match_examples` idea, precomputed into a table keyed by parser state and token),
then through a generic "expected X" sentence with readable terminal names.
"""

from __future__ import annotations

import re
from functools import cache

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from wactl.diagnostics import CODES, Diagnostic, Span, did_you_mean

STEP_KINDS = ("say", "send", "ask", "template", "if", "branch", "set", "tag", "untag", "field",
              "consent", "call", "wait", "agent", "handoff", "goto", "run", "link", "end")


class ParseProblem(Exception):
    """A syntax problem found outside lark's parser (indentation, nesting); carries a position."""

    def __init__(self, message: str, line: int, col: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.hint = message, line, col, hint


STEP_TEXT = "a step's text comes right after its kind, like `ask \"...\" as number -> n`"
DURATION = "expected a duration like `2d` or `2 days`"
WAIT_DURATION = DURATION + ", or `until EXPR`"
UNITS = ("s", "m", "h", "d", "seconds", "minutes", "hours", "days", "mins", "hrs")

# Malformed snippets -> the message for errors that stop in the same parser state.
CATALOGUE: dict[str, tuple[str, ...]] = {
    "expected a step after the label (like `say \"...\"`, `ask \"...\"`, `call GET \"...\"`)": (
        "flow f\n  greet:\n", "flow f\n  greet: 12\n", "flow f\n  greet: \"Hi\"\n"),
    "texts go in quotes, like \"Hello there\"": (
        "flow f\n  greet: say Hello there\n", "flow f\n  greet: ask What is it\n",
        "flow f\n  s: say \"a\" buttons Yes\n"),
    "a flow starts with `flow <id>`, like `flow order_status \"Order status\"`": (
        "flow \"Order\"\n", "flow\n"),
    "steps go inside a flow: put `flow <id>` above them and indent the steps": (
        "greet: say \"hi\"\n", "say \"hi\"\n"),
    "a branch arm is `if <condition> -> <step>`": (
        "flow f\n  r: if x > 1\n", "flow f\n  r: branch\n    if x\n"),
    "expected a step name after `then` (or `then end`)": (
        "flow f\n  s: say \"a\" then\n", "flow f\n  s: say \"a\" then \"b\"\n"),
    "write the HTTP method before the address, like `call GET \"https://...\"`": (
        "flow f\n  c: call \"https://x\"\n",),
    "write the count as `retry 2 times`": (
        "flow f\n  a: ask \"a\"\n    retry 2\n", "flow f\n  a: ask \"a\"\n    retry \"x\" 2\n"),
    "a trigger is `when keyword ...`, `when regex ...`, `when intent ...`, "
    "`when event ...` or `when schedule ...`": (
        "flow f\n  when \"order\"\n", "flow f\n  when order\n"),
    "this line is indented more than the step above it: steps of a flow line up": (
        "flow f\n  a: say \"x\"\n   b: say \"y\"\n", "flow f\n  a: say \"x\"\n    b: say \"y\"\n"),
    "expected a name to save the answer in after `->`": (
        "flow f\n  a: ask \"a\" ->\n", "flow f\n  a: ask \"a\" -> \"x\"\n"),
    STEP_TEXT: (
        "flow f\n  c: ask as number \"bad order\" -> n\n", "flow f\n  s: say then end \"x\"\n"),
    WAIT_DURATION: ("flow f\n  w: wait two days\n", "flow f\n  w: wait soon\n"),
    DURATION: ("flow f\n  a: ask \"x\"\n    timeout soon\n",),
}

_NAMES = {
    "STRING": "a quoted text", "NAME": "a name", "LABEL": "a step (`name: ...`)",
    "EXPR": "an expression", "BEXPR": "an expression", "DURATION": "a duration like 30s",
    "INT": "a whole number", "NUMBER": "a number", "_NL": "the end of the line",
    "_INDENT": "an indented line", "_DEDENT": "less indentation", "$END": "the end of the file",
    "ARROW": "`->`", "LSQB": "`[`", "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`",
    "COMMA": "`,`", "EQUAL": "`=`", "COLON": "`:`", "DOT": "`.`",
}


def _readable(term: str) -> str:
    return _NAMES.get(term, f"`{term.lower()}`")


@cache
def _catalogue() -> dict[tuple[int, str], str]:
    """(parser state, token type) -> message, learnt by parsing every catalogue snippet."""
    from wactl.dsl.flow.parser import _parse_chunk

    table: dict[tuple[int, str], str] = {}
    for message, snippets in CATALOGUE.items():
        for snippet in snippets:
            try:
                _parse_chunk("<catalogue>", snippet, 0)
            except UnexpectedInput as exc:
                key = (_state(exc), _token_type(exc))
                table.setdefault(key, message)
                table.setdefault((_state(exc), "*"), message)
            except ParseProblem:
                continue
    return table


def _state(exc: UnexpectedInput) -> int:
    state = getattr(exc, "state", None)
    position = getattr(state, "position", state)
    return position if isinstance(position, int) else -1


def _token_type(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedToken):
        return str(exc.token.type)
    return "$END" if isinstance(exc, UnexpectedEOF) else "<char>"


_WORD = re.compile(r"[^\W\d]\w*")
_IN_BUTTONS = re.compile(r"\bbuttons?[ \t]+[\"'].*[\"'][ \t]*$")
_AFTER_NUMBER = re.compile(r"\d[ \t]+$")

# Terminals a merchant writes often come first when the expected ones are listed.
_COMMON = ("THEN", "ARROW", "BUTTONS", "WHEN", "STRING", "NAME", "LABEL", "AS", "IF", "ELSE",
           "UNTIL", "RETRY", "TIMEOUT", "DURATION", "INT", "NUMBER", "EXPR", "_NL")


def _expected(exc: UnexpectedInput) -> str:
    """At most four expected tokens, the common ones first: a hint, not a grammar dump."""
    terms = {t for t in getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
             if not t.startswith("__")}
    ranked = sorted(terms, key=lambda t: (_COMMON.index(t) if t in _COMMON else len(_COMMON), t))
    shown = list(dict.fromkeys(_readable(t) for t in ranked))[:4]
    if not shown:
        return "this does not fit here"
    return "expected " + (shown[0] if len(shown) == 1 else
                          ", ".join(shown[:-1]) + " or " + shown[-1])


def _found(exc: UnexpectedInput, text: str) -> str:
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type in ("_NL", "$END", "_DEDENT", "_INDENT"):
            return "the line ends too early" if tok.type != "_INDENT" else "unexpected indentation"
        return f"unexpected `{str(tok.value)[:40]}`"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character `{text[exc.pos_in_stream or 0]}`"
    return "the file ends too early"


def _message(exc: UnexpectedInput, text: str) -> tuple[str, str | None]:
    """The sentence and hint for one lark error."""
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream or 0]
        if char in "\"'":
            return "unclosed string: this text has no closing quote on its line", \
                "close it with " + char + " (write \\n for a line break)"
        if char == "`":
            return "unclosed expression: no closing ` on this line", None
    table = _catalogue()
    friendly = table.get((_state(exc), _token_type(exc))) or table.get((_state(exc), "*"))
    if friendly:
        return friendly, None
    if isinstance(exc, UnexpectedToken):
        known = _in_context(exc, text)
        if known:
            return known
    hint = None
    if isinstance(exc, UnexpectedToken) and exc.token.type == "NAME":
        hint = did_you_mean(str(exc.token.value), STEP_KINDS)
    return f"{_found(exc, text)}: {_expected(exc)}", hint


def _in_context(exc: UnexpectedToken, text: str) -> tuple[str, str | None] | None:
    """A message from where the error is (a duration, a step's clauses), when one fits."""
    expected, tok = set(exc.expected), exc.token
    value, start = str(tok.value), tok.start_pos or 0
    word = _WORD.match(value)
    if "DURATION" in expected:
        return (WAIT_DURATION if "UNTIL" in expected else DURATION), None
    if "THEN" not in expected or tok.type in ("_NL", "_INDENT", "_DEDENT", "$END"):
        return None
    if start and text[start - 1] in "\"'" and word:
        return (f"this text ends at the quote before `{word.group()}`",
                "write \\\" for a quote inside a text, or put the text in the other quotes")
    if tok.type == "STRING" or value.startswith(("\"", "'")):
        if _IN_BUTTONS.search(text[text.rfind("\n", 0, start) + 1:start]):
            return "separate the buttons with commas, like `buttons \"Yes\", \"No\"`", None
        return STEP_TEXT, None
    if not word:
        return None
    if _AFTER_NUMBER.search(text, 0, start):
        return (f"unknown unit `{word.group()}`: {DURATION}",
                did_you_mean(word.group(), UNITS))
    clauses = sorted(t.lower() for t in expected if t.isalpha() and t.isupper())
    return f"unknown clause `{word.group()}`", did_you_mean(word.group(), clauses)


def _position(exc: UnexpectedInput, text: str) -> tuple[int, int]:
    line, col = getattr(exc, "line", None), getattr(exc, "column", None)
    if isinstance(exc, UnexpectedToken) and exc.token.type in ("_NL", "_DEDENT", "_INDENT"):
        line, col = exc.token.line, exc.token.column  # where the line ended
    if not isinstance(line, int) or line < 1:
        line = text.count("\n") or 1
        col = 1
    return line, col if isinstance(col, int) and col >= 1 else 1


def describe(exc: UnexpectedInput | ParseProblem, path: str, text: str, offset: int) -> Diagnostic:
    """The WA102 diagnostic for one parse error in `text` (whose line 1 is file line offset+1)."""
    if isinstance(exc, ParseProblem):
        message, hint, line, col = exc.message, exc.hint, exc.line, exc.col
    else:
        (message, hint), (line, col) = _message(exc, text), _position(exc, text)
    lines = text.split("\n", line)
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source[:len(source) - len(source.lstrip())]:
        hint = TAB_HINT
    span = Span(path, line + offset, col, line + offset, col + 1)
    return Diagnostic("WA102", CODES["WA102"].severity, message, span, hint)


TAB_HINT = ("this line is indented with a tab, which counts as 8 spaces here: indent with "
            "spaces only, the same number as the lines it lines up with")
