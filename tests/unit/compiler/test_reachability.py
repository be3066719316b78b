"""WA301: steps nothing leads to, reported once per dead block."""

from __future__ import annotations

import textwrap

from wactl.compiler import CompileResult, compile_project
from wactl.diagnostics import Diagnostic, Severity


def compile_flow(text: str) -> CompileResult:
    return compile_project({"flows/a.yaml": textwrap.dedent(text)})


def only(result: CompileResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def test_step_after_an_end_is_unreachable_but_the_flow_still_compiles() -> None:
    result = compile_flow("""
        flow: a
        steps:
          - id: bye
            end: bye
          - id: orphan
            send: never
        """)
    [diag] = only(result, "WA301")
    assert diag.severity is Severity.WARNING and diag.span.line == 6
    assert "`orphan`" in diag.message
    assert result.program is not None


def test_a_dead_block_is_one_diagnostic_naming_every_step() -> None:
    result = compile_flow("""
        flow: a
        steps:
          - id: start
            goto: last
          - id: d1
            send: one
          - id: d2
            send: two
          - id: last
            send: done
        """)
    [diag] = only(result, "WA301")
    assert "`d1`, `d2`" in diag.message and diag.span.line == 6


def test_targets_of_branches_fail_error_timeout_and_skip_are_reachable() -> None:
    result = compile_flow("""
        flow: a
        steps:
          - id: q
            ask: "?"
            when: x == null
            timeout: 1h
            on_timeout: quiet
            on_fail: failed
            next: route
          - id: skipped_to
            send: only by `when`
            next: end
          - id: route
            branch:
              - if: "true"
                goto: call
            else: end
          - id: call
            call: {url: "https://x.example"}
            on_error: oops
            next: end
          - id: quiet
            end: quiet
          - id: failed
            end: failed
          - id: oops
            end: oops
        """)
    assert only(result, "WA301") == []


def test_steps_reachable_only_from_dead_steps_are_dead_too() -> None:
    result = compile_flow("""
        flow: a
        steps:
          - id: start
            send: hi
            next: end
          - id: dead
            send: a
            next: also_dead
          - id: alive_looking
            end: x
          - id: also_dead
            goto: dead
        """)
    [diag] = only(result, "WA301")
    assert "`dead`, `alive_looking`, `also_dead`" in diag.message and diag.span.line == 7
