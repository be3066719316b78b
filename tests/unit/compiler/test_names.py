"""WA201–WA209: duplicate ids, unknown targets, flows and agents, reserved ids, `run ... with`."""

from __future__ import annotations

import textwrap

from wactl.compiler import CompileResult, compile_project
from wactl.diagnostics import Diagnostic, Severity


def compile_yaml(**files: str) -> CompileResult:
    return compile_project({f"{name.replace('__', '/')}.yaml": textwrap.dedent(text)
                            for name, text in files.items()})


def only(result: CompileResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def test_duplicate_flow_id_is_reported_at_the_second_with_the_first_related() -> None:
    flow = """
        flow: greet
        steps:
          - id: hi
            send: hi
        """
    result = compile_yaml(flows__a=flow, flows__b=flow)
    [diag] = only(result, "WA201")
    assert diag.span.file == "flows/b.yaml"
    assert [s.file for s, _ in diag.related] == ["flows/a.yaml"]


def test_duplicate_step_id() -> None:
    [diag] = only(compile_yaml(f="""
        flow: a
        steps:
          - id: hi
            send: one
          - id: hi
            send: two
        """), "WA202")
    assert diag.span.line == 6 and diag.related[0][0].line == 4


def test_unknown_target_suggests_a_close_step_id() -> None:
    [diag] = only(compile_yaml(f="""
        flow: a
        steps:
          - id: confirm
            ask: "Sure?"
            on_fail: hepl
          - id: help
            send: "call us"
            next: end
        """), "WA203")
    assert "`hepl`" in diag.message and diag.hint == "did you mean `help`?"
    assert (diag.span.line, diag.span.col) == (6, 14)  # the `hepl` of `on_fail: hepl`


def test_every_kind_of_target_is_checked_and_end_is_valid() -> None:
    result = compile_yaml(f="""
        flow: a
        steps:
          - id: route
            branch:
              - if: "true"
                goto: nowhere1
              - else: nowhere2
          - id: lookup
            call: {url: "https://x.example"}
            on_error: nowhere3
          - id: q
            ask: "?"
            timeout: 1h
            on_timeout: nowhere4
            next: nowhere5
          - id: jump
            goto: end
        """)
    targets = sorted(d.message.split("`")[3] for d in only(result, "WA203"))
    assert targets == ["nowhere1", "nowhere2", "nowhere3", "nowhere4", "nowhere5"]


def test_unknown_flow_in_run_and_link() -> None:
    result = compile_yaml(flows__a="""
        flow: a
        steps:
          - id: sub
            run: collect_phon
          - id: away
            link: nope
        """, flows__b="""
        flow: collect_phone
        steps:
          - id: q
            ask: "phone?"
        """)
    diags = only(result, "WA204")
    assert [(d.span.line, d.span.col) for d in diags] == [(5, 10), (7, 11)]
    assert diags[0].hint == "did you mean `collect_phone`?"


def test_unknown_agent_and_duplicate_agent() -> None:
    agent = """
        agent: sales
        prompt: "Help"
        """
    result = compile_yaml(agents__one=agent, agents__two=agent, flows__a="""
        flow: a
        steps:
          - id: chat
            agent: sale
        """)
    [unknown] = only(result, "WA205")
    assert unknown.hint == "did you mean `sales`?"
    [dup] = only(result, "WA206")
    assert dup.span.file == "agents/two.yaml"


def test_step_named_end_is_reserved() -> None:
    [diag] = only(compile_yaml(f="""
        flow: a
        steps:
          - id: end
            send: bye
        """), "WA207")
    assert diag.span.line == 4


def test_run_with_undeclared_variable() -> None:
    result = compile_yaml(flows__a="""
        flow: a
        steps:
          - id: sub
            run: b
            with: {phone: '"123"', nmae: '"Lan"'}
        """, flows__b="""
        flow: b
        vars: {phone: null, name: null}
        steps:
          - id: hi
            send: hi
        """)
    [diag] = only(result, "WA208")
    assert "`nmae`" in diag.message and diag.hint == "did you mean `name`?"
    assert diag.span.line == 6


def test_duplicate_test_name_is_a_warning() -> None:
    test = """
        test: happy path
        flow: a
        turns:
          - user: hi
        """
    result = compile_yaml(tests__one=test, tests__two=test, flows__a="""
        flow: a
        steps:
          - id: hi
            send: hi
        """)
    [diag] = only(result, "WA209")
    assert diag.severity is Severity.WARNING and diag.span.file == "tests/two.yaml"
    assert result.program is not None


def test_a_jump_to_a_flow_id_suggests_link_or_run() -> None:
    from wactl.compiler import compile_project

    src = ("flows:\n  - flow: a\n    trigger: {keyword: aa}\n    steps:\n      - id: s\n"
           "        send: x\n        next: b\n  - flow: b\n    steps:\n      - id: t\n"
           "        send: y\n")
    diags = [d for d in compile_project({"a.yaml": src}).diagnostics if d.code == "WA203"]
    assert len(diags) == 1 and diags[0].hint is not None and "link: b" in diags[0].hint
