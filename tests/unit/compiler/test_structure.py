"""WA304 rule flows, WA305 the 24h window, WA306 empty flows, WA307 choices, WA308 timeouts."""

from __future__ import annotations

import textwrap

from wactl.compiler import CompileResult, compile_project
from wactl.diagnostics import Diagnostic, Severity


def compile_yaml(**files: str) -> CompileResult:
    return compile_project({f"flows/{name}.yaml": textwrap.dedent(text)
                            for name, text in files.items()})


def lines(result: CompileResult, code: str) -> list[int]:
    return [d.span.line for d in result.diagnostics if d.code == code]


def only(result: CompileResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def test_rule_flow_cannot_wait_ask_or_hand_over() -> None:
    result = compile_yaml(r="""
        flow: r
        rule: true
        trigger: {keyword: refund}
        steps:
          - id: tag_it
            tag: refund
          - id: q
            ask: "why?"
          - id: w
            wait: 1h
          - id: go
            link: other
        """, other="""
        flow: other
        steps:
          - id: hi
            send: hi
        """)
    assert lines(result, "WA304") == [8, 10, 12]


def test_empty_flow_is_a_warning() -> None:
    result = compile_yaml(e="""
        flow: e
        trigger: {keyword: x}
        steps: []
        """)
    [diag] = only(result, "WA306")
    assert diag.severity is Severity.WARNING
    assert result.program is not None


def test_choice_question_needs_buttons_or_a_list() -> None:
    result = compile_yaml(c="""
        flow: c
        steps:
          - id: bad
            ask: "Which size?"
            expect: choice
          - id: good
            ask: {text: "Which size?", buttons: [S, M, L]}
            expect: choice
          - id: free
            ask: "Anything else?"
        """)
    assert lines(result, "WA307") == [4]


def test_timeout_and_on_timeout_go_together() -> None:
    result = compile_yaml(t="""
        flow: t
        steps:
          - id: no_target
            ask: "?"
            timeout: 1h
          - id: no_timeout
            ask: "?"
            on_timeout: no_target
          - id: both
            ask: "?"
            timeout: 1h
            on_timeout: no_target
        """)
    assert lines(result, "WA308") == [4, 7]


# --------------------------------------------------------------------------- 24h window


def test_send_after_a_long_wait_needs_a_template() -> None:
    result = compile_yaml(w="""
        flow: w
        steps:
          - id: hi
            send: hi
          - id: nap
            wait: 2d
          - id: nudge
            send: "still interested?"
          - id: nudge_ok
            send: "still interested?"
            fallback_template: {name: reminder}
          - id: tpl
            template: {name: reminder}
        """)
    [diag] = only(result, "WA305")
    assert diag.span.line == 8 and "`nap`" in diag.message


def test_short_waits_stay_inside_the_window() -> None:
    result = compile_yaml(w="""
        flow: w
        steps:
          - id: nap
            wait: 24h
          - id: nudge
            send: "still interested?"
        """)
    assert only(result, "WA305") == []


def test_wait_until_counts_as_long() -> None:
    result = compile_yaml(w="""
        flow: w
        steps:
          - id: nap
            wait: {until: 'now > vars.deadline'}
          - id: bye
            end: "bye"
        """)
    assert lines(result, "WA305") == [6]


def test_a_customer_reply_reopens_the_window() -> None:
    result = compile_yaml(w="""
        flow: w
        steps:
          - id: nap
            wait: 3d
          - id: tpl
            template: {name: come_back}
          - id: q
            ask: "Want 10% off?"
          - id: thanks
            send: "Here is your code"
        """)
    assert lines(result, "WA305") == [8]  # the ask itself, not the send after the answer


def test_scheduled_flow_starts_outside_the_window_and_so_do_its_subflows() -> None:
    result = compile_yaml(s="""
        flow: s
        trigger: {schedule: {cron: "0 9 * * *"}}
        steps:
          - id: promo
            send: "Sale today!"
          - id: more
            run: helper
        """, helper="""
        flow: helper
        steps:
          - id: bye
            handoff: "A teammate will follow up"
        """)
    assert [(d.span.file, d.span.line) for d in only(result, "WA305")] == [
        ("flows/helper.yaml", 4), ("flows/s.yaml", 5)]


def test_long_ask_timeout_leaves_the_window_on_the_timeout_path_only() -> None:
    result = compile_yaml(w="""
        flow: w
        steps:
          - id: q
            ask: "Still there?"
            timeout: 2d
            on_timeout: gone
          - id: answered
            send: "Great"
            next: end
          - id: gone
            send: "We miss you"
        """)
    assert lines(result, "WA305") == [11]


def test_subflow_that_waits_long_leaves_the_caller_outside() -> None:
    result = compile_yaml(main="""
        flow: main
        steps:
          - id: pause
            run: slow
          - id: after
            send: "back"
        """, slow="""
        flow: slow
        steps:
          - id: nap
            wait: 2d
        """)
    assert [(d.span.file, d.span.line) for d in only(result, "WA305")] == [
        ("flows/main.yaml", 6)]


def test_window_analysis_is_linear_in_a_long_chain_of_subflows() -> None:

    from wactl.compiler import compile_files
    from wactl.dsl import ast

    def send(sid: str) -> ast.SendStep:
        return ast.SendStep(id=sid, send=ast.Message(
            text=ast.Text(variants={"": ast.Template(src="hi")})))

    flows = []
    for i in range(300):
        steps: list[ast.Step] = [send(f"s{j}") for j in range(10)]
        steps.append(ast.RunStep(id="r", run=f"f{i + 1:03d}") if i < 299 else
                     ast.WaitStep(id="w", wait=ast.Duration(seconds=3 * 86400)))
        steps.append(send("after"))
        flows.append(ast.Flow(id=f"f{i:03d}", steps=steps))
    files = [ast.SourceFile(path=f"{f.id}.yaml", spelling="yaml", flows=[f]) for f in flows]
    result = compile_files(files)
    # the deepest flow waits 3 days, so every caller's `after` runs outside the window
    flagged = [d for d in result.diagnostics if d.code == "WA305"]
    assert len(flagged) == 300 and all("step `after`" in d.message for d in flagged)
