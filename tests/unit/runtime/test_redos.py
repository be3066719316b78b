"""Catastrophic-backtracking patterns in every place a merchant's pattern is matched.

Each pattern below takes minutes on its 31-character subject with Python's `re`; on RE2
it is an ordinary pattern, so `validate` accepts it and a run gives the right answer.
The tests assert those answers: a hang would show as a test that never finishes.
"""

from __future__ import annotations

import json

import pytest
from engine_harness import T0, WA, Chat, compile_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.compiler.project import compile_project
from wactl.dsl.expr import PatternError, compile_pattern
from wactl.runtime.answers import Answer, parse_answer
from wactl.runtime.convtest_check import text_matches
from wactl.runtime.events import Inbound

# (pattern, a 31-character subject it does not match, a subject it matches)
REDOS = [
    (r"(a|a)+$", "a" * 30 + "!", "baaa"),
    (r"((a+))+$", "a" * 30 + "!", "baaa"),
    (r"(a+?)+$", "a" * 30 + "!", "baaa"),
    (r"(\w+\s?)+$", "a" * 30 + "!", "hello world"),
    (r"(\d+[,.]?)+$", "1" * 30 + "!", "12,345.6"),
    (r"(.*a){12}$", "a" * 30 + "!", "a" * 12),
    (r"^(a|b|ab)*c$", "ab" * 15 + "a", "ababc"),
]
IDS = [p for p, _, _ in REDOS]


def test_subjects_are_31_characters() -> None:
    assert {len(evil) for _, evil, _ in REDOS} == {31}


def _clean(flow: str) -> None:
    """`wactl validate` accepts the flow: nothing to refuse in these patterns any more."""
    result = compile_project({"flows/f.yaml": flow})
    assert [d.code for d in result.diagnostics if d.severity == "error"] == []


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_regex_trigger(pattern: str, evil: str, good: str) -> None:
    flow = f"flow: f\ntrigger: {{regex: '{pattern}'}}\nsteps:\n  - {{id: s, send: started}}\n"
    _clean(flow)
    assert Chat.of(flow).say(evil) == []
    assert Chat.of(flow).say(good) == ["started"]


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_expect_regex(pattern: str, evil: str, good: str) -> None:
    flow = (f"flow: f\ntrigger: {{keyword: go}}\nsteps:\n"
            f"  - {{id: q, ask: 'Code?', expect: 'regex:{pattern}', save: code,"
            f" retry_message: again}}\n"
            f"  - {{id: ok, send: 'got {{{{ code }}}}'}}\n")
    _clean(flow)
    chat = Chat.of(flow)
    assert chat.say("go") == ["Code?"]
    assert chat.say(evil) == ["again"]
    assert chat.say(good)[0].startswith("got ")


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_expect_regex_parse(pattern: str, evil: str, good: str) -> None:
    def parse(text: str) -> Answer:
        message = Inbound(WA, T0, "text", id="m", text=text)
        return parse_answer(f"regex:{pattern}", message, [], today=T0.date())
    assert parse(evil) == Answer(False, reason="no_match")
    assert parse(good).ok


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_matches_in_a_branch(pattern: str, evil: str, good: str) -> None:
    flow = (f"flow: f\ntrigger: {{keyword: go}}\nsteps:\n"
            f"  - {{id: q, ask: 'Text?', save: t}}\n"
            f"  - id: b\n    branch:\n      - if: 't matches \"{pattern}\"'\n"
            f"        goto: yes\n      - else: no\n"
            f"  - {{id: 'yes', send: matched, next: end}}\n"
            f"  - {{id: 'no', send: 'no match'}}\n")
    _clean(flow)
    for text, reply in ((evil, "no match"), (good, "matched")):
        chat = Chat.of(flow)
        chat.say("go")
        assert chat.say(text) == [reply]


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_validate(pattern: str, evil: str, good: str) -> None:
    flow = (f"flow: f\ntrigger: {{keyword: go}}\nsteps:\n"
            f"  - {{id: q, ask: 'Text?', save: t, retry_message: again,"
            f" validate: 'answer matches \"{pattern}\"'}}\n"
            f"  - {{id: ok, send: accepted}}\n")
    _clean(flow)
    chat = Chat.of(flow)
    chat.say("go")
    assert chat.say(evil) == ["again"]
    assert chat.say(good) == ["accepted"]


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_conversation_test_expectation(pattern: str, evil: str, good: str) -> None:
    assert text_matches(f"/{pattern}/", evil) is False
    assert text_matches(f"/{pattern}/", good) is True


@pytest.mark.parametrize(("pattern", "evil", "good"), REDOS, ids=IDS)
def test_conversation_test_file_validates(pattern: str, evil: str, good: str) -> None:
    flow = "flow: f\ntrigger: {keyword: go}\nsteps:\n  - {id: s, send: hi}\n"
    test = f"test: t\nturns:\n  - user: go\n  - bot: '/{pattern}/'\n"
    result = compile_project({"flows/f.yaml": flow, "tests/t.yaml": test})
    assert [d.code for d in result.diagnostics] == []


def test_the_program_compiles_with_all_of_them() -> None:
    """One project holding every pattern as a trigger compiles (and lowers) cleanly."""
    flows = [f"flow: f{i}\ntrigger: {{regex: '{p}'}}\nsteps:\n  - {{id: s, send: f{i}}}\n"
             for i, (p, _, _) in enumerate(REDOS)]
    program = compile_yaml(*flows)
    assert len(program.flows) == len(REDOS)


_SYNTAX = st.text(alphabet="ab(|)[]^-$*+?{},.\\dwsWSZbBpPLNQEu0123456789:=!<>#iđ ", max_size=30)
_MESSAGE = st.text(max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SYNTAX, st.lists(_MESSAGE, min_size=1, max_size=3))
def test_any_trigger_pattern_and_any_messages_give_an_outcome(pattern: str,
                                                              messages: list[str]) -> None:
    """`validate` gives diagnostics (never an exception); when it accepts the pattern, the
    engine answers every message (the flow, or nothing) without raising."""
    flow = ("flow: f\ntrigger: {regex: " + json.dumps(pattern) + "}\n"
            "steps:\n  - {id: s, send: started}\n")
    result = compile_project({"flows/f.yaml": flow})
    errors = [d.code for d in result.diagnostics if d.severity == "error"]
    if isinstance(compile_pattern(pattern), PatternError):
        assert errors == ["WA603"]
        return
    assert errors == []
    chat = Chat.of(flow)
    for text in messages:
        assert chat.say(text) in ([], ["started"])
