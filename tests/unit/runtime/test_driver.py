"""The driver: the real engine in the in-memory sandbox, events in, effects carried out."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from engine_harness import T0, WA, compile_yaml

from wactl.cli.sources import read_sources
from wactl.compiler.project import compile_project
from wactl.runtime import sandbox as sandbox_module
from wactl.runtime.driver import Outside
from wactl.runtime.effects import (
    Effect,
    Handoff,
    HttpRequest,
    Log,
    Publish,
    SendEffect,
    SendTemplate,
    SendText,
)
from wactl.runtime.engine import Engine, Outcome
from wactl.runtime.events import Event, HttpResult, Inbound
from wactl.runtime.memory import InMemoryChannel, ManualClock
from wactl.runtime.ports import HttpClient, http_result
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import ConversationState, Customer

ORDER = """
flow: order_status
trigger: {keyword: [order]}
steps:
  - id: ask_number
    ask: "What's your order number?"
    expect: number
    save: order_id
  - id: lookup
    call: {method: GET, url: "https://shop.example/orders/{{ order_id }}", timeout: 5s}
    save: order
    on_error: sorry
  - id: shipped
    send: "On its way with {{ order.carrier }}."
    next: end
  - id: sorry
    send: "Sorry, I can't look that up."
    next: end
"""
VIP = """
flow: vip
trigger: {keyword: [hello]}
steps:
  - id: check
    branch:
      - if: 'customer.tags contains "vip"'
        goto: vip_hello
      - else: plain
  - id: vip_hello
    send: "Welcome back, VIP!"
    next: end
  - id: plain
    send: "Hello!"
  - id: mark
    tag: greeted
  - id: remember
    field: {city: "Hue"}
"""
NAP = """
flow: nap
trigger: {keyword: [nap]}
steps:
  - id: say
    send: "Sleeping an hour."
  - id: sleep
    wait: 1h
  - id: wake
    send: "Awake."
"""
FLOWS = Path(__file__).resolve().parents[3] / "flows"


@dataclass
class FakeHttp:
    """Answers with a JSON body per URL; records what it was asked."""

    answers: dict[str, object] = field(default_factory=dict)
    requests: list[HttpRequest] = field(default_factory=list)

    async def request(self, request: HttpRequest) -> HttpResult:
        self.requests.append(request)
        if request.url not in self.answers:
            return http_result(request, error="connection")
        return http_result(request, status=200, body=json.dumps(self.answers[request.url]),
                           content_type="application/json")


def _setup(*flows: str, http: HttpClient | None = None) -> tuple[Sandbox, ManualClock]:
    clock = ManualClock(T0)
    return Sandbox(Engine(compile_yaml(*flows)), clock=clock, http=http), clock


def _sent(sb: Sandbox, wa_id: str = WA) -> list[str]:
    return [_text(m) for m in sb.channel.sent(wa_id)]


def _text(message: SendEffect) -> str:
    return message.text if isinstance(message, SendText) else type(message).__name__


def _say(text: str, at: datetime = T0, wa_id: str = WA, n: int = 0) -> Inbound:
    return Inbound(wa_id, at, "text", id=f"wamid.in{n}", text=text)


async def test_a_message_runs_the_flow_and_sends_through_the_channel() -> None:
    sb, _ = _setup(ORDER, http=FakeHttp({
        "https://shop.example/orders/10423": {"carrier": "GHN"}}))
    first = await sb.handle(_say("order"))
    assert [e for e in first if isinstance(e, SendText)] == [
        SendText(WA, "What's your order number?")]
    await sb.handle(_say("10423", n=1))
    assert _sent(sb) == ["What's your order number?", "On its way with GHN."]


async def test_http_answers_come_back_as_events_with_the_conversation_and_time() -> None:
    http = FakeHttp({"https://shop.example/orders/7": {"carrier": "VNPost"}})
    sb, clock = _setup(ORDER, http=http)
    await sb.handle(_say("order"))
    clock.set(T0 + timedelta(minutes=5))
    effects = await sb.handle(_say("7", T0 + timedelta(minutes=5), n=1))
    [request] = [e for e in effects if isinstance(e, HttpRequest)]
    assert http.requests == [request]
    assert effects.index(request) < effects.index(SendText(WA, "On its way with VNPost."))
    [run] = await sb.shop.runs.finished(WA)
    lookup = next(t for t in await sb.shop.runs.steps(WA, run.id) if t.step == "lookup")
    assert lookup.at == T0 + timedelta(minutes=5)


async def test_no_http_port_takes_the_error_branch() -> None:
    sb, _ = _setup(ORDER)
    await sb.handle(_say("order"))
    await sb.handle(_say("10423", n=1))
    assert _sent(sb)[-1] == "Sorry, I can't look that up."


async def test_the_message_log_holds_both_directions_in_order_with_both_ids() -> None:
    sb, _ = _setup(ORDER)
    await sb.handle(_say("order"))
    await sb.handle(_say("10423", n=1))
    log = await sb.shop.conversations.messages(WA)
    assert [(m.direction, m.text) for m in log] == [
        ("in", "order"), ("out", "What's your order number?"),
        ("in", "10423"), ("out", "Sorry, I can't look that up.")]
    assert log[0].message_id == "wamid.in0"
    assert log[1].message_id.startswith("out-") and log[1].wa_message_id == "wamid.1"
    assert log[1].status == "sent"


async def test_state_runs_and_run_steps_are_saved_between_events() -> None:
    sb, _ = _setup(ORDER)
    await sb.handle(_say("order"))
    state = await sb.shop.conversations.load(WA)
    assert state is not None and state.run is not None and state.run.top.step == "ask_number"
    assert state.run.trace == []  # the trace lives in the run-step log, not the state
    active = await sb.shop.runs.active(WA)
    assert active is not None and active.id == state.run.id
    await sb.handle(_say("10423", n=1))
    assert await sb.shop.runs.active(WA) is None
    [done] = await sb.shop.runs.finished(WA)
    steps = await sb.shop.runs.steps(WA, done.id)
    assert done.id == state.run.id and [t.step for t in steps][:2] == [
        "ask_number", "ask_number"]
    assert {t.version for t in steps} == {sb.engine.program.flows[0].hash}


async def test_the_customer_store_is_the_authoritative_copy() -> None:
    sb, _ = _setup(VIP)
    await sb.shop.customers.save(Customer(WA, "Lan", tags=["vip"]))
    await sb.handle(_say("hello"))
    assert _sent(sb) == ["Welcome back, VIP!"]
    await sb.shop.customers.save(Customer(WA, "Lan"))  # the management API untagged her
    await sb.handle(_say("hello", n=1))
    assert _sent(sb)[-1] == "Hello!"
    stored = await sb.shop.customers.get(WA)
    assert stored is not None
    assert (stored.name, stored.tags, stored.fields) == ("Lan", ["greeted"], {"city": "Hue"})


async def test_a_new_customer_is_stored() -> None:
    sb, _ = _setup(VIP)
    await sb.handle(Inbound(WA, T0, "text", text="hi", name="Minh"))
    assert await sb.shop.customers.list_ids() == [WA]


async def test_timers_fire_in_time_order_with_the_clock_at_their_time() -> None:
    sb, clock = _setup(NAP)
    await sb.handle(_say("nap"))
    await sb.handle(_say("nap", T0 + timedelta(minutes=20), wa_id="849002"))
    assert await sb.advance_to(T0 + timedelta(minutes=30)) == []
    effects = await sb.advance_to(T0 + timedelta(hours=3))
    woke = [(e.to, e.text) for e in effects if isinstance(e, SendText)]
    assert woke == [(WA, "Awake."), ("849002", "Awake.")]
    for wa_id, delay in [(WA, timedelta(hours=1)), ("849002", timedelta(hours=1, minutes=20))]:
        log = await sb.shop.conversations.messages(wa_id)
        assert (log[-1].text, log[-1].at) == ("Awake.", T0 + delay)
    assert clock.now() == T0 + timedelta(hours=3)
    assert sb.shop.timers.pending() == []


def _example_program() -> Engine:
    sources, _ = read_sources([str(FLOWS)])
    result = compile_project(sources)
    assert result.program is not None
    return Engine(result.program)


async def test_schedule_ticks_reach_every_customer_and_the_audience_decides() -> None:
    sb = Sandbox(_example_program(), clock=ManualClock(T0))
    await sb.shop.customers.save(Customer("849001", "Lan", tags=["cart"], consent="opted_in"))
    await sb.shop.customers.save(Customer("849002", "Minh", consent="opted_in"))
    first = await sb.advance_to(T0 + timedelta(days=1))  # 09:00 the next day
    assert [(e.to, e.name) for e in first if isinstance(e, SendTemplate)] == [
        ("849001", "cart_reminder")]
    lan = await sb.shop.customers.get("849001")
    assert lan is not None and lan.tags == ["cart", "cart_reminded"]
    second = await sb.advance_to(T0 + timedelta(days=2, hours=1))
    assert [(e.to, e.name) for e in second if isinstance(e, SendTemplate)] == [
        ("849001", "cart_last_call")]
    lan = await sb.shop.customers.get("849001")
    assert lan is not None and lan.tags == []
    assert await sb.advance_to(T0 + timedelta(days=5)) == []


async def test_a_schedule_time_already_passed_does_not_fire_again() -> None:
    sb = Sandbox(_example_program(), clock=ManualClock(T0 + timedelta(minutes=1)))
    await sb.shop.customers.save(Customer("849001", tags=["cart"], consent="opted_in"))
    assert await sb.advance_to(T0 + timedelta(hours=5)) == []


# --------------------------------------------------------------------------- stub engines


class ScriptedEngine:
    """Follows the engine's API; answers each event with what `script` returns."""

    def __init__(self, program: Engine, script: Callable[[Event], list[Effect]]) -> None:
        self.program = program.program
        self.script = script
        self.seen: list[Event] = []

    def handle(self, state: ConversationState, event: Event) -> Outcome:
        self.seen.append(event)
        return Outcome(state.clone(), self.script(event))


def _stub(script: Callable[[Event], list[Effect]], http: HttpClient | None = None,
          channel: InMemoryChannel | None = None) -> tuple[Sandbox, ScriptedEngine]:
    engine = ScriptedEngine(Engine(compile_yaml(ORDER)), script)
    return Sandbox(engine, clock=ManualClock(T0), http=http, channel=channel), engine


class SlowChannel(InMemoryChannel):
    """Lets other tasks run while sending, to expose interleaving."""

    async def send(self, message: SendEffect) -> str:
        await asyncio.sleep(0)
        return await super().send(message)


async def test_one_conversation_is_handled_at_a_time_and_sent_in_order() -> None:
    def script(event: Event) -> list[Effect]:
        assert isinstance(event, Inbound)
        return [SendText(event.wa_id, f"{event.text}-1"), SendText(event.wa_id, f"{event.text}-2")]

    sb, _ = _stub(script, channel=SlowChannel())
    await asyncio.gather(sb.handle(_say("a")), sb.handle(_say("b", n=1)),
                         sb.handle(_say("x", wa_id="849002")))
    assert _sent(sb) == ["a-1", "a-2", "b-1", "b-2"]
    assert _sent(sb, "849002") == ["x-1", "x-2"]


async def test_an_endless_request_loop_is_cut() -> None:
    ids = count()
    sb, engine = _stub(lambda event: [HttpRequest(f"q{next(ids)}", "GET", "https://x")])
    effects = await sb.handle(_say("go"))
    assert len(engine.seen) == sandbox_module.MAX_ROUNDS + 1
    assert isinstance(effects[-1], Log) and effects[-1].code == "driver_rounds"


class BrokenHttp:
    async def request(self, request: HttpRequest) -> HttpResult:
        raise RuntimeError("adapter bug")


class BrokenChannel(InMemoryChannel):
    async def send(self, message: SendEffect) -> str:
        raise ConnectionError("whatsapp down")


async def test_a_raising_adapter_becomes_an_error_answer_and_a_send_is_kept_for_later(
        caplog: pytest.LogCaptureFixture) -> None:
    def script(event: Event) -> list[Effect]:
        if isinstance(event, Inbound):
            return [SendText(WA, "hi"), HttpRequest("q1", "GET", "https://x")]
        return []

    sb, engine = _stub(script, http=BrokenHttp(), channel=BrokenChannel())
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        effects = await sb.handle(_say("go"))
    assert len(effects) == 2
    assert engine.seen[1:] == []  # the send waits for its retry: the request is behind it
    assert any(getattr(r, "code", None) == "send_retry" for r in caplog.records)
    [entry, request] = sb.store.pending_outbox()
    assert entry.message_id.startswith("out-") and request.message_id == "q1"
    sb.channel = InMemoryChannel()
    assert isinstance(sb.dispatcher.outside, Outside)
    sb.dispatcher.outside.channel = sb.channel
    await sb.advance_to(T0 + timedelta(minutes=1))
    answer = engine.seen[-1]
    assert isinstance(answer, HttpResult)
    assert (answer.wa_id, answer.request_id, answer.error) == (WA, "q1", "connection")
    assert _sent(sb) == ["hi"] and sb.store.pending_outbox() == []


async def test_logs_publishes_and_handoffs_are_carried_out(
        caplog: pytest.LogCaptureFixture) -> None:
    sb, _ = _stub(lambda event: [
        Log("warning", "call_failed", "call lookup: timeout", "order_status", "lookup"),
        Publish("ConversationPending", {"wa_id": WA}), Handoff(WA, "support", "asked")])
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        await sb.handle(_say("go"))
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert warning.getMessage() == "call lookup: timeout"
    extra = warning.__dict__
    assert (extra["code"], extra["flow"], extra["step"], extra["wa_id"], extra["shop"]) == (
        "call_failed", "order_status", "lookup", WA, "default")
    assert sb.events.named("ConversationPending") == [
        Publish("ConversationPending", {"wa_id": WA})]
    assert any(getattr(r, "code", None) == "handoff" for r in caplog.records)


class Crash(BaseException):
    """Stands for the process dying mid-event."""


class CrashingHttp:
    async def request(self, request: HttpRequest) -> HttpResult:
        raise Crash


async def test_a_request_whose_answer_never_came_is_issued_again_after_a_restart() -> None:
    sb, _ = _setup(ORDER, http=CrashingHttp())
    await sb.handle(_say("order"))
    with pytest.raises(Crash):
        await sb.handle(_say("10423", n=1))
    saved = await sb.shop.conversations.load(WA)
    assert saved is not None and saved.run is not None and saved.run.waiting is not None
    assert saved.run.waiting.kind == "call"
    sb.store.expire_leases()
    http = FakeHttp({"https://shop.example/orders/10423": {"carrier": "J&T"}})
    restarted = Sandbox(sb.engine, clock=sb.clock, http=http, store=sb.store,
                        channel=sb.channel)
    await restarted.drain()
    assert _sent(restarted)[-1] == "On its way with J&T."
    assert len(http.requests) == 1


async def test_each_send_is_one_log_line_with_shop_and_conversation_and_no_body(
        caplog: pytest.LogCaptureFixture) -> None:
    sb, _ = _setup(ORDER)
    with caplog.at_level(logging.INFO, logger="wactl.runtime"):
        await sb.handle(_say("order"))
    [line] = [r for r in caplog.records if getattr(r, "code", None) == "sent"]
    extra = line.__dict__
    assert (extra["shop"], extra["wa_id"], extra["wa_message_id"]) == ("default", WA, "wamid.1")
    assert "order number" not in line.getMessage()
