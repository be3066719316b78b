"""A diagnostic about a whole file shows the file and no invented `:1:1`, in every format."""

from __future__ import annotations

import json

from wactl.cli.render import render_github, render_sarif, render_text
from wactl.diagnostics import CODES, Diagnostic, Span

DIAG = Diagnostic("WA100", CODES["WA100"].severity, "path `nope` does not exist",
                  Span.whole("nope"))


def test_text_shows_the_file_without_a_position_or_snippet() -> None:
    text = render_text([DIAG], {"nope": "flow: x\n"})
    assert " --> nope\n" in text and ":1:1" not in text and "flow: x" not in text


def test_github_and_sarif_name_the_file_only() -> None:
    assert render_github([DIAG]).startswith("::error file=nope,title=WA100::")
    [result] = json.loads(render_sarif([DIAG]))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "nope"}}


def test_a_positioned_span_is_unchanged() -> None:
    assert str(Span("a.yaml", 3, 5)) == "a.yaml:3:5" and Span("a.yaml", 3, 5).positioned
    assert str(Span.whole("a.yaml")) == "a.yaml" and not Span.whole("a.yaml").positioned
