"""Handoff keywords: whole words, diacritic-insensitive; handoff intents."""

from __future__ import annotations

import pytest

from wactl.compiler.ir import IRAgent, IRAgentHandoff
from wactl.runtime.agents.handoff import (
    handoff_keywords,
    is_handoff_intent,
    matched_keyword,
    wants_handoff,
)

AGENT = IRAgent(id="support", model="gpt-4o-mini",
                handoff=IRAgentHandoff(keywords=["agent", "hoàn tiền", "Người thật"],
                                       intents=["complaint"]))


@pytest.mark.parametrize("text", ["I want an agent", "AGENT!", "cho mình hoàn tiền",
                                  "hoan tien giup minh", "Hoàn  Tiền?", "gặp người thật đi",
                                  "nguoi that"])
def test_a_keyword_as_whole_words_hands_off(text: str) -> None:
    assert wants_handoff(AGENT, text)


@pytest.mark.parametrize("text", ["agentic workflows", "reagent", "tiền hoàn lại", "",
                                  "người ta thật là", "hoàn thành tiền"])
def test_other_text_does_not(text: str) -> None:
    assert not wants_handoff(AGENT, text)


def test_the_compilers_normalised_copy_is_used_when_present() -> None:
    agent = IRAgent(id="a", model="m", handoff=IRAgentHandoff(keywords=["Hoàn tiền"],
                                                             normalized=["hoan tien"]))
    assert handoff_keywords(agent) == ["hoan tien"]
    assert matched_keyword(agent, "Mình muốn HOÀN TIỀN") == "hoan tien"


def test_a_persona_without_rules_never_hands_off() -> None:
    agent = IRAgent(id="a", model="m")
    assert not wants_handoff(agent, "agent refund")
    assert not is_handoff_intent(agent, "complaint")


def test_handoff_intents() -> None:
    assert is_handoff_intent(AGENT, "complaint")
    assert not is_handoff_intent(AGENT, "booking")
    assert not is_handoff_intent(AGENT, None)
