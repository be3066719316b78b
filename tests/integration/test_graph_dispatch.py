"""A flow's replies through the outbox dispatcher, the real Graph client and the fake
Graph API: what `wactl serve` will do, over the in-memory stores.

The sandbox's dispatcher is rebuilt with the `GraphClient` as its channel (the sandbox
takes only an `InMemoryChannel`, whose outbox its own helpers read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fakes.graph_server import FakeGraph

from wactl.compiler.project import compile_project
from wactl.runtime.driver import Dispatcher, Outside
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound, StartFlow
from wactl.runtime.memory import ManualClock
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import ConversationState
from wactl.service.whatsapp import GraphClient

TOKEN = "EAAG-dispatch-token"
WA = "84900000001"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
HELLO = """
flow: hello
trigger: {keyword: [hi]}
steps:
  - id: greet
    send: "Hello!"
  - id: menu
    send:
      text: "What would you like?"
      buttons: ["My order", "Talk to us"]
"""
PROMO = """
flow: promo
steps:
  - id: s
    send: "Our sale starts today"
    fallback_template: {name: sale_start, language: vi, params: ["today"]}
"""


async def _no_wait(seconds: float) -> None:
    """The client's retry waits, skipped: the test is about what is sent."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    async with FakeGraph(access_token=TOKEN) as server:
        yield server


@pytest.fixture
async def sandbox(fake: FakeGraph) -> AsyncIterator[Sandbox]:
    result = compile_project({"flows/hello.yaml": HELLO, "flows/promo.yaml": PROMO})
    assert result.program is not None, [d.message for d in result.diagnostics]
    sb = Sandbox(Engine(result.program), clock=ManualClock(T0))
    async with GraphClient(fake.base_url, TOKEN, fake.phone_number_id,
                           sleep=_no_wait) as client:
        outside = Outside(client, sb.http, sb.ai, sb.events)
        sb.dispatcher = Dispatcher(sb.store, sb.conductor, outside, sb.clock)
        yield sb


async def test_a_flows_replies_arrive_at_the_graph_api_and_their_ids_are_kept(
        fake: FakeGraph, sandbox: Sandbox) -> None:
    fake.server_error().server_error()  # the first send needs its three attempts
    await sandbox.handle(Inbound(WA, T0, "text", id="wamid.in1", text="hi"))
    assert len(fake.posts()) == 4
    text, buttons = fake.delivered()
    assert text["text"]["body"] == "Hello!" and text["to"] == WA
    assert [b["reply"]["title"] for b in buttons["interactive"]["action"]["buttons"]] == [
        "My order", "Talk to us"]
    out = [m for m in await sandbox.shop.conversations.messages(WA) if m.direction == "out"]
    assert [m.status for m in out] == ["sent", "sent"]
    assert all(m.wa_message_id.startswith("wamid.HBgL") for m in out)
    assert len({m.wa_message_id for m in out}) == 2


async def test_an_outage_past_the_retries_is_sent_later_by_the_dispatcher(
        fake: FakeGraph, sandbox: Sandbox) -> None:
    for _ in range(4):
        fake.server_error()
    await sandbox.handle(Inbound(WA, T0, "text", id="wamid.in1", text="hi"))
    assert fake.delivered() == []
    await sandbox.advance_to(T0 + timedelta(minutes=1))
    assert [b["type"] for b in fake.delivered()] == ["text", "interactive"]  # in order, once


async def test_outside_the_window_the_fallback_template_is_sent(fake: FakeGraph,
                                                                sandbox: Sandbox) -> None:
    state = ConversationState.new(WA)
    state.last_inbound_at = T0 - timedelta(hours=1)
    await sandbox.shop.conversations.save(state)
    fake.outside_window()
    await sandbox.handle(StartFlow(WA, T0, "promo"))
    assert len(fake.posts()) == 2
    [template] = fake.delivered()
    assert template["template"] == {
        "name": "sale_start", "language": {"code": "vi"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "today"}]}]}
    first = (await sandbox.shop.conversations.messages(WA))[0]
    assert (first.text, first.status, first.error) == ("Our sale starts today", "failed",
                                                       "131047")


async def test_an_undeliverable_message_fails_without_a_retry(fake: FakeGraph,
                                                              sandbox: Sandbox) -> None:
    fake.undeliverable().undeliverable()
    await sandbox.handle(Inbound(WA, T0, "text", id="wamid.in1", text="hi"))
    await sandbox.advance_to(T0 + timedelta(hours=1))
    assert len(fake.posts()) == 2 and fake.delivered() == []
    out = [m for m in await sandbox.shop.conversations.messages(WA) if m.direction == "out"]
    assert [(m.status, m.error) for m in out] == [("failed", "131026"), ("failed", "131026")]
