"""Conversation tests must refer to known flows and agents (WA703)."""

from __future__ import annotations

from wactl.compiler.project import compile_project

FLOW = "flow: order_status\ntrigger: {keyword: order}\nsteps:\n  - id: s\n    send: hi\n"
AGENT = "agent: sales\nprompt: Help.\n"


def found(test: str) -> list[tuple[str, str, str | None]]:
    sources = {"flows/f.yaml": FLOW, "agents/a.yaml": AGENT, "tests/t.yaml": test}
    result = compile_project(sources)
    return [(d.code, str(d.span), d.hint) for d in result.diagnostics if d.code == "WA703"]


def test_unknown_flow_with_did_you_mean() -> None:
    [(code, where, hint)] = found("test: t\nflow: order_stauts\nturns:\n  - user: hi\n")
    assert (code, where, hint) == ("WA703", "tests/t.yaml:2:7", "did you mean `order_status`?")


def test_unknown_agent_in_ai_mock() -> None:
    test = "test: t\nmocks:\n  ai:\n    - {agent: sale, reply: ok}\nturns:\n  - user: order\n"
    [(code, _where, hint)] = found(test)
    assert code == "WA703" and hint == "did you mean `sales`?"


def test_known_names_are_clean() -> None:
    test = ("test: t\nflow: order_status\nmocks:\n  ai:\n    - {agent: sales, reply: ok}\n"
            "turns:\n  - user: hi\n")
    assert found(test) == []


def test_a_pattern_re2_refuses_in_a_bot_turn_is_wa408_at_the_turn() -> None:
    test = ("test: t\nflow: order_status\nturns:\n  - user: hi\n  - bot: '/^(h)\\1/'\n"
            "  - bot: {text: '/(?<=x)y/'}\n  - bot: '/^h(a+)+$/'\n  - bot: '/not a pattern'\n")
    result = compile_project({"flows/f.yaml": FLOW, "tests/t.yaml": test})
    got = [(d.code, str(d.span)) for d in result.diagnostics]
    assert got == [("WA408", "tests/t.yaml:5:5"), ("WA408", "tests/t.yaml:6:5")]
    assert "a back-reference `\\1` is not supported" in result.diagnostics[0].message
    assert "a lookbehind" in result.diagnostics[1].message
