"""One event, one unit of work: duplicates, bad input, statuses, the tier, time for workers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from engine_harness import T0, WA, compile_yaml

from wactl.runtime.driver import Clockwork, Conductor
from wactl.runtime.effects import Effect, SendEffect, SendTemplate, SendText
from wactl.runtime.engine import Engine, Outcome
from wactl.runtime.events import (
    Event,
    HttpResult,
    Inbound,
    StartFlow,
    StatusUpdate,
    TimerFired,
)
from wactl.runtime.memory import (
    InMemoryChannel,
    ManualClock,
    MemoryStore,
    UnavailableHttpClient,
)
from wactl.runtime.ports import ChannelError
from wactl.runtime.records import DEFAULT_SHOP
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import ConversationState, Customer
from wactl.runtime.tiers import tier_cap

ECHO = """
flow: echo
trigger: {keyword: [hi]}
steps:
  - id: a
    send: "Hello!"
  - id: b
    ask: "Your name?"
    save: name
  - id: c
    send: "Nice to meet you, {{ name }}."
"""
NAP = """
flow: nap
trigger: {keyword: [nap]}
steps:
  - id: sleep
    wait: 1h
  - id: wake
    send: "Awake."
"""
PROMO = """
flow: promo
steps:
  - id: s
    send: "Our sale starts today"
    fallback_template: {name: sale_start, params: ["today"]}
"""
DAILY = """
flow: daily
trigger: {schedule: {cron: "0 9 * * *"}}
steps:
  - id: t
    template: {name: daily_deal}
"""


def _sandbox(*flows: str, tier: int | None = None,
             channel: InMemoryChannel | None = None) -> Sandbox:
    return Sandbox(Engine(compile_yaml(*flows)), clock=ManualClock(T0), tier=tier,
                   channel=channel, http=UnavailableHttpClient())


def _say(text: str, n: int, wa_id: str = WA) -> Inbound:
    return Inbound(wa_id, T0, "text", id=f"wamid.in{n}", text=text)


def _texts(sb: Sandbox, wa_id: str = WA) -> list[str]:
    return [m.text if isinstance(m, SendText) else f"[{type(m).__name__}]"
            for m in sb.channel.sent(wa_id)]


def _codes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [getattr(r, "code", "") for r in caplog.records]


# --------------------------------------------------------------------------- duplicates


async def test_a_webhook_delivered_twice_is_handled_once() -> None:
    sb = _sandbox(ECHO)
    await sb.handle(_say("hi", 1))
    before = await sb.shop.conversations.load(WA)
    assert await sb.handle(_say("hi", 1)) == []
    assert _texts(sb) == ["Hello!", "Your name?"]
    assert await sb.shop.conversations.load(WA) == before
    assert [m.text for m in await sb.shop.conversations.messages(WA)] == [
        "hi", "Hello!", "Your name?"]
    await sb.handle(_say("Lan", 2))
    await sb.handle(_say("Lan", 2))
    assert _texts(sb)[-1] == "Nice to meet you, Lan." and len(_texts(sb)) == 3


async def test_a_duplicate_answer_is_ignored() -> None:
    sb = _sandbox("""
flow: f
trigger: {keyword: [go]}
steps:
  - id: c
    call: {method: GET, url: "https://shop.example/x"}
    save: x
    on_error: oops
  - id: ok
    send: "ok"
    next: end
  - id: oops
    send: "oops"
""")
    await sb.handle(_say("go", 1))
    assert _texts(sb) == ["oops"]
    state = await sb.shop.conversations.load(WA)
    assert isinstance(sb.http, UnavailableHttpClient)
    [request] = sb.http.requests
    again = HttpResult(WA, T0, request.request_id, 200, "{}", "application/json")
    handled = await sb.conductor.handle(DEFAULT_SHOP, again)
    assert handled.verdict == "duplicate" and _texts(sb) == ["oops"]
    assert await sb.shop.conversations.load(WA) == state


# --------------------------------------------------------------------------- bad input


async def test_an_event_for_a_shop_that_is_not_loaded_changes_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    sb = _sandbox(ECHO)
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        handled = await sb.conductor.handle("shop-nobody-loaded", _say("hi", 1))
        status = await sb.conductor.status("shop-nobody-loaded",
                                           StatusUpdate(WA, T0, "wamid.1", "read"))
    assert handled.verdict == "unknown_shop" and status.message is None
    assert _codes(caplog).count("unknown_shop") == 2
    assert await sb.store.shop("shop-nobody-loaded").conversations.load(WA) is None
    assert sb.store.pending_outbox() == []


async def test_an_answer_nobody_asked_for_changes_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    sb = _sandbox(ECHO)
    await sb.handle(_say("hi", 1))
    before = await sb.shop.conversations.load(WA)
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        handled = await sb.conductor.handle(DEFAULT_SHOP, HttpResult(WA, T0, "r999", 200))
    assert handled.verdict == "unknown_request"
    assert "unknown_request" in _codes(caplog)
    assert await sb.shop.conversations.load(WA) == before


async def test_a_timer_that_was_cancelled_or_moved_does_not_fire() -> None:
    sb = _sandbox(NAP)
    await sb.handle(_say("nap", 1))
    [timer] = sb.shop.timers.pending()
    moved = await sb.conductor.handle(DEFAULT_SHOP, TimerFired(WA, timer.at - timedelta(
        minutes=5), timer.timer_id))
    unknown = await sb.conductor.handle(DEFAULT_SHOP, TimerFired(WA, timer.at, "t-nobody"))
    assert (moved.verdict, unknown.verdict) == ("stale_timer", "stale_timer")
    assert sb.shop.timers.pending() == [timer] and _texts(sb) == []
    await sb.advance_to(T0 + timedelta(hours=2))
    assert _texts(sb) == ["Awake."]
    again = await sb.conductor.handle(DEFAULT_SHOP, TimerFired(WA, timer.at, timer.timer_id))
    assert again.verdict == "duplicate" and _texts(sb) == ["Awake."]


class BadEngine:
    """Returns a state no store can keep: the unit must fail whole."""

    def __init__(self, program: Engine) -> None:
        self.program = program.program

    def handle(self, state: ConversationState, event: Event) -> Outcome:
        new = state.clone()
        new.customer.fields["bad"] = {1, 2}  # not JSON
        return Outcome(new, [SendText(WA, "never")])


async def test_a_failure_inside_the_unit_commits_nothing() -> None:
    sb = Sandbox(BadEngine(Engine(compile_yaml(ECHO))), clock=ManualClock(T0))
    with pytest.raises(TypeError):
        await sb.handle(_say("hi", 1))
    assert await sb.shop.conversations.messages(WA) == []
    assert await sb.shop.customers.get(WA) is None
    assert sb.store.pending_outbox() == [] and sb.channel.outbox == []


# --------------------------------------------------------------------------- statuses


async def test_statuses_move_the_message_forward_only(caplog: pytest.LogCaptureFixture) -> None:
    sb = _sandbox(ECHO)
    await sb.handle(_say("hi", 1))
    wamid = sb.channel.outbox[0][0]
    for status in ("delivered", "read", "delivered", "sent"):
        await sb.conductor.status(DEFAULT_SHOP, StatusUpdate(WA, T0, wamid, status))
    hello = (await sb.shop.conversations.messages(WA))[1]
    assert (hello.text, hello.status, hello.wa_message_id) == ("Hello!", "read", wamid)
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        change = await sb.conductor.status(DEFAULT_SHOP,
                                           StatusUpdate(WA, T0, "wamid.unknown", "read"))
    assert change.message is None and "unknown_message" in _codes(caplog)


async def test_a_message_failed_outside_the_window_gets_its_template_once() -> None:
    sb = _sandbox(PROMO)
    state = ConversationState.new(WA)
    state.last_inbound_at = T0 - timedelta(hours=23)  # the window is open when we send
    await sb.shop.conversations.save(state)
    await sb.handle(StartFlow(WA, T0, "promo"))
    assert _texts(sb) == ["Our sale starts today"]
    wamid = sb.channel.outbox[0][0]
    failed = StatusUpdate(WA, T0 + timedelta(hours=2), wamid, "failed", "131047")
    await sb.conductor.status(DEFAULT_SHOP, failed)
    await sb.drain()
    await sb.conductor.status(DEFAULT_SHOP, failed)  # repeated: nothing more
    await sb.drain()
    assert _texts(sb) == ["Our sale starts today", "[SendTemplate]"]
    template = sb.channel.outbox[1][1]
    assert isinstance(template, SendTemplate) and template.name == "sale_start"
    template_id = sb.channel.outbox[1][0]
    await sb.conductor.status(DEFAULT_SHOP, StatusUpdate(WA, T0, template_id, "failed",
                                                         "131047"))
    await sb.drain()
    assert len(sb.channel.outbox) == 2  # a template has no fallback of its own


async def test_a_send_refused_at_once_fails_the_message_and_uses_the_fallback() -> None:
    def refuse(message: SendEffect) -> ChannelError | None:
        return None if isinstance(message, SendTemplate) else ChannelError("131047")

    sb = _sandbox(PROMO, channel=InMemoryChannel(refuse))
    state = ConversationState.new(WA)
    state.last_inbound_at = T0 - timedelta(hours=1)
    await sb.shop.conversations.save(state)
    await sb.handle(StartFlow(WA, T0, "promo"))
    [(_, template)] = sb.channel.outbox
    assert isinstance(template, SendTemplate) and template.params == ("today",)
    first = (await sb.shop.conversations.messages(WA))[0]
    assert (first.status, first.error) == ("failed", "131047")


async def test_a_retryable_refusal_is_tried_again_with_backoff() -> None:
    refusals = [ChannelError("130429", retryable=True), ChannelError("131000", retryable=True)]

    def refuse(message: SendEffect) -> ChannelError | None:
        return refusals.pop(0) if refusals else None

    sb = _sandbox(ECHO, channel=InMemoryChannel(refuse))
    await sb.handle(_say("hi", 1))
    assert _texts(sb) == []
    await sb.advance_to(T0 + timedelta(minutes=1))
    assert _texts(sb) == ["Hello!", "Your name?"]  # in order, once each


# --------------------------------------------------------------------------- tier


async def test_the_messaging_tier_leaves_customers_out_and_counts_them(
        caplog: pytest.LogCaptureFixture) -> None:
    sb = _sandbox(DAILY, tier=2)
    for n in range(5):
        await sb.shop.customers.save(Customer(f"8490000000{n}", consent="opted_in"))
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        await sb.advance_to(T0 + timedelta(days=1))
    reached = {m.to for _, m in sb.channel.outbox}
    assert len(reached) == 2
    assert await sb.shop.left_out_count("daily") == 3
    assert _codes(caplog).count("tier_cap") == 3
    await sb.advance_to(T0 + timedelta(days=1, hours=1))  # same 24 h: the same two only
    await sb.advance_to(T0 + timedelta(days=2, hours=1))  # the next day: two again
    assert {m.to for _, m in sb.channel.outbox[2:]} == reached


def test_tier_names() -> None:
    assert [tier_cap(n) for n in ("250", "1K", "2k", "10k", "100k")] == [
        250, 1000, 2000, 10_000, 100_000]
    with pytest.raises(ValueError, match="unknown messaging tier"):
        tier_cap("5k")


# --------------------------------------------------------------------------- time


async def test_two_workers_never_fire_one_timer() -> None:
    sb = _sandbox(NAP)
    for n in range(6):
        await sb.handle(_say("nap", n, wa_id=f"8490000000{n}"))
    clock = sb.clock
    clock.set(T0 + timedelta(hours=2))
    workers = [Clockwork(sb.store, sb.conductor, clock, owner=f"w{n}") for n in range(3)]
    await asyncio.gather(*(w.fire_timers(clock.now(), limit=2) for w in workers))
    await sb.drain()
    assert sorted(m.to for _, m in sb.channel.outbox) == [f"8490000000{n}" for n in range(6)]
    assert sb.shop.timers.pending() == []


async def test_the_schedule_cursor_survives_a_restart_and_ticks_once() -> None:
    sb = _sandbox(DAILY)
    await sb.shop.customers.save(Customer(WA, consent="opted_in"))
    await sb.advance_to(T0 + timedelta(days=1))
    assert len(sb.channel.outbox) == 1
    restarted = Sandbox(sb.engine, clock=sb.clock, store=sb.store, channel=sb.channel,
                        start=T0)
    await restarted.advance_to(T0 + timedelta(days=1, hours=1))
    second = Clockwork(sb.store, sb.conductor, sb.clock, owner="replica-2", start=T0)
    await second.tick(DEFAULT_SHOP, T0 + timedelta(days=1, hours=1))
    await sb.drain()
    assert len(sb.channel.outbox) == 1
    assert await sb.shop.cursor("daily") is not None


async def test_a_recent_missed_time_fires_and_an_old_one_is_skipped(
        caplog: pytest.LogCaptureFixture) -> None:
    sb = _sandbox(DAILY)
    await sb.shop.customers.save(Customer(WA, consent="opted_in"))
    down_until = T0 + timedelta(days=3, minutes=30)  # 09:30 three days later
    sb.clock.set(down_until)
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        await sb.clockwork.tick(DEFAULT_SHOP, down_until)
    await sb.drain()
    assert len(sb.channel.outbox) == 1  # today's 09:00, 30 minutes late
    assert _codes(caplog).count("schedule_missed") == 2  # the two days before


async def test_a_scripted_engine_sees_each_event_once(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Event] = []

    class Counting:
        program = compile_yaml(ECHO)

        def handle(self, state: ConversationState, event: Event) -> Outcome:
            seen.append(event)
            effects: list[Effect] = [SendText(event.wa_id, "x")]
            return Outcome(state.clone(), effects)

    conductor = Conductor(MemoryStore(), {"s": Counting()})
    for _ in range(3):
        await conductor.handle("s", _say("hi", 1))
    assert len(seen) == 1
