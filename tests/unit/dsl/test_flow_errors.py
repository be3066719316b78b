"""`.flow` syntax errors: positions, friendly messages, several errors per file, no crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.diagnostics import Diagnostic
from wactl.dsl.flow.parser import MAX_SYNTAX_ERRORS, parse_flow


def diags_of(text: str) -> list[Diagnostic]:
    return parse_flow("e.flow", text)[1]


def where(d: Diagnostic) -> tuple[str, int, int]:
    return d.code, d.span.line, d.span.col


def test_missing_step_after_label_points_at_line_end() -> None:
    [d] = diags_of('flow f\n  greet:\n  next: say "x"\n')
    assert where(d) == ("WA102", 2, 9)
    assert "expected a step after the label" in d.message


def test_unclosed_string() -> None:
    [d] = diags_of('flow f\n  s: say "Hello\n')
    assert where(d) == ("WA102", 2, 10)
    assert d.message.startswith("unclosed string")


def test_text_without_quotes() -> None:
    [d] = diags_of("flow f\n  s: say Hello there\n")
    assert d.code == "WA102" and d.span.line == 2 and "quotes" in d.message


def test_several_errors_in_one_file_are_all_reported() -> None:
    text = ('flow a\n  ok: say "fine"\n  bad1:\n  bad2: call "https://x"\n  bad3: if x > 1\n'
            '  w: wait 5x\n\nflow b\n  s: say "unclosed\n\nflow c\n  t: say "good"\n')
    found = [where(d) for d in diags_of(text)]
    assert found == [("WA102", 3, 8), ("WA102", 4, 14), ("WA102", 5, 17), ("WA111", 6, 11),
                     ("WA102", 9, 10)]


def test_broken_flows_keep_what_parsed_and_good_ones_are_kept() -> None:
    text = ('flow a\n  s: say\n    buttons\n  u: goto s\n  v: say "x" frobnicate\n'
            '\nflow b\n  t: end\n')
    file, diags = parse_flow("e.flow", text)
    assert file is not None and [f.id for f in file.flows] == ["a", "b"]
    assert [d.span.line for d in diags] == [3, 5]
    a, b = file.flows
    assert [s.id for s in a.steps] == ["s", "u"] and a.lost_steps == ["v"]
    assert a.steps[0].unsure and not a.steps[1].unsure and a.in_doubt and not b.in_doubt


def test_steps_outside_a_flow() -> None:
    [d] = diags_of('greet: say "hi"\n')
    assert where(d) == ("WA102", 1, 1) and "inside a flow" in d.message


def test_bad_indentation() -> None:
    [d] = diags_of('flow f\n    a: say "x"\n  b: say "y"\n')
    assert where(d) == ("WA102", 3, 3) and "indentation" in d.message


def test_over_indented_step() -> None:
    [d] = diags_of('flow f\n  a: say "x"\n    b: say "y"\n')
    assert d.code == "WA102" and d.span.line == 3 and "indented more" in d.message


def test_invalid_ids_and_durations_are_reported_but_parse() -> None:
    file, diags = parse_flow("e.flow", "flow Đơn\n  Step1: wait 10 minutes\n")
    assert file is None or file.flows == [] or file.flows[0].id == "Đơn"
    assert [d.code for d in diags][0] == "WA110"
    file, diags = parse_flow("e.flow", "flow Order\n  s: wait 10\n")
    assert [where(d) for d in diags] == [("WA110", 1, 6), ("WA111", 2, 11)]
    assert file is not None and file.flows[0].steps[0].wait.seconds == 0  # type: ignore[union-attr]


def test_misplaced_and_repeated_clauses() -> None:
    diags = diags_of('flow f\n  c: call GET "u"\n    buttons "A"\n    timeout 5s\n    timeout 6s\n'
                     '    butons "B"\n')
    assert [where(d) for d in diags] == [("WA103", 3, 5), ("WA109", 5, 5), ("WA103", 6, 5)]
    assert diags[2].hint == "did you mean `buttons`?"


def test_unknown_step_kind_suggests_a_kind() -> None:
    [d] = diags_of('flow f\n  s: sya "hi"\n')
    assert d.code == "WA102" and d.span.col == 6


def test_garbage_is_capped_and_never_raises() -> None:
    text = "".join(f"@@ {i} ###\n" for i in range(200))
    diags = diags_of(text)
    assert 0 < len(diags) <= MAX_SYNTAX_ERRORS


def test_deep_nesting_is_a_diagnostic() -> None:
    [d] = diags_of("flow f\n  var x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert d.code == "WA102" and "nested" in d.message


def test_large_input_is_handled() -> None:
    body = "".join(f'  s{i}: say "message {i}" then s{i + 1}\n' for i in range(20000))
    file, diags = parse_flow("big.flow", "flow big\n" + body + "  broken: call\n")
    assert [d.span.line for d in diags] == [20002]
    assert file is not None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(['flow f', '  s: say "x"', "  q: ask", "    then", "  r: if a",
                                 '"', "`", "    buttons \"a\",", "\t", "  var x = {", "]", "#",
                                 "  w: wait 3q", "flow", "   x:", "  e: end", "\x00", "é:"]),
                max_size=12))
def test_shuffled_fragments_never_raise(lines: list[str]) -> None:
    file, diags = parse_flow("f.flow", "\n".join(lines))
    for d in diags:
        assert d.code in {"WA102", "WA103", "WA104", "WA109", "WA110", "WA111"}, d
        assert d.span.line >= 1 and d.span.col >= 1


@pytest.mark.parametrize(("step", "at", "message", "hint"), [
    ('c: ask as number "bad order" -> n', (2, 20),
     "a step's text comes right after its kind, like `ask \"...\" as number -> n`", None),
    ("w: wait two days", (2, 11),
     "expected a duration like `2d` or `2 days`, or `until EXPR`", None),
    ("w: wait 2 dayz", (2, 13),
     "unknown unit `dayz`: expected a duration like `2d` or `2 days`", "did you mean `days`?"),
    ('s: say "a" buton "x"', (2, 14), "unknown clause `buton`", "did you mean `button`?"),
    ('s: say "a" buttons "x" "y"', (2, 26),
     'separate the buttons with commas, like `buttons "Yes", "No"`', None),
    ('s: say "Hi "there""', (2, 15), "this text ends at the quote before `there`",
     'write \\" for a quote inside a text, or put the text in the other quotes'),
    ('a: ask "x"\n    timeout soon', (3, 13), "expected a duration like `2d` or `2 days`", None),
])
def test_messages_say_what_fits_where_the_error_is(
        step: str, at: tuple[int, int], message: str, hint: str | None) -> None:
    [d] = diags_of(f"flow f\n  {step}\n")
    assert (d.code, d.span.line, d.span.col, d.message, d.hint) == ("WA102", *at, message, hint)


def test_listed_expectations_are_few_and_common_first() -> None:
    [d] = diags_of('flow f\n  s: say "a"\n    then\n')
    assert d.message == "expected a step name after `then` (or `then end`)"
    [d] = diags_of("flow f\n  s: if x -> 3\n")
    assert (d.span.line, d.span.col, d.message) == (
        2, 14, "unexpected `3`: expected a name or the end of the line")
    [d] = diags_of("flow f\n  var x = \n")
    assert (d.span.line, d.span.col, d.message) == (
        2, 11, "the line ends too early: expected a quoted text, a number, `false` or `{`")


def test_t3_files_report_helpful_errors() -> None:
    text = ('flow broken\n  when keyword "x"\n  a: say "one"\n  b: say "two" then\n'
            '  c: ask as number "bad order" -> n\n  d: if n > 3 -> a\n  f: handoff\n')
    found = [(d.span.line, d.span.col, d.message) for d in diags_of(text)]
    assert found == [
        (4, 20, "expected a step name after `then` (or `then end`)"),
        (5, 20, "a step's text comes right after its kind, like `ask \"...\" as number -> n`")]
