"""Running conversation tests on the real engine and driver: turns, expect, failures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from wactl.compiler import compile_project
from wactl.compiler.ir import Program
from wactl.dsl import ast, load_source
from wactl.runtime.convtest import TestResult, run_test, start_time

ORDERS = """\
flow: orders
trigger:
  keyword: [order]
steps:
  - id: ask_number
    ask: "What's your order number?"
    expect: number
    save: order_id
    retry_message: "Digits only, please."
  - id: lookup
    call:
      method: GET
      url: "https://shop.example/api/orders/{{ order_id }}"
      timeout: 5s
    save: order
    on_error: sorry
  - id: shipped
    ask:
      text: "Order {{ order_id }} is on its way with {{ order.carrier }}."
      buttons: ["Track it", "Talk to a person"]
    expect: choice
    save: next_action
  - id: route
    branch:
      - if: 'next_action == "Track it"'
        goto: track
      - else: human
  - id: track
    send: "Follow it here: {{ order.url }}"
    next: end
  - id: sorry
    send: "Sorry, I can't look that up right now."
  - id: human
    handoff: "A teammate will reply shortly."
"""

REMIND = """\
flow: remind
trigger:
  keyword: [remind]
steps:
  - id: first
    send: "See you tomorrow."
  - id: pause
    wait: 2h
  - id: tag_it
    tag: [reminded]
  - id: later
    send: "Still there?"
"""
URL = "https://shop.example/api/orders/10423"


@pytest.fixture(scope="module")
def program() -> Program:
    result = compile_project({"flows/orders.yaml": ORDERS, "flows/remind.yaml": REMIND})
    assert result.program is not None, result.diagnostics
    return result.program


def _test(text: str) -> ast.ConvTest:
    """A test read by the real loader (YAML `test:` key first, as in a test file)."""
    source, diags = load_source("tests/t.yaml", text.replace("\nname: ", "\ntest: ", 1))
    assert source is not None and not diags, diags
    [test] = source.tests
    return test


async def _run(program: Program, text: str) -> TestResult:
    return await run_test(program, _test(text), "tests/t.yaml")


SHIPPED = f"""
name: shipped
customer: {{wa_id: "849", name: Lan, tags: [vip]}}
mocks:
  http:
    - {{method: GET, url: "{URL}", json: {{carrier: GHN, url: "https://t/1"}}}}
turns:
  - user: order
  - bot: "What's your order number?"
  - user: "10423"
  - bot: {{text: "/on its way with GHN/", buttons: [Track it, Talk to a person]}}
  - user: {{button: Track it}}
  - bot: "Follow it here: https://t/1"
expect:
  vars: {{order_id: 10423, next_action: Track it}}
  tags: [vip]
  handoff: false
"""


async def test_a_passing_conversation(program: Program) -> None:
    result = await _run(program, SHIPPED)
    assert result.passed, result.failures
    assert (result.name, result.file) == ("shipped", "tests/t.yaml")
    assert [line.who for line in result.transcript] == ["user", "bot", "user", "bot", "user",
                                                        "bot"]
    assert result.transcript[3].text.endswith("[1] Track it\n[2] Talk to a person")
    assert result.transcript[4].text == "[Track it]"
    assert ("orders", "track") in result.reached.steps
    assert ("orders", "human") not in result.reached.steps


async def test_a_changed_reply_fails_at_its_turn_with_a_diff(program: Program) -> None:
    result = await _run(program, SHIPPED.replace("Follow it here:", "Track it here:"))
    [failure] = result.failures
    assert failure.where == "turn 6"
    assert "-Track it here: https://t/1" in failure.diff
    assert "+Follow it here: https://t/1" in failure.diff
    assert result.transcript[-1].who == "bot"


async def test_the_first_failing_turn_stops_the_test(program: Program) -> None:
    text = SHIPPED.replace('- bot: "What\'s your order number?"', '- bot: "Order number?"')
    result = await _run(program, text)
    assert [f.where for f in result.failures] == ["turn 2"]
    assert len(result.transcript) == 2


async def test_an_expected_message_never_sent(program: Program) -> None:
    text = SHIPPED + "  - bot: one more\n"
    text = text.replace("expect:\n  vars: {order_id: 10423, next_action: Track it}\n"
                        "  tags: [vip]\n  handoff: false\n  - bot: one more\n",
                        "  - bot: one more\n")
    result = await _run(program, text)
    [failure] = result.failures
    assert failure.message == "expected a bot message, but the bot sent nothing more"
    assert "-one more" in failure.diff


async def test_a_message_the_test_does_not_expect(program: Program) -> None:
    text = SHIPPED.replace('  - bot: "What\'s your order number?"\n', "")
    result = await _run(program, text)
    [failure] = result.failures
    assert failure.where == "turn 2"
    assert "the bot sent 1 message the test does not expect" in failure.message
    assert "+What's your order number?" in failure.diff


async def test_leftover_messages_at_the_end_fail(program: Program) -> None:
    text = SHIPPED.replace('  - bot: "Follow it here: https://t/1"\n', "")
    result = await _run(program, text)
    assert [f.where for f in result.failures] == ["after turn 5"]


async def test_expect_failures_are_all_reported(program: Program) -> None:
    text = SHIPPED.replace("  tags: [vip]\n", "  tags: [vip, extra]\n").replace(
        "handoff: false", "handoff: true")
    result = await _run(program, text)
    assert [f.where for f in result.failures] == ["expect.tags", "expect.handoff"]


async def test_unmocked_request_takes_the_error_branch_with_a_note(program: Program) -> None:
    result = await _run(program, """
name: no mock
turns:
  - user: order
  - bot: "What's your order number?"
  - user: "10423"
  - bot: "Sorry, I can't look that up right now."
  - bot: "A teammate will reply shortly."
expect: {handoff: true, vars: {order_id: 10423}}
""")
    assert result.passed, result.failures
    assert f"unmocked request: GET {URL}" in result.notes


async def test_flow_starts_at_once_and_the_window_is_open(program: Program) -> None:
    result = await _run(program, """
name: direct
flow: orders
turns:
  - bot: "What's your order number?"
  - user: abc
  - bot: "Digits only, please."
""")
    assert result.passed, result.failures


async def test_clock_turns_fire_waits(program: Program) -> None:
    text = """
name: wait two hours
turns:
  - user: remind
  - bot: See you tomorrow.
  - clock: +1h
  - clock: +1h
  - bot: Still there?
expect: {tags: [reminded]}
"""
    result = await _run(program, text)
    assert result.passed, result.failures
    assert [line.text for line in result.transcript if line.who == "clock"] == ["+1h", "+1h"]
    early = await _run(program, text.replace("+1h\n  - bot", "+30m\n  - bot"))
    assert early.failures[0].message.startswith("expected a bot message")


async def test_a_customer_turn_of_every_kind_is_accepted(program: Program) -> None:
    result = await _run(program, """
name: kinds
turns:
  - user: {image: "https://x/p.jpg"}
  - user: {location: {latitude: 10.7, longitude: 106.6}}
  - user: {document: "https://x/f.pdf"}
  - user: {list: row_1}
""")
    assert [line.text for line in result.transcript] == [
        "image https://x/p.jpg", "location 10.7, 106.6", "document https://x/f.pdf"]
    [failure] = result.failures  # no list was offered, so the row cannot be picked
    assert (failure.where, failure.diff) == (
        "turn 4", "the last bot message offered nothing to tap")


def test_tests_start_on_a_monday_morning_in_the_project_time_zone(program: Program) -> None:
    local = start_time(program).astimezone(ZoneInfo(program.project.timezone))
    assert local.replace(tzinfo=None) == datetime(2026, 1, 5, 9, 0)
    assert local.weekday() == 0


ECHO_FLOW = """\
flow: echo
steps:
  - id: say
    send: "You wrote: {{ message.text }}"
"""


async def test_with_flow_a_first_user_turn_is_the_message_the_flow_starts_on() -> None:
    result = compile_project({"flows/echo.yaml": ECHO_FLOW})
    assert result.program is not None
    started = await _run(result.program, """
name: starts on the message
flow: echo
turns:
  - user: "hello there"
  - bot: "You wrote: hello there"
""")
    assert started.passed, started.failures
    before = await _run(result.program, """
name: a first bot turn starts the flow before anyone writes
flow: echo
turns:
  - bot: "You wrote: "
""")
    assert before.passed, before.failures


async def test_a_tap_on_a_button_never_offered_fails_at_that_turn(program: Program) -> None:
    result = await _run(program, f"""
name: taps what was not offered
customer: {{wa_id: "849"}}
mocks:
  http:
    - {{method: GET, url: "{URL}", json: {{carrier: GHN, url: "https://t/1"}}}}
turns:
  - user: order
  - bot: "What's your order number?"
  - user: "10423"
  - bot: {{text: "/on its way/", buttons: [Track it, Talk to a person]}}
  - user: {{button: Cancel it}}
""")
    [failure] = result.failures
    assert failure.where == "turn 5"
    assert "[Cancel it], which the bot did not offer" in failure.message
    assert failure.diff == "the last bot message offered buttons: [Track it], [Talk to a person]"
