"""Conversation tests must name flows and agents that exist.

A test whose `flow:` is misspelt cannot start, and an AI mock for an unknown agent is
never consumed, so the test fails (or, worse, passes) for the wrong reason.  Catching
the name at compile time points the merchant at the typo instead of a puzzling run.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.diagnostics import did_you_mean
from wactl.dsl import ast


def check(ctx: Context) -> None:
    """WA703 for each unknown flow or agent a conversation test refers to."""
    for test in ctx.tests:
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
