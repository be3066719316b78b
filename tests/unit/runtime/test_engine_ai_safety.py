"""The AI layer's line through the engine: other customers, long replies, long flow texts."""

from __future__ import annotations

from collections.abc import Callable

from engine_harness import WA, Chat

from wactl.runtime.effects import AiRequest, Log, SendText
from wactl.runtime.events import AiResult, Inbound
from wactl.runtime.text_limit import WHATSAPP_TEXT_LIMIT

AGENT = """
agent: helper
model: gpt-4o-mini
prompt: "You help customers of {{ shop.name }}."
"""
ORDER_URL = "GET https://shop.example/orders/latest"
FLOW = """
flow: advice
trigger: {keyword: [advice]}
steps:
  - id: look
    call: {method: GET, url: "https://shop.example/orders/latest", timeout: 5s}
    save: order
    on_error: talk
  - id: talk
    agent: helper
    max_turns: 3
  - {id: bye, end: "Bye!"}
"""
ANOTHER_CUSTOMERS_ORDER = {"id": 7, "recipient": {"name": "Trần Văn Bình",
                                                  "phone": "0977 555 333"}}


def replying(text: str) -> Callable[[Chat], Callable[[AiRequest], AiResult]]:
    def bind(chat: Chat) -> Callable[[AiRequest], AiResult]:
        return lambda req: AiResult(WA, chat.now, req.request_id, text=text)
    return bind


def chat_with(reply: str, order: dict[str, object]) -> Chat:
    chat = Chat.of(FLOW, AGENT)
    chat.http[ORDER_URL] = order
    chat.ai = replying(reply)(chat)
    return chat


def test_the_reply_request_carries_the_flows_variables_for_the_checks() -> None:
    chat = chat_with("ok", ANOTHER_CUSTOMERS_ORDER)
    chat.say("advice")
    chat.say("where is my order?")
    request = [e for e in chat.effects if isinstance(e, AiRequest)][-1]
    assert request.scope["vars"]["order"] == ANOTHER_CUSTOMERS_ORDER
    assert set(request.scope) == {"customer", "shop", "vars"}


def test_another_customers_name_from_a_flow_variable_is_not_sent() -> None:
    chat = chat_with("Đơn của anh Trần Văn Bình đã giao hôm qua.", ANOTHER_CUSTOMERS_ORDER)
    chat.say("advice")
    out = chat.say("where is my order?")
    assert not any("Bình" in text for text in out)
    assert chat.state.handed_off
    blocked = [e for e in chat.effects if isinstance(e, Log) and e.code == "reply_blocked"]
    assert blocked and "other_customer" in blocked[0].message


def test_the_customers_own_record_is_not_another_customer() -> None:
    own = {"id": 8, "recipient": {"name": "Trần Văn Bình", "phone": WA}}
    chat = chat_with("Đơn của anh Trần Văn Bình đã giao hôm qua.", own)
    chat.say("advice")
    assert chat.say("where is my order?") == ["Đơn của anh Trần Văn Bình đã giao hôm qua."]
    assert not chat.state.handed_off


def test_a_5010_character_reply_goes_out_in_parts_at_a_paragraph() -> None:
    first, second = "A" * 3000 + ".", "B" * 2006 + "."
    long_reply = f"{first}\n\n{second}"
    assert len(long_reply) == 5010
    chat = chat_with(long_reply, {"id": 1})
    chat.say("advice")
    sent = [e for e in chat.feed(Inbound(WA, chat.now, text="tell me everything", id="m9"))
            if isinstance(e, SendText)]
    assert [e.text for e in sent] == [first, second]
    assert all(len(e.text) <= WHATSAPP_TEXT_LIMIT for e in sent)
    assert ("assistant", long_reply) in chat.state.history


def test_a_flow_text_that_renders_too_long_ends_the_step_with_a_logged_reason() -> None:
    chat = Chat.of("""
flow: echo
trigger: {keyword: [echo]}
steps:
  - {id: ask_it, ask: "Say something", save: said}
  - {id: echo_it, send: "You said: {{ said }} {{ said }}"}
  - {id: done, end: "Done."}
""")
    chat.say("echo")
    out = chat.say("x" * 3000)
    assert out == []  # nothing over 4,096 characters is sent, and nothing after it
    logs = [e for e in chat.effects if isinstance(e, Log) and e.level == "error"]
    assert [(e.code, e.step) for e in logs] == [("expression_error", "echo_it")]
    assert "6011 characters" in logs[0].message and "4096" in logs[0].message
    assert chat.state.run is None
    assert chat.state.finished[-1].trace[-1].outcome == "error: text_too_long"


def test_an_ask_that_renders_too_long_is_not_asked() -> None:
    chat = Chat.of("""
flow: twice
trigger: {keyword: [twice]}
steps:
  - {id: first, ask: "Say something", save: said}
  - {id: again, ask: "{{ said }}{{ said }}? Really?", save: sure}
""")
    chat.say("twice")
    assert chat.say("y" * 2100) == []
    logs = [e for e in chat.effects if isinstance(e, Log) and e.level == "error"]
    assert [(e.code, e.step) for e in logs] == [("expression_error", "again")]
    assert chat.state.run is None and not chat.state.handed_off
    assert chat.state.finished[-1].trace[-1].outcome == "error: text_too_long"
