"""Renderers: text snippet and carets, summary wording, json, github escaping, SARIF shape."""

from __future__ import annotations

import json

from wactl.cli import render
from wactl.cli._sarif import RULE_IDS, help_uri
from wactl.diagnostics import CODES, Diagnostic, Severity, Span

SOURCE = "flow: loop\nsteps:\n  - id: a\n    goto: b\n"
SOURCES = {"flows/loop.yaml": SOURCE}


def diag(severity: Severity = Severity.ERROR, hint: str | None = None,
         related: tuple[tuple[Span, str], ...] = ()) -> Diagnostic:
    span = Span("flows/loop.yaml", 4, 11, 4, 12)
    return Diagnostic("WA302", severity, "cycle without waiting", span, hint, related)


def test_text_has_header_location_snippet_and_carets() -> None:
    d = Diagnostic("WA302", Severity.ERROR, "cycle without waiting",
                   Span("flows/loop.yaml", 4, 11, 4, 12), "add an ask",
                   ((Span("flows/loop.yaml", 3, 5, 3, 6), "loop starts here"),), ("a", "b", "a"))
    lines = render.render_text([d], SOURCES).splitlines()
    assert lines[0] == "error[WA302]: cycle without waiting"
    assert lines[1] == " --> flows/loop.yaml:4:11"
    assert lines[3] == "4 |     goto: b"
    assert lines[4] == "  |           ^"
    assert "  = hint: add an ask" in lines
    assert "  = note: flows/loop.yaml:3:5: loop starts here" in lines
    assert "  = path: a -> b -> a" in lines


def test_carets_cover_the_span_and_run_to_line_end_when_multiline() -> None:
    wide = Diagnostic("WA203", Severity.ERROR, "m", Span("flows/loop.yaml", 4, 5, 4, 9))
    assert "|     ^^^^" in render.render_text([wide], SOURCES)
    multi = Diagnostic("WA203", Severity.ERROR, "m", Span("flows/loop.yaml", 4, 5, 6, 1))
    assert "|     ^^^^^^^\n" in render.render_text([multi], SOURCES)


def test_text_without_source_has_no_snippet() -> None:
    d = Diagnostic("WA100", Severity.ERROR, "path `x` does not exist", Span("x", 1, 1, 1, 1))
    assert render.render_text([d], {}) == "error[WA100]: path `x` does not exist\n --> x:1:1\n\n"


def test_gutter_widens_with_the_line_number() -> None:
    text = "\n" * 11 + "    goto: b\n"
    d = Diagnostic("WA203", Severity.WARNING, "m", Span("f.yaml", 12, 11, 12, 12))
    lines = render.render_text([d], {"f.yaml": text}).splitlines()
    assert lines[0].startswith("warning[WA203]")
    assert lines[1] == "  --> f.yaml:12:11"
    assert lines[3] == "12 |     goto: b"


def test_colour_uses_ansi_and_plain_does_not() -> None:
    assert "\x1b[" in render.render_text([diag()], SOURCES, color=True)
    assert "\x1b[" not in render.render_text([diag()], SOURCES)


def test_summary_wording() -> None:
    line = render.summary_line
    assert line(render.Summary(12, 9, 2))[0][0] == "All checks passed: 12 files, 9 flows, 2 agents."
    assert line(render.Summary(1, 1, 1))[0][0] == "All checks passed: 1 file, 1 flow, 1 agent."
    assert line(render.Summary(12, 0, 0, 3, 1))[0][0] == "Found 3 errors and 1 warning in 12 files."
    assert line(render.Summary(2, 0, 0, 0, 2))[0][0] == "Found 2 warnings in 2 files."
    assert line(render.Summary(2, 0, 0, 1, 0))[0][0] == "Found 1 error in 2 files."


def test_summary_counts_and_strictness() -> None:
    s = render.Summary.of([diag(), diag(severity=Severity.WARNING)], 3, 1, 0)
    assert (s.errors, s.warnings, s.infos) == (1, 1, 0)
    only_warning = render.Summary(1, 1, 0, 0, 1)
    assert only_warning.passed() and not only_warning.passed(strict=True)


def test_json_shape() -> None:
    out = json.loads(render.render_json([diag()], render.Summary(1, 1, 0, 1), strict=False))
    assert out["diagnostics"][0]["code"] == "WA302"
    assert out["diagnostics"][0]["line"] == 4
    assert out["summary"] == {"files": 1, "flows": 1, "agents": 0, "errors": 1,
                              "warnings": 0, "infos": 0, "ok": False}


def test_github_line_format_and_escaping() -> None:
    d = Diagnostic("WA203", Severity.WARNING, "50% done\nnext, line",
                   Span("dir,x/a:b.yaml", 2, 3, 2, 7), hint="try `end`")
    line = render.render_github([d])
    assert line == ("::warning file=dir%2Cx/a%3Ab.yaml,line=2,col=3,endLine=2,endColumn=7,"
                    "title=WA203::50%25 done%0Anext, line%0Ahint: try `end`\n")
    assert render.github_escape_property("a\r\nb") == "a%0D%0Ab"


def test_github_levels() -> None:
    assert render.render_github([diag()]).startswith("::error file=flows/loop.yaml,line=4,")
    info = render.render_github([diag(severity=Severity.INFO)])
    assert info.startswith("::notice ")


def test_sarif_structure() -> None:
    d = diag(hint="h", related=((Span("flows/loop.yaml", 3, 5, 3, 6), "here"),))
    log = json.loads(render.render_sarif([d]))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(CODES)
    wa302 = rules[RULE_IDS.index("WA302")]
    assert wa302["shortDescription"]["text"] == CODES["WA302"].title
    assert wa302["helpUri"] == help_uri("WA302") and wa302["helpUri"].endswith("#wa302")
    result = run["results"][0]
    assert result["ruleId"] == "WA302" and rules[result["ruleIndex"]]["id"] == "WA302"
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 11, "endLine": 4, "endColumn": 12}
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "flows/loop.yaml"
    assert result["relatedLocations"][0]["message"]["text"] == "here"
    assert "hint: h" in result["message"]["text"]


def test_sarif_of_nothing_is_a_valid_empty_run() -> None:
    log = json.loads(render.render_sarif([]))
    assert log["runs"][0]["results"] == []


def test_a_diagnostic_without_a_location() -> None:
    from wactl.diagnostics import NO_SPAN

    d = Diagnostic("WA901", Severity.ERROR, "internal error: boom", NO_SPAN, "report it")
    text = render.render_text([d], {})
    assert text == "error[WA901]: internal error: boom\n = hint: report it\n\n"
    github = render.render_github([d])
    assert github == "::error title=WA901::internal error: boom%0Ahint: report it\n"
    assert json.loads(render.render_sarif([d]))["runs"][0]["results"][0]["locations"] == []
