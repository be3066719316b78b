"""Reading on after a `.flow` syntax error: guess the fix, say it, and parse the step again.

When a step (or a flow's header) does not parse, the error is reported, and then one
of a few repairs is tried on that chunk's lines before giving up on it:

- a misspelt word where a step kind, a clause or an attribute was expected (`reply`,
  `buton`, `wen`) is read as the closest one, and the diagnostic points at the word
  and says "did you mean";
- a count written in words (`retry 2 times` written `two times`) is read as the number;
- a clause written at the step's own indentation is read as if indented under it;
- otherwise a broken clause line (not the step's own line) is left out, and the step
  is marked unsure, so checks that conclude from absence do not judge its flow.

The repaired step is then checked like any other, so its semantic errors, and those of
every other step, are still reported in the same run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lark.exceptions import UnexpectedInput, UnexpectedToken

from wactl.diagnostics import CODES, Diagnostic, Span, closest
from wactl.dsl import ast
from wactl.dsl.flow._errors import STEP_KINDS, ParseProblem

CLAUSE_WORDS = ("then", "when", "buttons", "image", "document", "audio", "video", "caption",
                "fallback", "as", "retry", "on", "validate", "extract", "timeout", "header",
                "body", "if", "else", "set", "field", "with", "until", "for", "to", "at", "list")
ATTRIBUTE_WORDS = ("description", "priority", "rule", "var", "vars", "when")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                "seven": "7", "eight": "8", "nine": "9", "ten": "10", "once": "1 time",
                "twice": "2 times"}
_WORD = re.compile(r"[^\W\d]\w*")
_LANG = re.compile(r"[a-z]{2,3}(?:_[A-Za-z]{2,4})?\Z")


@dataclass(frozen=True)
class Repair:
    """New lines for the chunk, the diagnostic to report instead of the raw one (if any),
    and whether the result is only a part of what was written."""

    lines: list[str]
    diag: Diagnostic | None
    unsure: bool


def error_at(exc: UnexpectedInput | ParseProblem) -> tuple[int, int]:
    """1-based (line, column) of the error inside the parsed text."""
    if isinstance(exc, ParseProblem):
        return exc.line, exc.col
    if isinstance(exc, UnexpectedToken) and exc.token.type in ("_NL", "_INDENT", "_DEDENT"):
        return (exc.token.line or 1), 1  # where the line ended
    return (exc.line if exc.line and exc.line > 0 else 1,
            exc.column if exc.column and exc.column > 0 else 1)


def repair(exc: UnexpectedInput | ParseProblem, lines: list[str], first: int, path: str,
           header: bool, parses_past: Callable[[list[str], int], bool]) -> Repair | None:
    """A repair for the error `exc` in `lines` (lines[i] is file line first + i + 1).

    A guess is kept only when `parses_past(new_lines, idx)` says the parse then gets past
    the line; else the line is left out (or, for the step's own line, nothing is kept).
    """
    text_line, col = error_at(exc)
    idx = text_line - (1 if header else 2)
    if not 0 <= idx < len(lines):
        return None
    at = _Where(path, first + idx + 1)
    for guess in (_misspelt(exc, lines, idx, col, at, header), _count_in_words(lines, idx, at),
                  _misspelt_first_word(lines, idx, at, header), _outdented(lines, idx, at)):
        if guess is not None and parses_past(guess.lines, idx):
            return guess
    return _dropped(lines, idx, lines[idx])


@dataclass(frozen=True)
class _Where:
    path: str
    line: int

    def diag(self, message: str, col: int, width: int, hint: str | None) -> Diagnostic:
        span = Span(self.path, self.line, col, self.line, col + width)
        return Diagnostic("WA102", CODES["WA102"].severity, message, span, hint)


def _replace(lines: list[str], idx: int, col: int, old: str, new: str) -> list[str]:
    line = lines[idx]
    return [*lines[:idx], line[:col - 1] + new + line[col - 1 + len(old):], *lines[idx + 1:]]


def _expected_words(exc: UnexpectedInput | ParseProblem) -> list[str]:
    expected = getattr(exc, "expected", None) or ()
    return sorted(t.lower() for t in expected if t.isalpha() and t.isupper())


def _misspelt(exc: UnexpectedInput | ParseProblem, lines: list[str], idx: int, col: int,
              at: _Where, header: bool) -> Repair | None:
    """The error is at a word, and a keyword expected there is close to it."""
    word = _WORD.match(lines[idx], col - 1)
    if word is None or word.start() != col - 1 or not isinstance(exc, UnexpectedToken) \
            or lines[idx][col - 2:col - 1] in ("\"", "'"):  # a text that ended too early
        return None
    found = word.group()
    expected = _expected_words(exc)
    head = bool(set(expected) & {"say", "ask", "goto"})
    alias = ast.KEY_ALIASES.get(found)
    alias = "say" if alias == "send" else alias
    meant = alias if head and alias in STEP_KINDS else closest(found, expected)
    if meant is None or found in NUMBER_WORDS:
        return None
    what = "step kind" if head else ("attribute" if header and idx > 0 else "clause")
    hint = f"did you mean `{meant}`?" + (f" (wactl spells `{found}` as `{meant}`)"
                                         if meant == alias else "")
    return Repair(_replace(lines, idx, col, found, meant),
                  at.diag(f"unknown {what} `{found}`", col, len(found), hint), False)


def _count_in_words(lines: list[str], idx: int, at: _Where) -> Repair | None:
    """`retry "..." two times`: the count is a number."""
    line = lines[idx]
    for m in _WORD.finditer(line):
        digits = NUMBER_WORDS.get(m.group().lower())
        rest = line[m.end():].lstrip()
        if digits is not None and (rest.startswith("time") or " " in digits):
            col = m.start() + 1
            shown = digits if " " in digits else f"{digits} times"
            return Repair(_replace(lines, idx, col, m.group(), digits),
                          at.diag(f"write the count in digits: `{shown}`", col,
                                  len(m.group()), None), False)
    return None


def _misspelt_first_word(lines: list[str], idx: int, at: _Where, header: bool) -> Repair | None:
    """A clause line whose first word is no clause (`buton "A", "B"` reads as a language
    variant until the comma): read it as the closest clause."""
    line = lines[idx]
    word = _WORD.match(line, len(line) - len(line.lstrip()))
    if idx == 0 or word is None:
        return None
    words = ATTRIBUTE_WORDS if header else CLAUSE_WORDS
    found = word.group()
    if found in words or _LANG.match(found):
        return None
    meant = closest(found, words)
    if meant is None:
        return None
    col = word.start() + 1
    return Repair(_replace(lines, idx, col, found, meant),
                  at.diag(f"unknown {'attribute' if header else 'clause'} `{found}`", col,
                          len(found), f"did you mean `{meant}`?"), False)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _outdented(lines: list[str], idx: int, at: _Where) -> Repair | None:
    """A clause written at its step's indentation: read it as indented under the step."""
    line = lines[idx]
    word = _WORD.match(line, _indent(line))
    if idx == 0 or word is None or _indent(line) != _indent(lines[0]):
        return None
    found = word.group()
    if found not in CLAUSE_WORDS and closest(found, CLAUSE_WORDS) is None:
        return None
    deeper = next((_indent(x) for x in lines[1:] if x.strip() and _indent(x) > _indent(line)),
                  _indent(line) + 2)
    fixed = " " * deeper + line.lstrip()
    label = lines[0].strip().split(":", 1)[0]
    return Repair([*lines[:idx], fixed, *lines[idx + 1:]],
                  at.diag(f"`{found}` is indented like a step, but it is not one", word.start()
                          + 1, len(found), f"to give it to step `{label}`, indent it more "
                          f"than the step's line, like the step's other clauses"), False)


def _dropped(lines: list[str], idx: int, line: str) -> Repair | None:
    """Leave a broken clause line out (never the step's or flow's own line)."""
    if idx == 0 or not line.strip():
        return None
    return Repair([*lines[:idx], "", *lines[idx + 1:]], None, True)
