"""WhatsApp's own notices (`system` messages) are not the customer speaking."""

from __future__ import annotations

from engine_harness import Chat

from wactl.runtime.effects import Log
from wactl.runtime.events import SystemNotice

ASK = """
flow: f
trigger: {keyword: [go, changed]}
steps:
  - id: q
    ask: "Your number?"
    expect: number
    save: n
    retry_message: "A number please."
  - {id: s, send: "got {{ n }}"}
"""


def test_a_system_notice_is_no_answer_and_starts_no_flow() -> None:
    chat = Chat.of(ASK)
    chat.say("go")
    notice = SystemNotice("user_changed_number", "Mai changed from 1 to 2", "2")
    before = chat.state.last_inbound_at
    assert chat.say(notice.body, kind="system", raw_type="system", system=notice) == []
    assert chat.state.run is not None and chat.state.run.top.retries == 0
    assert chat.state.last_inbound_at == before
    assert any(isinstance(e, Log) and e.code == "system_message" for e in chat.effects)
    assert chat.say("42") == ["got 42"]


def test_a_system_notice_with_a_keyword_in_it_starts_nothing() -> None:
    chat = Chat.of(ASK)
    assert chat.say("Mai changed her number", kind="system", raw_type="system") == []
    assert chat.state.run is None
