"""WA302 (loops that never wait) and WA303 (sub-flow recursion), including dbt's two shapes."""

from __future__ import annotations

import textwrap

from wactl.compiler import CompileResult, compile_files, compile_project
from wactl.diagnostics import Diagnostic
from wactl.dsl import ast


def compile_yaml(**files: str) -> CompileResult:
    return compile_project({f"flows/{name}.yaml": textwrap.dedent(text)
                            for name, text in files.items()})


def only(result: CompileResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def test_two_steps_jumping_to_each_other_is_a_cycle() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: ping
            send: ping
            next: pong
          - id: pong
            send: pong
            next: ping
        """)
    [diag] = only(result, "WA302")
    assert diag.path == ("ping", "pong", "ping")
    assert "ping -> pong -> ping" in diag.message
    assert (diag.span.line, diag.span.col) == (7, 5)  # `pong` closes the loop
    assert result.program is None


def test_five_step_loop_through_a_branch_reports_its_path() -> None:
    result = compile_yaml(a="""
        flow: a
        vars: {n: 0}
        steps:
          - id: s1
            set: {n: n + 1}
          - id: s2
            tag: looping
          - id: s3
            branch:
              - if: n > 3
                goto: done
              - else: s4
          - id: s4
            send: again
          - id: s5
            goto: s1
          - id: done
            end: bye
        """)
    [diag] = only(result, "WA302")
    assert diag.path == ("s1", "s2", "s3", "s4", "s5", "s1")
    assert diag.span.line == 16  # the `goto: s1` step


def test_loop_through_ask_is_allowed() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: question
            ask: "Again?"
            save: answer
          - id: repeat
            send: "You said {{ answer }}"
            next: question
        """)
    assert only(result, "WA302") == []


def test_loop_through_wait_and_through_agent_is_allowed() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: nap
            wait: 1h
          - id: nudge
            send: "still there?"
            next: nap
        """, b="""
        flow: b
        steps:
          - id: chat
            agent: helper
          - id: back
            goto: chat
        """)
    codes = result.codes
    assert "WA302" not in codes


def test_loop_through_a_guarded_ask_is_not_allowed() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: question
            ask: "Name?"
            save: name
            when: name == null
          - id: again
            goto: question
        """)
    [diag] = only(result, "WA302")
    assert diag.path == ("question", "again", "question")


def test_failure_exit_of_ask_waits_but_call_error_does_not() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: lookup
            call: {url: "https://x.example/"}
            on_error: lookup
        """)
    [diag] = only(result, "WA302")
    assert diag.path == ("lookup", "lookup")


def test_max_visits_bounds_a_loop() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: retry
            call: {url: "https://x.example/"}
            on_error: retry
            max_visits: 3
        """)
    assert only(result, "WA302") == []


def test_each_loop_is_reported() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: x
            goto: y
          - id: y
            goto: x
        """, b="""
        flow: b
        steps:
          - id: p
            goto: p
        """)
    assert sorted(d.path for d in only(result, "WA302")) == [("p", "p"), ("x", "y", "x")]


def test_run_of_a_subflow_that_waits_breaks_the_loop() -> None:
    sub_waits = """
        flow: sub
        steps:
          - id: q
            ask: "?"
        """
    sub_fast = """
        flow: sub
        steps:
          - id: q
            send: "!"
        """
    caller = """
        flow: main
        steps:
          - id: call_sub
            run: sub
          - id: loop
            goto: call_sub
        """
    assert only(compile_yaml(main=caller, sub=sub_waits), "WA302") == []
    [diag] = only(compile_yaml(main=caller, sub=sub_fast), "WA302")
    assert diag.path == ("call_sub", "loop", "call_sub")


def test_link_hops_between_flows_without_waiting_are_a_cycle() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: go_b
            link: b
        """, b="""
        flow: b
        steps:
          - id: hello
            send: hi
          - id: go_a
            link: a
        """)
    [diag] = only(result, "WA302")
    assert diag.path == ("a.go_b", "b.hello", "b.go_a", "a.go_b")
    assert diag.span.file == "flows/b.yaml"


def test_link_back_after_an_ask_is_fine() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: go_b
            link: b
        """, b="""
        flow: b
        steps:
          - id: q
            ask: "more?"
          - id: go_a
            link: a
        """)
    assert only(result, "WA302") == []


def test_subflow_recursion_between_two_flows() -> None:
    result = compile_yaml(a="""
        flow: a
        steps:
          - id: call_b
            run: b
        """, b="""
        flow: b
        steps:
          - id: q
            ask: "?"
          - id: call_a
            run: a
        """)
    [diag] = only(result, "WA303")
    assert diag.path == ("a", "b", "a")
    assert diag.span.file == "flows/b.yaml" and diag.span.line == 6


def test_flow_running_itself_is_recursion() -> None:
    [diag] = only(compile_yaml(a="""
        flow: a
        steps:
          - id: again
            run: a
        """), "WA303")
    assert diag.path == ("a", "a")


def _chain(n: int, back_to_start: bool) -> ast.Flow:
    steps: list[ast.Step] = [ast.SetStep(id=f"s{i}", set={}) for i in range(n)]
    if back_to_start:
        steps.append(ast.GotoStep(id="back", goto="s0"))
    return ast.Flow(id="big", steps=steps)


def test_ten_thousand_step_loop_is_found_without_recursion_trouble() -> None:
    file = ast.SourceFile(path="big.yaml", spelling="yaml", flows=[_chain(10_000, True)])
    result = compile_files([file])
    [diag] = only(result, "WA302")
    assert diag.path[0] == "s0" and diag.path[-2:] == ("back", "s0")
    assert len(diag.path) == 10_002


def test_long_loop_message_is_elided_but_path_is_complete() -> None:
    file = ast.SourceFile(path="big.yaml", spelling="yaml", flows=[_chain(100, True)])
    [diag] = only(compile_files([file]), "WA302")
    assert "s0 -> s1" in diag.message and "more" in diag.message and len(diag.message) < 300
    assert len(diag.path) == 102
