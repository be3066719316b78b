"""Precedence of an inbound message, triggers, rules, versions, ticks and events."""

from __future__ import annotations

from datetime import timedelta

from engine_harness import T0, WA, Chat, compile_yaml

from wactl.runtime.effects import Log, Publish
from wactl.runtime.engine import Engine
from wactl.runtime.events import CustomerEvent, ScheduleTick, StartFlow

TWO = """
flows:
  - flow: order
    trigger: {keyword: [order]}
    steps:
      - {id: s, send: "order flow"}
  - flow: order_status
    trigger: {keyword: ["order status"]}
    steps:
      - {id: s, send: "status flow"}
  - flow: promo
    priority: 5
    trigger: {keyword: [sale]}
    steps:
      - {id: s, send: "promo flow"}
  - flow: sale_regex
    trigger: {regex: 'sale\\s+(?P<code>[A-Z0-9]+)'}
    steps:
      - {id: s, send: "code {{ code }}"}
"""


def test_two_flows_match_the_longer_keyword_wins() -> None:
    chat = Chat.of(TWO)
    assert chat.say("What's my ORDER status?") == ["status flow"]
    assert chat.say("new order please") == ["order flow"]


def test_two_flows_match_the_higher_priority_wins() -> None:
    chat = Chat.of(TWO)
    assert chat.say("sale XMAS24") == ["promo flow"]


def test_regex_named_groups_become_variables() -> None:
    chat = Chat.of(TWO.replace("priority: 5", "priority: -1"))
    assert chat.say("sale XMAS24") == ["code XMAS24"]


def test_keywords_are_whole_words_and_diacritic_insensitive() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: ["đặt lịch"]}
steps:
  - {id: s, send: "booking"}
""")
    assert chat.say("Mình muốn DAT LICH nhé") == ["booking"]
    assert chat.say("datlich") == []
    assert chat.state.needs_human


def test_trigger_if_guard() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [vip], if: 'customer.tags contains "vip"'}
steps:
  - {id: s, send: "hello vip"}
""")
    assert chat.say("vip") == []
    chat.state.customer.tags.append("vip")
    assert chat.say("vip") == ["hello vip"]


ASK_AND_WAIT = """
flows:
  - flow: booking
    trigger: {keyword: [book]}
    steps:
      - {id: q, ask: "Yes or no?", save: ok}
      - {id: done, send: "booked {{ ok }}"}
  - flow: reminder
    trigger: {keyword: [remind]}
    steps:
      - {id: w, wait: 2h}
      - {id: s, send: "ping"}
  - flow: help
    trigger: {keyword: [help]}
    steps:
      - {id: s, send: "help flow"}
"""


def test_a_waiting_ask_takes_the_message_before_triggers() -> None:
    program = compile_yaml(ASK_AND_WAIT)
    chat = Chat(Engine(program))
    chat.say("book")
    assert chat.say("help") == ["booked help"]


def test_an_unusable_answer_that_names_a_trigger_starts_that_flow() -> None:
    chat = Chat.of(ASK_AND_WAIT.replace(
        'ask: "Yes or no?"', 'ask: {text: "Yes or no?", buttons: ["Yes", "No"]}, expect: choice'))
    chat.say("book")
    assert chat.say("I need help") == ["help flow"]
    assert chat.state.finished[0].trace[-1].outcome == "superseded by help"


def test_a_message_while_a_flow_waits_does_not_wake_it() -> None:
    chat = Chat.of(ASK_AND_WAIT)
    chat.say("remind")
    assert chat.say("hello?") == []
    assert chat.state.run is not None and chat.state.run.waiting is not None
    assert any(isinstance(e, Publish) and e.name == "ConversationPending" for e in chat.effects)
    assert chat.advance(timedelta(hours=2)) == ["ping"]


def test_a_trigger_while_a_flow_waits_supersedes_it_and_cancels_its_timer() -> None:
    chat = Chat.of(ASK_AND_WAIT)
    chat.say("remind")
    assert chat.say("help") == ["help flow"]
    assert chat.advance(timedelta(hours=3)) == []


RULES = """
flows:
  - flow: refund
    rule: true
    trigger: {keyword: [refund]}
    steps:
      - {id: t, tag: refund}
  - flow: chat
    trigger: {keyword: [start]}
    steps:
      - {id: q, ask: "Tell me", save: said}
      - {id: s, send: "you said {{ said }}"}
"""


def test_rules_run_beside_a_waiting_ask_without_taking_it_over() -> None:
    chat = Chat.of(RULES)
    chat.say("start")
    assert chat.say("I want a refund") == ["you said I want a refund"]
    assert chat.state.customer.tags == ["refund"]


def test_handed_off_conversations_stay_quiet_until_handed_back() -> None:
    from wactl.runtime.events import HandbackToBot
    chat = Chat.of(RULES + """
  - flow: human
    trigger: {keyword: [human]}
    steps:
      - {id: h, handoff: "A person will reply."}
""")
    assert chat.say("human") == ["A person will reply."]
    assert chat.say("start") == []
    chat.feed(HandbackToBot(WA, chat.now))
    assert chat.say("start") == ["Tell me"]


def test_deploy_mid_run_keeps_the_old_version_for_runs_in_progress() -> None:
    v1 = """
flow: f
trigger: {keyword: [go]}
steps:
  - {id: q, ask: "Name?", save: name}
  - {id: s, send: "v1 hello {{ name }}"}
"""
    engine = Engine(compile_yaml(v1))
    chat = Chat(engine)
    chat.say("go")
    engine.deploy(compile_yaml(v1.replace("v1 hello", "v2 hi")))
    assert chat.say("Lan") == ["v1 hello Lan"]
    chat.say("go")
    assert chat.say("Mai") == ["v2 hi Mai"]


def test_schedule_tick_checks_the_audience_and_skips_busy_conversations() -> None:
    chat = Chat.of("""
flows:
  - flow: nudge
    trigger: {schedule: {cron: "0 9 * * *", audience: 'customer.tags contains "cart"'}}
    steps:
      - {id: t, template: {name: cart_reminder, params: []}}
  - flow: booking
    trigger: {keyword: [book]}
    steps:
      - {id: q, ask: "When?", save: when}
""")
    chat.feed(ScheduleTick(WA, T0, "nudge"))
    assert chat.state.finished == [] and chat.state.run is None
    chat.state.customer.tags.append("cart")
    chat.say("book")
    chat.feed(ScheduleTick(WA, T0, "nudge"))
    assert any(isinstance(e, Log) and e.code == "busy" for e in chat.effects)
    chat.say("tomorrow")
    out = chat.feed(ScheduleTick(WA, T0, "nudge"))
    assert any(type(e).__name__ == "SendTemplate" for e in out)


def test_customer_events_start_event_flows_with_declared_vars() -> None:
    chat = Chat.of("""
flow: shipped
trigger: {event: order.shipped}
vars: {order_id: null}
steps:
  - {id: s, send: "Order {{ order_id }} shipped"}
""")
    chat.say("hi")
    out = chat.feed(CustomerEvent(WA, chat.now, "order.shipped", {"order_id": 7, "x": 1}))
    assert [getattr(e, "text", None) for e in out if type(e).__name__ == "SendText"] == [
        "Order 7 shipped"]


def test_start_flow_event_and_unknown_flow_is_logged() -> None:
    chat = Chat.of(RULES)
    chat.feed(StartFlow(WA, T0, "nope"))
    assert any(isinstance(e, Log) and e.code == "unknown_flow" for e in chat.effects)


STARTED = """
flows:
  - flow: welcome
    trigger: {event: conversation.started}
    steps:
      - {id: s, send: "Welcome!"}
  - flow: order
    trigger: {keyword: [order]}
    steps:
      - {id: s, send: "order flow"}
  - flow: stop
    rule: true
    trigger: {keyword: [stop]}
    steps:
      - {id: c, consent: opted_out}
      - {id: s, send: "Unsubscribed."}
"""


def test_a_new_conversation_starts_the_conversation_started_flows() -> None:
    chat = Chat.of(STARTED)
    assert chat.say("Shop ơi") == ["Welcome!"]
    assert chat.say("hello again") == []  # same conversation: nothing starts it
    chat.advance(timedelta(hours=25))
    assert chat.say("back again") == ["Welcome!"]


def test_a_keyword_wins_over_conversation_started() -> None:
    chat = Chat.of(STARTED)
    assert chat.say("my order") == ["order flow"]


def test_a_message_only_a_rule_acted_on_is_not_a_new_conversation_nor_pending() -> None:
    chat = Chat.of(STARTED)
    assert chat.say("stop") == ["Unsubscribed."]
    assert not chat.state.needs_human


def test_a_reply_to_our_template_is_not_a_new_conversation() -> None:
    chat = Chat.of(STARTED + """
  - flow: cart
    vars: {}
    steps:
      - {id: t, template: {name: cart_reminder, params: []}}
      - {id: w, wait: 1d}
      - {id: s, template: {name: last_call, params: []}}
""")
    chat.feed(StartFlow(WA, T0, "cart"))
    chat.advance(timedelta(hours=3))
    assert chat.say("thanks!") == []
    assert chat.state.run is not None and chat.state.run.flow == "cart"


def test_a_rule_handing_off_ends_the_run_in_progress_and_its_timers() -> None:
    from wactl.runtime.effects import CancelTimer
    chat = Chat.of("""
flows:
  - flow: refund
    rule: true
    trigger: {keyword: [refund]}
    steps:
      - {id: h, handoff: "A person will help."}
  - flow: feedback
    trigger: {keyword: [feedback]}
    steps:
      - {id: q, ask: "Comments?", save: c, timeout: 2h, on_timeout: thanks}
      - {id: thanks, send: "Thanks!"}
""")
    chat.say("feedback")
    assert chat.say("I want a refund") == ["A person will help."]
    assert chat.state.run is None
    assert any(isinstance(e, CancelTimer) for e in chat.effects)
    assert chat.advance(timedelta(hours=3)) == []


def test_a_restarted_engine_given_the_old_versions_keeps_runs_on_them() -> None:
    from wactl.runtime.state import state_from_data, state_to_data
    v1 = compile_yaml("""
flow: f
trigger: {keyword: [go]}
steps:
  - {id: q, ask: "Name?", save: name}
  - {id: s, send: "v1 {{ name }}"}
""")
    v2 = compile_yaml("""
flow: f
trigger: {keyword: [go]}
steps:
  - {id: q, ask: "Name?", save: name}
  - {id: s, send: "v2 {{ name }}"}
""")
    chat = Chat(Engine(v1))
    chat.say("go")
    stored = state_from_data(state_to_data(chat.state))
    restarted = Chat(Engine(v2, versions=v1.flows), state=stored)
    assert restarted.say("Lan") == ["v1 Lan"]
    forgetful = Chat(Engine(v2), state=state_from_data(state_to_data(chat.state)))
    assert forgetful.say("Lan") == ["v2 Lan"]
    assert any(isinstance(e, Log) and e.code == "version_missing" for e in forgetful.effects)
