"""Every step kind and edge, driven through Engine.handle."""

from __future__ import annotations

from datetime import timedelta

from engine_harness import T0, WA, Chat, compile_yaml

from wactl.runtime.effects import (
    CancelTimer,
    ConsentChanged,
    FieldsChanged,
    Handoff,
    HttpRequest,
    Log,
    Publish,
    SendInteractive,
    SendTemplate,
    TagsChanged,
)
from wactl.runtime.engine import Engine
from wactl.runtime.events import HttpResult, StartFlow

ORDER = """
flow: order_status
trigger: {keyword: [order]}
steps:
  - id: ask_number
    ask: "What's your order number?"
    expect: number
    save: order_id
    retries: 2
    retry_message: "Digits only."
    on_fail: human
  - id: lookup
    call: {method: GET, url: "https://shop.example/orders/{{ order_id }}", timeout: 5s}
    save: order
    on_error: sorry
  - id: route
    branch:
      - if: 'order.status == "shipped"'
        goto: shipped
      - else: pending
  - id: shipped
    send: {text: "On its way with {{ order.carrier }}.", buttons: ["Track it", "Person"]}
    next: end
  - id: pending
    send: "Being packed."
    next: end
  - id: sorry
    send: "Sorry, I can't look that up."
    next: human
  - id: human
    handoff: "A teammate will reply."
    team: support
"""
URL = "GET https://shop.example/orders/10423"


def test_ask_call_branch_send_happy_path_with_trace() -> None:
    chat = Chat.of(ORDER)
    chat.http[URL] = {"status": "shipped", "carrier": "GHN"}
    assert chat.say("order") == ["What's your order number?"]
    assert chat.say("10423") == ["On its way with GHN. ['Track it', 'Person']"]
    assert chat.state.run is None
    run = chat.state.finished[-1]
    assert run.frames[0].vars == {"order_id": 10423, "order": {"status": "shipped",
                                                              "carrier": "GHN"}}
    steps = [(e.step, e.outcome) for e in run.trace]
    assert ("ask_number", "answered") in steps and ("route", "arm 1") in steps
    answered = next(e for e in run.trace if e.outcome == "answered")
    assert answered.changed == ("order_id",)


def test_else_arm_when_no_condition_holds() -> None:
    chat = Chat.of(ORDER)
    chat.http[URL] = {"status": "packing"}
    chat.say("order")
    assert chat.say("10423") == ["Being packed."]


def test_invalid_answers_until_retries_run_out_take_on_fail() -> None:
    chat = Chat.of(ORDER)
    chat.say("order")
    assert chat.say("abc") == ["Digits only."]
    assert chat.say("DH1") == ["Digits only."]
    out = chat.say("still no")
    assert out == ["A teammate will reply."]
    assert chat.state.handed_off and chat.state.team == "support"
    assert any(isinstance(e, Handoff) and e.team == "support" for e in chat.effects)


def test_running_out_of_retries_without_on_fail_ends_the_run() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
steps:
  - id: q
    ask: "Number?"
    expect: number
    retries: 0
  - id: after
    send: "never"
""")
    chat.say("go")
    assert chat.say("x") == []
    assert chat.state.run is None
    assert chat.state.finished[-1].trace[-1].outcome == "completed"


def test_call_timeout_and_html_answer_take_the_error_branch() -> None:
    chat = Chat.of(ORDER)
    chat.http[URL] = HttpResult(WA, T0, "", error="timeout")
    chat.say("order")
    assert chat.say("10423") == ["Sorry, I can't look that up.", "A teammate will reply."]
    chat2 = Chat.of(ORDER)
    chat2.http[URL] = HttpResult(WA, T0, "", 200, "<html>oops</html>", "text/html")
    chat2.say("order")
    assert chat2.say("10423")[0] == "Sorry, I can't look that up."
    assert any(isinstance(e, Log) and "HTML" in e.message for e in chat2.effects)


def test_call_request_is_rendered_with_headers_and_body() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {n: 2}
steps:
  - id: c
    call:
      method: POST
      url: "https://x.example/b"
      headers: {X-Id: "{{ customer.wa_id }}"}
      body: {people: "{{ n }}", nested: ["{{ n + 1 }}", 5]}
      timeout: 3s
      retries: 2
""")
    chat.say("go")
    req = next(e for e in chat.effects if isinstance(e, HttpRequest))
    assert (req.method, req.url) == ("POST", "https://x.example/b")
    assert (req.timeout, req.retries) == (3.0, 2)
    assert req.headers == {"X-Id": WA}
    assert req.body == {"people": "2", "nested": ["3", 5]}


WAIT = """
flow: reminder
trigger: {keyword: [remind]}
steps:
  - id: first
    send: "Reminder set."
  - id: pause
    wait: 1d
  - id: again
    send: "A day later."
"""


def test_wait_across_a_simulated_day_is_a_durable_timer() -> None:
    chat = Chat.of(WAIT)
    assert chat.say("remind") == ["Reminder set."]
    assert chat.advance(timedelta(hours=23)) == []
    # a day later the 24h window is closed: a plain send cannot go out
    assert chat.advance(timedelta(hours=1)) == []
    assert any(isinstance(e, Log) and e.code == "window_closed" for e in chat.effects)


def test_wait_then_send_inside_the_window_after_a_reply() -> None:
    chat = Chat.of(WAIT)
    chat.say("remind")
    chat.advance(timedelta(hours=12))
    assert chat.say("thanks") == []  # no trigger, the run keeps waiting
    assert chat.state.run is not None and chat.state.needs_human
    assert chat.advance(timedelta(hours=12)) == ["A day later."]


def test_state_survives_a_restart_mid_wait() -> None:
    from wactl.runtime.state import state_from_data, state_to_data
    program = compile_yaml(WAIT)
    chat = Chat(Engine(program))
    chat.say("remind")
    stored = state_to_data(chat.state)
    revived = Chat(Engine(program), state=state_from_data(stored), timers=dict(chat.timers),
                   now=chat.now)
    revived.advance(timedelta(hours=1))
    revived.say("ok")
    assert revived.advance(timedelta(hours=23)) == ["A day later."]


def test_set_tag_untag_field_consent_emit_effects_and_update_the_customer() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
steps:
  - id: s
    set: {a: 2, b: a * 10}
  - id: t
    tag: [vip, new]
  - id: u
    untag: new
  - id: fld
    field: {score: "{{ b }}"}
  - id: c
    consent: opted_in
  - id: done
    send: "{{ b }} {{ customer.tags }} {{ customer.fields.score }} {{ customer.consent }}"
""")
    assert chat.say("go") == ["20 vip 20 opted_in"]
    kinds = [type(e) for e in chat.effects]
    assert TagsChanged in kinds and FieldsChanged in kinds and ConsentChanged in kinds
    assert chat.state.customer.tags == ["vip"]
    assert any(isinstance(e, Publish) and e.name == "CustomerOptInChanged" for e in chat.effects)


def test_when_guard_skips_and_goto_jumps() -> None:
    chat = Chat.of("""
flow: f
trigger: {keyword: [go]}
vars: {known: "x"}
steps:
  - id: ask_it
    ask: "Name?"
    when: 'known == null'
    save: known
  - id: jump
    goto: last
  - id: skipped
    send: "never"
  - id: last
    send: "Hi {{ known }}"
""")
    assert chat.say("go") == ["Hi x"]
    outcomes = [e.outcome for e in chat.state.finished[-1].trace]
    assert "skipped" in outcomes


def test_sub_flow_runs_with_its_own_vars_and_returns_into_save() -> None:
    chat = Chat.of("""
flow: main
trigger: {keyword: [go]}
vars: {x: 1}
steps:
  - id: sub
    run: child
    with: {n: x + 1}
    save: result
  - id: after
    send: "child said {{ result.answer }}, x={{ x }}"
""", """
flow: child
vars: {n: 0, answer: null}
steps:
  - id: ask_it
    ask: "Pick a number above {{ n }}"
    expect: number
    save: answer
""")
    assert chat.say("go") == ["Pick a number above 2"]
    assert chat.say("7") == ["child said 7, x=1"]


def test_link_hands_the_conversation_to_another_flow_for_good() -> None:
    chat = Chat.of("""
flow: a
trigger: {keyword: [go]}
steps:
  - id: l
    link: b
""", """
flow: b
steps:
  - id: s
    send: "in b"
""")
    assert chat.say("go") == ["in b"]
    assert [r.flow for r in chat.state.finished] == ["a", "b"]


def test_ask_timeout_takes_on_timeout_and_an_answer_cancels_the_timer() -> None:
    text = """
flow: f
trigger: {keyword: [go]}
steps:
  - id: q
    ask: "Still there?"
    timeout: 1h
    on_timeout: gone
  - id: ok
    send: "Great"
    next: end
  - id: gone
    send: "Bye for now"
"""
    chat = Chat.of(text)
    chat.say("go")
    assert chat.advance(timedelta(minutes=61)) == ["Bye for now"]
    chat2 = Chat.of(text)
    chat2.say("go")
    assert chat2.say("yes") == ["Great"]
    assert any(isinstance(e, CancelTimer) for e in chat2.effects)


def test_choice_by_button_tap_typed_title_or_number() -> None:
    text = """
flow: f
trigger: {keyword: [go]}
steps:
  - id: q
    ask: {text: "Size?", buttons: ["Small", "Lớn"]}
    expect: choice
    save: size
  - id: s
    send: "{{ size }}"
"""
    for answer, kw in (("", {"button_id": "q.2"}), ("lon", {}), ("2", {})):
        chat = Chat.of(text)
        out = chat.say("go")
        assert out == ["Size? ['Small', 'Lớn']"]
        assert chat.say(answer, **kw) == ["Lớn"], (answer, kw)


def test_template_step_and_send_with_fallback_template_outside_the_window() -> None:
    chat = Chat.of("""
flow: f
vars: {code: X1}
steps:
  - id: t
    template: {name: promo, params: ["{{ code }}"]}
  - id: s
    send: "Code {{ code }}"
    fallback_template: {name: promo, params: ["{{ code }}"]}
""", )
    chat.feed(StartFlow(WA, T0, "f"))
    sent = [e for e in chat.effects if isinstance(e, SendTemplate)]
    assert [(e.name, e.params) for e in sent] == [("promo", ("X1",)), ("promo", ("X1",))]


def test_per_language_texts_follow_the_customer_language() -> None:
    program = compile_yaml("""
flow: f
trigger: {keyword: [go]}
steps:
  - id: s
    send: {text: {vi: "Xin chào", en: "Hello"}, buttons: [{vi: "Có", en: "Yes"}]}
""", project="language: vi\nlanguages: [en]\n")
    chat = Chat(Engine(program))
    chat.state.customer.language = "en"
    out = chat.say("go")
    assert out == ["Hello ['Yes']"]
    chat2 = Chat(Engine(program))
    assert chat2.say("go") == ["Xin chào ['Có']"]
    assert isinstance(chat2.effects[-2], SendInteractive) or any(
        isinstance(e, SendInteractive) for e in chat2.effects)
