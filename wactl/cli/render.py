"""Diagnostics as text for people (rustc/ruff style), and as github, SARIF and JSON for machines.

Every renderer is a pure function from diagnostics (and the source texts, for the
snippet) to a string, so golden tests and the generated docs/diagnostics.md can call
them directly.  Colour is a rendering option, not a second code path: the text
renderer produces styled segments and only joins them, or hands them to rich when
colour is wanted (rich is imported only then, to keep `wactl validate` fast).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from wactl.diagnostics import NO_SPAN, Diagnostic, Severity, Span

Segment = tuple[str, str]
"""A piece of text and its rich style ('' for none)."""
Line = list[Segment]

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow",
                  Severity.INFO: "bold blue"}
GUTTER = "bold blue"


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts behind the last line of `wactl validate` and the `summary` of --format json."""

    files: int
    flows: int
    agents: int
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    @classmethod
    def of(cls, diags: Sequence[Diagnostic], files: int, flows: int, agents: int) -> Summary:
        count = {s: sum(1 for d in diags if d.severity is s) for s in Severity}
        return cls(files, flows, agents, count[Severity.ERROR], count[Severity.WARNING],
                   count[Severity.INFO])

    def passed(self, strict: bool = False) -> bool:
        """No errors (and, under --strict, no warnings either)."""
        return self.errors == 0 and not (strict and self.warnings)


def has_location(span: Span) -> bool:
    """False for NO_SPAN (e.g. an internal error that happened outside any file)."""
    return span.file != NO_SPAN.file


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- text


SNIPPET_WIDTH = 120
"""At most this many source columns are shown; a longer line is cut around the caret."""
SNIPPET_LEAD = 40
"""Columns of context kept before the caret when a long line is cut."""
ELLIPSIS = "…"

SplitLines = dict[str, list[str]]
"""Each file's lines, split once per render (not once per diagnostic)."""


def _file_lines(file: str, sources: Mapping[str, str], cache: SplitLines) -> list[str] | None:
    """The lines of `file`, split on first use and kept in `cache`; None when unknown."""
    if file not in sources:
        return None
    if file not in cache:
        cache[file] = sources[file].split("\n")
    return cache[file]


def _window(src: str, start: int, end: int) -> tuple[str, int, int]:
    """`src` cut to SNIPPET_WIDTH columns around 1-based [start, end), and the shifted span.

    A minified or generated line can be megabytes long; printing it whole per
    diagnostic made the output grow with lines times diagnostics.
    """
    if len(src) <= SNIPPET_WIDTH:
        return src, start, end
    lo = max(0, min(start - 1 - SNIPPET_LEAD, len(src) - SNIPPET_WIDTH))
    hi = lo + SNIPPET_WIDTH
    head = ELLIPSIS if lo > 0 else ""
    tail = ELLIPSIS if hi < len(src) else ""
    shift = lo - len(head)
    new_end = min(end, hi + 1) - shift
    return head + src[lo:hi] + tail, start - shift, max(new_end, start - shift + 1)


def _snippet(diag: Diagnostic, sources: Mapping[str, str], width: int,
             cache: SplitLines | None = None) -> list[Line]:
    """The source line under a gutter with carets under the span; [] when not available."""
    span = diag.span
    lines = _file_lines(span.file, sources, {} if cache is None else cache)
    if lines is None or not 1 <= span.line <= len(lines):
        return []
    full = lines[span.line - 1]
    start = min(max(span.col, 1), len(full) + 1)
    end = span.end_col if span.end_line == span.line else len(full) + 1
    src, start, end = _window(full, start, end)
    carets = "^" * max(end - start, 1)
    pad = "".join(c if c == "\t" else " " for c in src[: start - 1])
    bar = " " * width + " |"
    style = SEVERITY_STYLE[diag.severity]
    return [[(bar, GUTTER)],
            [(f"{span.line:>{width}} |", GUTTER), (f" {src}" if src else "", "")],
            [(bar, GUTTER), (f" {pad}", ""), (carets, style)]]


def _notes(diag: Diagnostic, width: int) -> list[Line]:
    """The `= hint:`, `= note:` and `= path:` lines below the snippet."""
    eq = " " * width + " = "
    out: list[Line] = []
    if diag.hint:
        out.append([(eq, GUTTER), ("hint", "bold"), (f": {diag.hint}", "")])
    for span, note in diag.related:
        out.append([(eq, GUTTER), ("note", "bold"), (f": {span}: {note}", "")])
    if diag.path:
        out.append([(eq, GUTTER), ("path", "bold"), (": " + " -> ".join(diag.path), "")])
    return out


def diagnostic_lines(diag: Diagnostic, sources: Mapping[str, str],
                     cache: SplitLines | None = None) -> list[Line]:
    """One diagnostic as styled lines: header, location, snippet, notes.

    Pass the same `cache` for every diagnostic of one render so each file is split once.
    """
    width = len(str(diag.span.line))
    header: Line = [(f"{diag.severity.value}[{diag.code}]", SEVERITY_STYLE[diag.severity]),
                    (f": {diag.message}", "bold")]
    if not has_location(diag.span):
        return [header, *_notes(diag, 0)]
    where: Line = [(" " * width + "--> ", GUTTER), (str(diag.span), "")]
    return [header, where, *_snippet(diag, sources, width, cache), *_notes(diag, width)]


def summary_line(summary: Summary) -> Line:
    """`Found 3 errors and 1 warning in 12 files.` or `All checks passed: ...`."""
    if summary.errors == 0 and summary.warnings == 0:
        text = (f"All checks passed: {plural(summary.files, 'file')}, "
                f"{plural(summary.flows, 'flow')}, {plural(summary.agents, 'agent')}.")
        return [(text, "bold green")]
    found = [plural(n, w) for n, w in ((summary.errors, "error"), (summary.warnings, "warning"))
             if n]
    style = "bold red" if summary.errors else "bold yellow"
    return [(f"Found {' and '.join(found)} in {plural(summary.files, 'file')}.", style)]


def join_lines(lines: Sequence[Line], color: bool = False) -> str:
    """Plain text, or ANSI-coloured text through rich when `color`."""
    if not color:
        return "".join("".join(text for text, _ in line) + "\n" for line in lines)
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    buffer = StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard",
                      width=10_000, highlight=False, soft_wrap=True)
    for line in lines:
        console.print(Text.assemble(*line))
    return buffer.getvalue()


def render_text(diags: Sequence[Diagnostic], sources: Mapping[str, str],
                summary: Summary | None = None, *, color: bool = False) -> str:
    """Every diagnostic (blank line between), then the summary line if given."""
    lines: list[Line] = []
    cache: SplitLines = {}
    for diag in diags:
        lines.extend(diagnostic_lines(diag, sources, cache))
        lines.append([])
    if summary is not None:
        lines.append(summary_line(summary))
    return join_lines(lines, color)


# --------------------------------------------------------------------------- json


def render_json(diags: Sequence[Diagnostic], summary: Summary, strict: bool = False) -> str:
    """`{"diagnostics": [...], "summary": {..., "ok": bool}}`, indented, key order stable."""
    body = {"diagnostics": [d.to_dict() for d in diags],
            "summary": {**asdict(summary), "ok": summary.passed(strict)}}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- github

GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github_escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """Escape a workflow command's property value (GitHub's `escapeProperty`)."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(diag: Diagnostic) -> str:
    """One `::error file=...,line=...::message` workflow command."""
    s = diag.span
    props: dict[str, object] = {"file": s.file, "line": s.line, "col": s.col,
                                "endLine": s.end_line, "endColumn": s.end_col}
    if not has_location(s):
        props = {}
    elif not s.positioned:
        props = {"file": s.file}
    props["title"] = diag.code
    joined = ",".join(f"{k}={github_escape_property(str(v))}" for k, v in props.items())
    message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
    if diag.path:
        message += "\npath: " + " -> ".join(diag.path)
    return f"::{GITHUB_LEVEL[diag.severity]} {joined}::{github_escape_data(message)}"


def render_github(diags: Sequence[Diagnostic]) -> str:
    """GitHub Actions annotations, one line per diagnostic."""
    return "".join(github_line(d) + "\n" for d in diags)


def render_sarif(diags: Sequence[Diagnostic]) -> str:
    """A SARIF 2.1.0 log (see `wactl.cli._sarif`)."""
    from wactl.cli._sarif import sarif_log

    return json.dumps(sarif_log(diags), indent=2, ensure_ascii=False) + "\n"
