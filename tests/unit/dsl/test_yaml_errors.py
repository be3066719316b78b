"""Every WA1xx code the YAML loader emits, at the most specific node, and partial results."""

from __future__ import annotations

import textwrap

import pytest

from wactl.diagnostics import Diagnostic
from wactl.dsl import ast
from wactl.dsl.yaml.loader import load_yaml


def diags_of(text: str, path: str = "flows/f.yaml") -> list[Diagnostic]:
    return load_yaml(path, textwrap.dedent(text))[1]


def where(diags: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.col) for d in diags]


def test_wa101_syntax_error_at_problem_mark_with_hint() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - id: a\n    send: [unclosed\n")
    assert diag.code == "WA101" and diag.message.startswith("YAML syntax error:")
    assert diag.span.line == 5 and diag.hint is not None


def test_wa101_tab_indentation_and_control_characters() -> None:
    (tab,) = diags_of("flow: f\nsteps:\n\t- id: a\n")
    assert tab.code == "WA101" and tab.span.line == 3 and tab.hint is not None
    assert "tab" in tab.hint
    (ctrl,) = diags_of("flow: f\ntitle: a\x07b\n")
    assert (ctrl.code, ctrl.span.line, ctrl.span.col) == ("WA101", 2, 9)


def test_wa103_unknown_key_at_the_key_with_did_you_mean() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - id: a\n    ask: Hi\n    retires: 2\n")
    assert where([diag]) == [("WA103", 5, 5)]
    assert diag.hint == "did you mean `retries`?"


def test_wa103_key_of_another_step_kind_says_where_it_belongs() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - id: a\n    send: Hi\n    on_fail: b\n")
    assert diag.code == "WA103" and diag.hint == "`on_fail` belongs to `ask` steps"


def test_wa104_wrong_type_message_a_merchant_reads() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - id: a\n    ask: Hi\n    retries: two\n")
    assert where([diag]) == [("WA104", 5, 14)]
    assert diag.message == '`retries` must be a whole number, got "two"'


def test_wa104_bad_expect_with_did_you_mean() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - {id: a, ask: Hi, expect: nubmer}\n")
    assert diag.code == "WA104" and diag.hint == "did you mean `number`?"


def test_wa104_second_document_and_python_tags() -> None:
    assert [d.code for d in diags_of("flow: f\nsteps: []\n---\nflow: g\n")] == ["WA104"]
    diags = diags_of("flow: f\ntitle: !!python/object:os.system x\nsteps: []\n")
    assert where(diags) == [("WA104", 2, 8)]


def test_wa105_missing_id_and_kindless_step() -> None:
    diags = diags_of("flow: f\nsteps:\n  - send: Hi\n  - id: b\n    next: end\n")
    assert where(diags) == [("WA105", 3, 5), ("WA105", 4, 5)]


def test_wa106_unknown_kind_with_did_you_mean() -> None:
    (diag,) = diags_of("flwo: f\nsteps: []\n")
    assert where([diag]) == [("WA106", 1, 1)] and diag.hint == "did you mean `flow`?"
    assert [d.code for d in diags_of("- a\n- b\n")] == ["WA106"]
    assert [d.code for d in diags_of("just text")] == ["WA106"]


def test_wa109_duplicate_key_at_the_second() -> None:
    (diag,) = diags_of("flow: f\nsteps:\n  - id: a\n    send: Hi\n    send: Ho\n")
    assert where([diag]) == [("WA109", 5, 5)]


def test_wa110_invalid_ids() -> None:
    diags = diags_of("flow: Order-Status\nsteps:\n  - {id: 1st, end: }\n")
    assert where(diags) == [("WA110", 1, 7), ("WA110", 3, 10)]


def test_wa111_bad_durations() -> None:
    diags = diags_of("flow: f\nsteps:\n  - {id: a, wait: 2 weeks}\n  - {id: b, wait: -5}\n")
    assert where(diags) == [("WA111", 3, 19), ("WA111", 4, 19)]


def test_wa112_two_kinds_at_the_second_key() -> None:
    diags = diags_of("flow: f\nsteps:\n  - id: a\n    send: Hi\n    ask: Name?\n")
    assert where(diags) == [("WA112", 5, 5)]
    diags = diags_of("flow: f\ntrigger: {keyword: hi, event: customer.tagged}\nsteps: []\n")
    assert [d.code for d in diags] == ["WA112"]


def test_every_problem_reported_and_good_parts_kept() -> None:
    source, diags = load_yaml("flows/f.yaml", textwrap.dedent("""\
        flow: f
        steps:
          - id: good
            send: Hi
          - id: bad
            ask: Name?
            retries: many
            expext: text
          - id: also_good
            end: Bye
        """))
    assert [d.code for d in diags] == ["WA103", "WA104"]
    assert source is not None
    assert [s.id for s in source.flows[0].steps] == ["good", "bad", "also_good"]


def test_unbuildable_step_is_skipped_siblings_kept() -> None:
    source, diags = load_yaml("f.yaml", "flow: f\nsteps:\n  - {id: a, send: [1]}\n"
                              "  - {id: b, end: }\n")
    assert source is not None and [s.id for s in source.flows[0].steps] == ["b"]
    assert [d.code for d in diags] == ["WA104"]


def test_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "flow: f\nvars:\n" + "\n".join("  " + line for line in lines) + "\nsteps: []\n"
    source, diags = load_yaml("f.yaml", text)
    assert source is None and [d.code for d in diags] == ["WA108"]


def test_recursive_anchor_and_merge_do_not_hang() -> None:
    _, diags = load_yaml("f.yaml", "flow: f\nvars: {a: &x [*x]}\nsteps: []\n")
    assert {d.code for d in diags} == {"WA104"}
    _, diags = load_yaml("f.yaml", "flow: f\nvars: &m {<<: *m}\nsteps: []\n")
    assert {d.code for d in diags} <= {"WA104"}


def test_no_flow_ast_when_id_is_missing_but_steps_still_checked() -> None:
    source, diags = load_yaml("f.yaml", "flows:\n  - title: x\n    steps: [{id: a, sned: b}]\n")
    assert source is not None and source.flows == []
    assert {d.code for d in diags} == {"WA105", "WA103"}


def test_project_errors() -> None:
    diags = diags_of("shop: demo\nlanguge: vi\npaths: {flows: 5}\n", "wactl.yaml")
    assert [d.code for d in diags] == ["WA103"]
    source, _ = load_yaml("wactl.yaml", "shop: demo\npaths: {flows: 5}\n")
    expected = ast.Project(shop="demo", paths=ast.ProjectPaths(flows=["5"]))
    assert source is not None and ast.same(source.project, expected)


def test_branch_arm_problems() -> None:
    diags = diags_of("""\
        flow: f
        steps:
          - id: route
            branch:
              - else: a
              - {if: x, goto: a, else: b}
              - {if: y}
          - {id: a, end: }
        """)
    assert where(diags) == [("WA104", 5, 9), ("WA112", 6, 10), ("WA112", 6, 17),
                            ("WA104", 6, 26), ("WA105", 7, 9)]


def test_value_checks_with_hints() -> None:
    diags = diags_of("""\
        flow: f
        trigger: {intent: {intent: buy, min_confidence: 2}}
        steps:
          - {id: a, call: {method: get, url: "https://x"}}
          - {id: b, set: {items: [1, 2]}}
          - {id: c, tag: []}
          - {id: d, consent: yes}
          - {id: e, ask: Hi, extract: {when: datetime}}
        """)
    assert [d.code for d in diags] == ["WA104"] * 6
    assert diags[1].hint == "write it in capitals: `GET`"
    assert diags[2].hint is not None and "expression string" in diags[2].hint


def test_agent_and_test_file_problems() -> None:
    diags = diags_of("agent: sales\ntone: friendy\ntemperature: 3\n", "agents/a.yaml")
    assert [(d.code, d.hint) for d in diags] == \
        [("WA104", "did you mean `friendly`?"), ("WA104", None)]
    diags = diags_of("""\
        test: t
        turns:
          - {user: hi, bot: hello}
          - {usr: hi}
          - user: {button: a, list: b}
          - clock: soon
        """, "tests/t.yaml")
    assert [d.code for d in diags] == ["WA112", "WA105", "WA103", "WA112", "WA111"]


def test_flow_and_flows_in_one_file() -> None:
    diags = diags_of("flow: a\nflows: []\n")
    assert where(diags) == [("WA112", 1, 1)]


def test_timezone_given_twice_in_project() -> None:
    diags = diags_of("timezone: UTC\ntime_zone: UTC\n", "wactl.yaml")
    assert where(diags) == [("WA112", 2, 1)]


def test_double_quotes_inside_double_quoted_text_get_a_quoting_hint() -> None:
    text = 'flow: a\nsteps:\n  - id: s\n    send: "Hi {{ name | default("there") }}!"\n'
    _, diags = load_yaml("a.yaml", text)
    assert [(d.code, d.span.line) for d in diags] == [("WA101", 4)]
    assert diags[0].hint is not None and "single quotes" in diags[0].hint


def test_an_indentation_slip_keeps_the_indentation_hint() -> None:
    _, diags = load_yaml("a.yaml", "flow: a\nsteps:\n  - id: s\n    send: hi\n   bad: x\n")
    assert diags and diags[0].code == "WA101"
    assert diags[0].hint is None or "single quotes" not in diags[0].hint


def test_durations_in_words_read_as_in_flow_files() -> None:
    from wactl.dsl import load_source

    text = "flow: f\nsteps:\n  - {id: a, wait: 2 days}\n  - {id: b, wait: 15 minutes}\n"
    file, diags = load_source("f.yaml", text)
    assert diags == [] and file is not None
    waits = [s.wait.seconds for s in file.flows[0].steps
             if isinstance(s, ast.WaitStep) and s.wait is not None]
    assert waits == [2 * 86400, 15 * 60]


def test_keys_from_other_bot_formats_get_wactls_spelling() -> None:
    diags = diags_of("flow: f\nsteps:\n  - id: a\n    say: Hi\n")
    assert [(d.code, d.span.line, d.span.col) for d in diags] == [("WA103", 4, 5)]
    assert diags[0].hint is not None and "`send`" in diags[0].hint
    diags = diags_of("flow: f\nsteps:\n  - id: a\n    ask: Name?\n    save_as: name\n")
    assert diags[0].hint is not None and "`save`" in diags[0].hint


@pytest.mark.parametrize(("trigger", "message"), [
    ('[""]', "a keyword cannot be empty"),
    ("[hi, '  ']", "a keyword cannot be empty"),
    ("5", "`keyword` must be text, got 5"),
    ("[hi, yes]", "`keyword` must be text, got yes"),
    ("[]", "`keyword` must be a word or a list of words, got an empty list"),
])
def test_empty_and_non_text_keywords_are_errors(trigger: str, message: str) -> None:
    [d] = diags_of(f"flow: f\ntrigger: {{keyword: {trigger}}}\nsteps:\n  - {{id: a, send: hi}}\n")
    assert (d.code, d.message) == ("WA104", message)


def test_a_quoted_number_is_a_keyword() -> None:
    assert diags_of('flow: f\ntrigger: {keyword: ["5"]}\nsteps:\n  - {id: a, send: hi}\n') == []


def test_an_empty_button_list_is_an_error() -> None:
    [d] = diags_of("flow: f\nsteps:\n  - {id: a, send: {text: hi, buttons: []}}\n")
    assert (d.code, d.span.line, d.span.col) == ("WA104", 3, 39) and "empty list" in d.message
