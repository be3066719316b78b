"""Conversation tests must name flows and agents that exist, and use patterns that run.

A test whose `flow:` is misspelt cannot start, and an AI mock for an unknown agent is
never consumed, so the test fails (or, worse, passes) for the wrong reason.  Catching
the name at compile time points the merchant at the typo instead of a puzzling run.
A bot turn's `/.../` text is a pattern like any other (RE2, `wactl.dsl.expr.patterns`):
one RE2 refuses would never match, so it is WA408 here rather than a failed turn later.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.diagnostics import did_you_mean
from wactl.dsl import ast
from wactl.dsl.expr import regex_problem


def check(ctx: Context) -> None:
    """WA703 for each unknown flow or agent a conversation test refers to; WA408 for
    each `/.../` expectation RE2 refuses."""
    for test in ctx.tests:
        _check_patterns(ctx, test)
        if test.flow is not None and test.flow not in ctx.flows:
            ctx.bag.add("WA703", f"test `{test.name}` starts unknown flow `{test.flow}`",
                        ast.span_of(test, "flow"), hint=did_you_mean(test.flow, ctx.flows)
                        or "check the flow id, or remove `flow:` to start by a trigger")
        for mock in _ai_mocks(test):
            if mock.agent is not None and mock.agent not in ctx.agents:
                ctx.bag.add("WA703", f"AI mock names unknown agent `{mock.agent}`",
                            ast.span_of(mock, "agent"),
                            hint=did_you_mean(mock.agent, ctx.agents))


def _ai_mocks(test: ast.ConvTest) -> list[ast.AiMock]:
    return test.mocks.ai if test.mocks is not None else []


def _check_patterns(ctx: Context, test: ast.ConvTest) -> None:
    for turn in test.turns:
        text = turn.text if isinstance(turn, ast.BotTurn) else None
        if text is None or not (len(text) >= 2 and text[0] == text[-1] == "/"):
            continue
        error = regex_problem(text[1:-1])
        if error is not None:
            ctx.bag.add("WA408", f"expected text `{text}` refused as a pattern: {error}",
                        turn.span, hint="fix the pattern, or write the exact text without the "
                        "surrounding `/`")
