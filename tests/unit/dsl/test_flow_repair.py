"""`.flow` recovery: guessed repairs are said at the word and read on; the rest is checked."""

from __future__ import annotations

import pytest

from wactl.compiler import compile_project
from wactl.dsl.flow.parser import parse_flow


def found(text: str) -> list[tuple[str, int, int, str, str | None]]:
    result = compile_project({"f.flow": text})
    return [(d.code, d.span.line, d.span.col, d.message, d.hint) for d in result.diagnostics]


@pytest.mark.parametrize(("line", "col", "message", "hint"), [
    ('  hi: reply "Hello"', 7, "unknown step kind `reply`",
     "did you mean `say`? (wactl spells `reply` as `say`)"),
    ('  hi: sya "Hello"', 7, "unknown step kind `sya`", "did you mean `say`?"),
    ('  hi: say "Hello"\n    buton "A", "B"', 5, "unknown clause `buton`",
     "did you mean `buttons`?"),
    ('  hi: ask "N?" as number -> n\n    retry "again" two times', 19,
     "write the count in digits: `2 times`", None),
])
def test_a_guessed_repair_is_said_at_the_word(line: str, col: int, message: str,
                                              hint: str | None) -> None:
    text = f"flow f\n{line}\n  b: goto nowhere\n"
    got = found(text)
    row = 2 + line.count("\n")
    assert (("WA102", row, col, message, hint)) in got
    assert [g[0] for g in got] == ["WA102", "WA203"], got  # read on, and nothing echoed


def test_a_clause_at_the_steps_indentation_is_read_under_the_step() -> None:
    got = found('flow f\n  d: ask "pick" as choice -> c\n  buttons "A", "B"\n')
    assert [(g[0], g[1], g[2]) for g in got] == [("WA102", 3, 3)]
    assert "indented like a step" in got[0][3]  # and no WA307: the buttons were read


def test_a_tab_is_named_in_the_hint() -> None:
    [d] = parse_flow("f.flow", 'flow f\n  c: say "x"\n\td: say "y"\n')[1]
    assert d.hint is not None and "tab" in d.hint


def test_no_semantic_error_is_lost_after_a_syntax_error() -> None:
    got = found('flow f\n  a: say "x" frobnicate\n  b: ask "pick" as choice -> c\n'
                '  e: goto a\n')
    assert [g[0] for g in got] == ["WA102", "WA307"]  # `goto a` (a lost step) is no WA203


def test_a_wrong_guess_is_not_kept() -> None:
    [d] = parse_flow("f.flow", 'flow f\n  s: say "Hi "there""\n')[1]
    assert d.message == "this text ends at the quote before `there`"


def test_a_misspelt_flow_attribute_is_read_as_its_suggestion() -> None:
    got = found('flow f\n  wen keyword hi\n  c: say "x" then nowhere\n')
    assert [(g[0], g[3]) for g in got][0] == ("WA102", "unknown attribute `wen`")
    assert [g[0] for g in got] == ["WA102", "WA203"]
