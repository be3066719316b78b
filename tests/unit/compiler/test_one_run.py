"""Every problem in one run: a load error leaves the rest of the file checked, without echoes."""

from __future__ import annotations

import textwrap

from wactl.compiler import compile_project


def codes(text: str, path: str = "flows/f.yaml") -> list[tuple[str, int]]:
    result = compile_project({path: textwrap.dedent(text)})
    return [(d.code, d.span.line) for d in result.diagnostics]


def test_a_misspelt_key_is_read_as_its_suggestion() -> None:
    assert codes("""\
        flow: f
        steps:
          - {id: a, send: "Hi {{ nme }}", nxt: c}
          - {id: b, send: "never", next: end}
          - {id: c, goto: nowhere}
        """) == [("WA404", 3), ("WA103", 3), ("WA301", 4), ("WA203", 5)]


def test_a_misspelt_step_kind_is_read_as_its_suggestion() -> None:
    assert codes("""\
        flow: f
        steps:
          - {id: a, reply: "Hi {{ nme }}"}
          - {id: b, sned: "Bye", next: nowhere}
        """) == [("WA103", 3), ("WA404", 3), ("WA103", 4), ("WA203", 4)]


def test_an_unknown_key_without_suggestion_keeps_presence_checks_only() -> None:
    # `zzz` might have been anything (a jump, an assignment): no WA301 for `b`, no WA404
    # for `x`, but the unknown target and the bad expression are still reported.
    assert codes("""\
        flow: f
        steps:
          - {id: a, send: "Hi {{ x }}", zzz: b, next: c}
          - {id: b, send: "{{ 1 + }}"}
          - {id: c, goto: nowhere}
        """) == [("WA103", 3), ("WA401", 4), ("WA203", 5)]


def test_a_lost_step_is_no_unknown_target() -> None:
    assert codes("""\
        flow: f
        steps:
          - {id: a, send: "Hi", next: b}
          - {id: b, send: [1]}
          - {id: c, goto: nowhere}
        """) == [("WA104", 4), ("WA203", 5)]


def test_a_misspelt_trigger_kind_is_read_as_its_suggestion() -> None:
    # read as a keyword trigger: its empty keyword is reported too, and the steps checked
    assert codes("""\
        flow: f
        trigger: {keywrod: ["hi", ""]}
        steps:
          - {id: a, send: "Hi {{ nme }}"}
        """) == [("WA103", 2), ("WA104", 2), ("WA404", 4)]
