"""Each AI answer's `AITokenUsage` event names what asked, so the driver can count the
shop's usage per agent and day (`records.usage_of`)."""

from __future__ import annotations

from engine_harness import WA, Chat

from wactl.runtime.effects import AiRequest, Publish
from wactl.runtime.events import AiResult, Usage
from wactl.runtime.records import AI_USAGE_EVENT, AiUsage, usage_of

AGENT = """
agent: helper
model: gpt-4o-mini
"""
ADVICE = """
flow: advice
trigger: {keyword: [advice]}
steps:
  - {id: talk, agent: helper}
"""
BOOK = """
flow: book
trigger: {keyword: [book]}
steps:
  - {id: day_q, ask: "Which day?", expect: date, save: day, extract: {day: date}}
  - {id: s, send: "{{ day }}"}
"""
USED = Usage("gpt-4o-mini", 10, 2, 0.5)


def _told(chat: Chat) -> list[tuple[str, str | None]]:
    return [(e.payload["purpose"], e.payload["agent"]) for e in chat.effects
            if isinstance(e, Publish) and e.name == AI_USAGE_EVENT]


def _answering(chat: Chat, **answer: str) -> None:
    def ai(req: AiRequest) -> AiResult:
        return AiResult(WA, chat.now, req.request_id, usage=USED,
                        text=answer.get("text"), values={"day": "2030-12-28"})
    chat.ai = ai


def test_an_agents_reply_names_the_agent() -> None:
    chat = Chat.of(ADVICE, AGENT)
    _answering(chat, text="Try the gel.")
    chat.say("advice")
    assert chat.say("oily skin?") == ["Try the gel."]
    assert _told(chat) == [("reply", "helper")]


def test_an_asks_extraction_names_no_agent() -> None:
    chat = Chat.of(BOOK)
    _answering(chat)
    chat.say("book")
    assert chat.say("Saturday 28/12/2030") == ["2030-12-28"]
    assert _told(chat) == [("extract", None)]


def test_an_answer_nothing_waits_for_is_other() -> None:
    chat = Chat.of(BOOK)
    chat.feed(AiResult(WA, chat.now, "ai-stale", text="late", usage=USED))
    assert _told(chat) == [("other", None)]


def test_the_event_becomes_a_count_of_one_call() -> None:
    chat = Chat.of(ADVICE, AGENT)
    _answering(chat, text="ok")
    chat.say("advice")
    chat.say("hello")
    [event] = [e for e in chat.effects if isinstance(e, Publish) and e.name == AI_USAGE_EVENT]
    day = chat.now.date()
    assert usage_of(event, day) == AiUsage(day, "reply", "helper", "gpt-4o-mini", 1, 10, 2,
                                           0.5)
    assert usage_of(Publish("WhatsAppMessageReceived", {}), day) is None
