"""AI agents, intents and extraction through the engine (the AI layer's answers scripted)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_harness import WA, Chat

from wactl.runtime.effects import AiRequest, Handoff, Publish
from wactl.runtime.events import AiResult, Usage

AGENT = """
agent: helper
model: gpt-4o-mini
constraints: ["Never promise a delivery date."]
context_messages: 4
handoff:
  keywords: [refund]
  message: "Passing you to a person."
"""
FLOW = """
flow: advice
trigger: {keyword: [advice]}
steps:
  - {id: hi, send: "Ask me anything."}
  - id: talk
    agent: helper
    until: 'lower(message.text) matches "^thanks"'
    max_turns: 3
  - {id: bye, end: "Bye!"}
"""


Reply = Callable[[Chat], Callable[[AiRequest], AiResult]]


def replying(text: str | None = None, error: str | None = None,
             handoff: bool = False) -> Reply:
    def bind(chat: Chat) -> Callable[[AiRequest], AiResult]:
        def answer(req: AiRequest) -> AiResult:
            return AiResult(WA, chat.now, req.request_id, text=text, error=error,
                            handoff=handoff, usage=Usage("gpt-4o-mini", 100, 20, 0.0001))
        return answer
    return bind


def chat_with(ai: Reply) -> Chat:
    chat = Chat.of(FLOW, AGENT)
    chat.ai = ai(chat)
    return chat


def test_agent_answers_until_the_until_condition_holds() -> None:
    chat = chat_with(replying("Try the gel."))
    assert chat.say("advice") == ["Ask me anything."]
    assert chat.say("oily skin?") == ["Try the gel."]
    req = [e for e in chat.effects if isinstance(e, AiRequest)][-1]
    assert req.purpose == "reply" and req.agent == "helper" and req.text == "oily skin?"
    assert ("assistant", "Ask me anything.") in req.history
    assert chat.say("thanks a lot") == ["Bye!"]
    usage = [e for e in chat.effects if isinstance(e, Publish) and e.name == "AITokenUsage"]
    assert usage and usage[0].payload["prompt_tokens"] == 100
    assert chat.state.ai_usage == {"prompt_tokens": 100, "completion_tokens": 20,
                                   "cost": pytest.approx(0.0001)}


def test_agent_step_ends_after_max_turns() -> None:
    chat = chat_with(replying("ok"))
    chat.say("advice")
    chat.say("a")
    chat.say("b")
    assert chat.say("c") == ["ok", "Bye!"]
    assert chat.state.ai_usage["prompt_tokens"] == 300  # usage adds up per conversation


def test_history_is_cut_to_context_messages() -> None:
    chat = chat_with(replying("ok"))
    chat.say("advice")
    chat.say("one")
    chat.say("two")
    req = [e for e in chat.effects if isinstance(e, AiRequest)][-1]
    assert len(req.history) == 4


def test_handoff_keyword_hands_over_without_asking_the_model() -> None:
    chat = chat_with(replying("never sent"))
    chat.say("advice")
    assert chat.say("I want a REFUND") == ["Passing you to a person."]
    assert chat.state.handed_off and not [e for e in chat.effects if isinstance(e, AiRequest)]


def test_model_down_sends_the_fallback_and_hands_over() -> None:
    chat = chat_with(replying(None, error="down"))
    chat.say("advice")
    out = chat.say("hello?")
    assert len(out) == 1 and "nhân viên" in out[0].lower()
    assert chat.state.handed_off
    assert any(isinstance(e, Handoff) for e in chat.effects)


def test_model_answering_nonsense_is_a_handoff_not_a_message() -> None:
    chat = chat_with(replying(None, error="invalid"))
    chat.say("advice")
    chat.say("hello?")
    assert chat.state.handed_off


def test_reply_leaking_another_customers_phone_is_not_sent() -> None:
    chat = chat_with(replying("Call Mr Binh at 0912 345 678, he had the same issue."))
    chat.say("advice")
    out = chat.say("anyone else with this?")
    assert not any("0912" in text for text in out)
    assert chat.state.handed_off


def test_model_asking_for_a_person_hands_over() -> None:
    chat = chat_with(replying(None, handoff=True))
    chat.say("advice")
    assert chat.say("hm") == ["Passing you to a person."]


INTENT = """
flow: track
trigger: {intent: {intent: track_order, min_confidence: 0.8}}
vars: {order_id: null}
steps:
  - {id: s, send: "Tracking {{ order_id }}"}
"""


def classify(chat: Chat, intent: str | None, confidence: float, **values: object
             ) -> Callable[[AiRequest], AiResult]:
    def answer(req: AiRequest) -> AiResult:
        assert req.purpose == "intent" and "track_order" in req.intents
        return AiResult(WA, chat.now, req.request_id, intent=intent, confidence=confidence,
                        values=dict(values))
    return answer


def test_intent_trigger_fills_declared_vars() -> None:
    chat = Chat.of(INTENT)
    chat.ai = classify(chat, "track_order", 0.93, order_id=10423, other="x")
    assert chat.say("where is 10423?") == ["Tracking 10423"]
    assert chat.vars == {"order_id": 10423}


def test_intent_below_min_confidence_is_unanswered() -> None:
    chat = Chat.of(INTENT)
    chat.ai = classify(chat, "track_order", 0.5)
    assert chat.say("hmm") == []
    assert chat.state.needs_human


def test_extract_fills_several_typed_vars_from_one_answer() -> None:
    chat = Chat.of("""
flow: book
trigger: {keyword: [book]}
vars: {people: null}
steps:
  - id: day_q
    ask: "Which day?"
    expect: date
    save: day
    extract: {day: date, people: number}
  - id: people_q
    ask: "How many?"
    expect: number
    save: people
    when: people == null
  - {id: s, send: "{{ day }} for {{ people }}"}
""")

    def extract(req: AiRequest) -> AiResult:
        assert req.purpose == "extract" and req.fields == {"day": "date", "people": "number"}
        return AiResult(WA, chat.now, req.request_id, values={"day": "2030-12-28",
                                                              "people": "2", "junk": 1})
    chat.ai = extract
    chat.say("book")
    assert chat.say("Saturday 28/12/2030, two of us") == ["2030-12-28 for 2"]


def test_extract_with_the_ai_down_reads_the_answer_by_expect() -> None:
    chat = Chat.of("""
flow: book
trigger: {keyword: [book]}
steps:
  - id: day_q
    ask: "Which day?"
    expect: date
    save: day
    extract: {day: date}
  - {id: s, send: "{{ day }}"}
""")
    chat.say("book")
    assert chat.say("28/12/2030") == ["2030-12-28"]
