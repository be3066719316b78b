"""SARIF 2.1.0 output, for GitHub code scanning and other static-analysis dashboards.

Every code of the CODES table becomes a rule (`ruleId` = the code), so a dashboard can
link each result to its section of docs/diagnostics.md.  SARIF regions are 1-based
with an exclusive end column, exactly like `Span`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from wactl import __version__
from wactl.diagnostics import CODES, NO_SPAN, Diagnostic, Severity, Span

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_URL = "https://github.com/wactl/wactl/blob/main/docs/diagnostics.md"
"""Where docs/diagnostics.md is published; each rule's helpUri is an anchor in it."""

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
RULE_IDS = sorted(CODES)


def help_uri(code: str) -> str:
    return f"{DOCS_URL}#{code.lower()}"


def rules() -> list[dict[str, object]]:
    """`tool.driver.rules`: one reportingDescriptor per code, in code order."""
    return [{"id": code,
             "shortDescription": {"text": CODES[code].title},
             "helpUri": help_uri(code),
             "defaultConfiguration": {"level": LEVEL[CODES[code].severity]}}
            for code in RULE_IDS]


def physical_location(span: Span) -> dict[str, object]:
    """The file, and the region in it unless the span is the whole file."""
    where: dict[str, object] = {"artifactLocation": {"uri": quote(span.file)}}
    if span.positioned:
        where["region"] = {"startLine": span.line, "startColumn": span.col,
                           "endLine": span.end_line, "endColumn": span.end_col}
    return where


def result(diag: Diagnostic) -> dict[str, object]:
    """One SARIF result; the hint and path are appended to the message text."""
    text = diag.message
    if diag.hint:
        text += f"\nhint: {diag.hint}"
    if diag.path:
        text += "\npath: " + " -> ".join(diag.path)
    out: dict[str, object] = {
        "ruleId": diag.code,
        "level": LEVEL[diag.severity],
        "message": {"text": text},
        "locations": ([{"physicalLocation": physical_location(diag.span)}]
                      if diag.span.file != NO_SPAN.file else []),
    }
    if diag.code in CODES:
        out["ruleIndex"] = RULE_IDS.index(diag.code)
    if diag.related:
        out["relatedLocations"] = [
            {"id": i, "physicalLocation": physical_location(span), "message": {"text": note}}
            for i, (span, note) in enumerate(diag.related)]
    return out


def sarif_log(diags: Sequence[Diagnostic]) -> dict[str, object]:
    """The whole log: one run of the `wactl` tool with its rules and results."""
    driver = {"name": "wactl", "version": __version__, "informationUri": DOCS_URL,
              "rules": rules()}
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
           "results": [result(d) for d in diags]}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
