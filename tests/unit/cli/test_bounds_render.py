"""Output bombs: text rendering stays linear in the number of diagnostics and readable in width."""

from __future__ import annotations

from collections.abc import Iterator

from wactl.cli import render
from wactl.cli.render import SNIPPET_WIDTH, render_text
from wactl.diagnostics import Diagnostic, Severity, Span


class CountingText(str):
    """A source text that counts how often it is split into lines."""

    splits = 0

    def split(self, sep: str | None = None, maxsplit: int = -1) -> list[str]:  # type: ignore[override]
        CountingText.splits += 1
        return super().split(sep, maxsplit)


def _many(n: int, file: str) -> Iterator[Diagnostic]:
    for i in range(n):
        line = i % 100 + 1
        yield Diagnostic("WA409", Severity.ERROR, "too large", Span(file, line, 1, line, 3))


def test_thirty_thousand_diagnostics_split_each_source_once() -> None:
    CountingText.splits = 0
    text = CountingText("\n".join(f"line {i}" for i in range(100)))
    out = render_text(list(_many(30_000, "a.yaml")), {"a.yaml": text})
    assert CountingText.splits == 1
    assert out.count("error[WA409]") == 30_000


def test_long_line_is_cut_around_the_caret() -> None:
    line = "x" * 5_000 + "HERE" + "y" * 5_000
    diag = Diagnostic("WA409", Severity.ERROR, "m", Span("a.yaml", 1, 5_001, 1, 5_005))
    out = render_text([diag], {"a.yaml": line})
    shown = [ln for ln in out.splitlines() if ln.startswith("1 |")][0]
    caret = [ln for ln in out.splitlines() if "^" in ln][0]
    assert len(shown) <= SNIPPET_WIDTH + 10
    assert shown.count(render.ELLIPSIS) == 2
    assert shown[caret.index("^"):caret.index("^") + 4] == "HERE"
    assert caret.count("^") == 4


def test_short_line_is_shown_whole() -> None:
    diag = Diagnostic("WA409", Severity.ERROR, "m", Span("a.yaml", 1, 3, 1, 5))
    out = render_text([diag], {"a.yaml": "abcdef"})
    assert "1 | abcdef\n" in out
    assert render.ELLIPSIS not in out
