"""Diagnostics shared by every stage: spans, severities, codes, and the bag that collects them.

Errors are values, not exceptions: every stage appends `Diagnostic`s to a `DiagnosticBag`
and keeps going, so one run reports every problem of every file.  Codes are stable
(merchants grep for them, CI annotations key on them); the table below is the only
place a code is defined, and `docs/diagnostics.md` documents each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice


class Severity(StrEnum):
    """How bad a diagnostic is; `--strict` promotes warnings to failures."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, end-exclusive region of one file: first and past-last line/col."""

    file: str
    line: int = 1
    col: int = 1
    end_line: int = 0
    end_col: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line or (self.end_line == self.line and self.end_col < self.col):
            object.__setattr__(self, "end_line", self.line)
            object.__setattr__(self, "end_col", self.col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def at(self, line_offset: int, col: int, length: int = 1) -> Span:
        """A sub-span `line_offset` lines below this one's start (col is absolute on that line)."""
        line = self.line + line_offset
        return Span(self.file, line, col, line, col + max(length, 1))


NO_SPAN = Span("<unknown>", 1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """The table row of one code: its default severity and a short title for docs and SARIF."""

    severity: Severity
    title: str


E, W = Severity.ERROR, Severity.WARNING

CODES: dict[str, CodeInfo] = {
    # WA1xx load and syntax (dsl)
    "WA100": CodeInfo(E, "file cannot be read (missing path, not a file, permission)"),
    "WA101": CodeInfo(E, "YAML syntax error"),
    "WA102": CodeInfo(E, ".flow syntax error"),
    "WA103": CodeInfo(E, "unknown key"),
    "WA104": CodeInfo(E, "wrong type or invalid value"),
    "WA105": CodeInfo(E, "missing required key"),
    "WA106": CodeInfo(E, "unknown kind of file (no flow, flows, agent, test or project key)"),
    "WA107": CodeInfo(E, "file is not UTF-8 text"),
    "WA108": CodeInfo(E, "file too large"),
    "WA109": CodeInfo(E, "duplicate key in a mapping"),
    "WA110": CodeInfo(E, "invalid identifier"),
    "WA111": CodeInfo(E, "invalid duration"),
    "WA112": CodeInfo(E, "conflicting keys (a step or trigger of more than one kind)"),
    "WA113": CodeInfo(E, "project too large (files, bytes or flows over the limit)"),
    # WA2xx names (compiler/resolve)
    "WA201": CodeInfo(E, "duplicate flow id"),
    "WA202": CodeInfo(E, "duplicate step id"),
    "WA203": CodeInfo(E, "unknown step target"),
    "WA204": CodeInfo(E, "unknown flow"),
    "WA205": CodeInfo(E, "unknown agent"),
    "WA206": CodeInfo(E, "duplicate agent id"),
    "WA207": CodeInfo(E, "reserved step id"),
    "WA208": CodeInfo(E, "`run ... with` sets a variable the sub-flow does not declare"),
    "WA209": CodeInfo(W, "duplicate test name"),
    # WA3xx graph
    "WA301": CodeInfo(W, "unreachable step"),
    "WA302": CodeInfo(E, "cycle that can loop without waiting for the customer"),
    "WA303": CodeInfo(E, "sub-flow recursion"),
    "WA304": CodeInfo(E, "step not allowed in a rule flow"),
    "WA305": CodeInfo(E, "send outside the 24h window without a template"),
    "WA306": CodeInfo(W, "flow has no steps"),
    "WA307": CodeInfo(E, "choice question offers no buttons or list"),
    "WA308": CodeInfo(W, "`on_timeout` without `timeout`, or `timeout` without `on_timeout`"),
    # WA4xx expressions, templates, variables
    "WA401": CodeInfo(E, "expression syntax error"),
    "WA402": CodeInfo(E, "template syntax error"),
    "WA403": CodeInfo(E, "unknown function or filter"),
    "WA404": CodeInfo(E, "variable is never assigned"),
    "WA405": CodeInfo(W, "variable may be read before it is assigned"),
    "WA406": CodeInfo(E, "wrong number of arguments"),
    "WA407": CodeInfo(W, "unknown field of a built-in root"),
    "WA408": CodeInfo(E, "invalid regular expression"),
    "WA409": CodeInfo(E, "expression too large"),
    # WA5xx WhatsApp limits
    "WA501": CodeInfo(E, "too many reply buttons (at most 3)"),
    "WA502": CodeInfo(E, "title too long"),
    "WA503": CodeInfo(E, "too many list rows or sections (at most 10)"),
    "WA504": CodeInfo(E, "text too long"),
    "WA505": CodeInfo(E, "template parameter count does not match"),
    "WA506": CodeInfo(W, "template, or its language, not declared in wactl.yaml"),
    "WA507": CodeInfo(E, "duplicate button title or list row id"),
    "WA508": CodeInfo(E, "buttons and list in one message"),
    "WA509": CodeInfo(E, "interactive message WhatsApp refuses (no text body, wrong media)"),
    # WA6xx triggers
    "WA601": CodeInfo(E, "conflicting triggers (same keyword, same priority)"),
    "WA602": CodeInfo(W, "regex trigger shadowed by a keyword trigger"),
    "WA603": CodeInfo(E, "invalid regex trigger"),
    "WA604": CodeInfo(E, "invalid cron expression"),
    "WA605": CodeInfo(W, "unknown event name"),
    "WA606": CodeInfo(W, "duplicate keyword"),
    # WA7xx languages, project, agents, tests
    "WA701": CodeInfo(E, "text missing a language the flow uses"),
    "WA702": CodeInfo(W, "language not declared in the project"),
    "WA703": CodeInfo(E, "test refers to an unknown flow or agent"),
    "WA704": CodeInfo(E, "invalid project file"),
    # WA8xx HTTP calls (the egress policy, compiler/egress.py)
    "WA801": CodeInfo(E, "`call` URL the egress policy can never allow"),
    "WA802": CodeInfo(W, "`call` URL whose host comes from a template"),
    "WA803": CodeInfo(W, "`call` URL to this machine (only with --allow-local-http)"),
    "WA804": CodeInfo(E, "`call` timeout or retries over the limit"),
    # WA9xx internal
    "WA901": CodeInfo(E, "internal error (a wactl bug)"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place.  `path` holds a cycle or call chain, `related` secondary spans."""

    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None
    related: tuple[tuple[Span, str], ...] = ()
    path: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.col, self.code)

    def to_dict(self) -> dict[str, object]:
        """JSON shape used by `--format json` and by tests."""
        s = self.span
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": s.file,
            "line": s.line,
            "col": s.col,
            "end_line": s.end_line,
            "end_col": s.end_col,
        }
        if self.hint:
            out["hint"] = self.hint
        if self.path:
            out["path"] = list(self.path)
        if self.related:
            out["related"] = [{"file": r.file, "line": r.line, "col": r.col, "note": n}
                              for r, n in self.related]
        return out


@dataclass
class DiagnosticBag:
    """Collects diagnostics from every stage; never raises."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        span: Span,
        *,
        hint: str | None = None,
        related: Iterable[tuple[Span, str]] = (),
        path: Iterable[str] = (),
        severity: Severity | None = None,
    ) -> Diagnostic:
        """Append a diagnostic whose severity defaults to the code's row in `CODES`."""
        info = CODES[code]
        diag = Diagnostic(code, severity or info.severity, message, span, hint,
                          tuple(related), tuple(path))
        self.items.append(diag)
        return diag

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Deduplicated, in file/line/col order: the order every renderer prints."""
        seen: set[tuple[object, ...]] = set()
        out: list[Diagnostic] = []
        for d in sorted(self.items, key=Diagnostic.sort_key):
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out


MAX_SUGGESTIONS = 100
"""Fuzzy 'did you mean' searches per `suggestion_budget` (one compile): each costs time in
the number of candidates, so without a budget 10,000 misspelt names among 10,000 steps
took minutes.  Later diagnostics are still reported, without the suggestion."""
MAX_CANDIDATES = 1_000
"""Candidates one search compares (all of the ~600 time zones fit)."""

_SUGGESTIONS_LEFT: ContextVar[list[int] | None] = ContextVar("wactl_suggestions_left",
                                                              default=None)


@contextmanager
def suggestion_budget(searches: int = MAX_SUGGESTIONS) -> Iterator[None]:
    """Within this block, at most `searches` calls of `did_you_mean` search at all.

    Nested blocks share the outer budget (compile_project calls compile_files).
    """
    if _SUGGESTIONS_LEFT.get() is not None:
        yield
        return
    token = _SUGGESTIONS_LEFT.set([searches])
    try:
        yield
    finally:
        _SUGGESTIONS_LEFT.reset(token)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt key or name, or None when nothing is close.

    Bounded: inside a `suggestion_budget` only so many searches run, and each compares at
    most MAX_CANDIDATES candidates; from a longer list, the first ones (a set: in sorted
    order) whose length is within half the word's length of it (the likeliest typos).
    """
    import difflib

    left = _SUGGESTIONS_LEFT.get()
    if left is not None:
        if left[0] <= 0:
            return None
        left[0] -= 1
    pool = list(candidates)
    if len(pool) > MAX_CANDIDATES:
        if isinstance(candidates, set | frozenset):
            pool.sort()  # which ones are kept must not depend on string hashing
        slack = max(2, len(word) // 2)
        pool = list(islice((c for c in pool if abs(len(c) - len(word)) <= slack),
                           MAX_CANDIDATES))
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None
