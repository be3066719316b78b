"""A persona's handoff rules that need no model: keywords and classified intents.

A persona hands the conversation to a person when (1) the customer's message holds
one of its `handoff.keywords`, (2) the intent classifier puts the message in one of
its `handoff.intents`, or (3) the model itself asks for a person (see
`prompt.HANDOFF_MARKER`; the AI client turns that into `AiResult(handoff=True)`).
Rules 1 and 2 live here, pure, so the engine can apply them before spending a call.

Keywords compare the way trigger keywords do (`normalise`: lowercase, no diacritics,
words joined by one space) and match whole words only: `agent` fires on "I want an
agent" but not on "agentic", and "hoàn tiền" fires on "hoan tien giúp mình" too.
"""

from __future__ import annotations

from wactl.compiler.checks.triggers import normalise
from wactl.compiler.ir import IRAgent


def handoff_keywords(agent: IRAgent) -> list[str]:
    """The persona's keywords, normalised (the compiler's copy when it made one)."""
    rules = agent.handoff
    if rules is None:
        return []
    found = rules.normalized or [normalise(k) for k in rules.keywords]
    return [k for k in found if k]


def matched_keyword(agent: IRAgent, text: str) -> str | None:
    """The first handoff keyword `text` holds as whole words, normalised; None if none."""
    padded = f" {normalise(text)} "
    for keyword in handoff_keywords(agent):
        if f" {keyword} " in padded:
            return keyword
    return None


def wants_handoff(agent: IRAgent, text: str) -> bool:
    """Whether the customer's message holds one of the persona's handoff keywords."""
    return matched_keyword(agent, text) is not None


def is_handoff_intent(agent: IRAgent, intent: str | None) -> bool:
    """Whether a classified intent is one the persona hands to a person."""
    return intent is not None and agent.handoff is not None and intent in agent.handoff.intents
