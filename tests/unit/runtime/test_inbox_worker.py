"""Inbox workers: received events handled per conversation in order, duplicates once."""

from __future__ import annotations

import asyncio

import pytest
from engine_harness import T0, WA, compile_yaml

from wactl.runtime.driver import Faults, InjectedCrash
from wactl.runtime.engine import Engine
from wactl.runtime.events import Event, Inbound, StatusUpdate
from wactl.runtime.inbox import InboxWorker
from wactl.runtime.memory import ManualClock
from wactl.runtime.records import DEFAULT_SHOP
from wactl.runtime.sandbox import Sandbox

ECHO = """
flow: echo
trigger: {keyword: [hi]}
steps:
  - id: ask
    ask: "Your name?"
    save: name
  - id: greet
    send: "Hello {{ name }}!"
"""


def _say(text: str, n: int, wa_id: str = WA) -> Inbound:
    return Inbound(wa_id, T0, "text", id=f"wamid.{wa_id}.{n}", text=text)


async def test_workers_handle_each_conversation_in_arrival_order_and_duplicates_once() -> None:
    sb = Sandbox(Engine(compile_yaml(ECHO)), clock=ManualClock(T0))
    other = "84900000002"
    body: list[tuple[str, Event]] = [(DEFAULT_SHOP, e) for e in (
        _say("hi", 1), _say("hi", 1, other), _say("Lan", 2), _say("hi", 1),  # a redelivery
        _say("Minh", 2, other))]
    await sb.store.inbox.put(body, at=T0)
    workers = [InboxWorker(sb.store.inbox, sb.conductor, sb.clock, owner=f"w{n}")
               for n in range(3)]
    while await sb.store.inbox.pending():
        await asyncio.gather(*(w.run_once(limit=1) for w in workers))
        await sb.drain()
    texts = {wa: [getattr(m, "text", "") for m in sb.channel.sent(wa)] for wa in (WA, other)}
    assert texts == {WA: ["Your name?", "Hello Lan!"], other: ["Your name?", "Hello Minh!"]}


async def test_a_status_row_moves_the_message_without_a_unit() -> None:
    sb = Sandbox(Engine(compile_yaml(ECHO)), clock=ManualClock(T0))
    await sb.handle(_say("hi", 1))
    wamid = sb.channel.outbox[0][0]
    await sb.store.inbox.put([(DEFAULT_SHOP, StatusUpdate(WA, T0, wamid, "read")),
                              (DEFAULT_SHOP, StatusUpdate(WA, T0, wamid, "delivered"))], at=T0)
    worker = InboxWorker(sb.store.inbox, sb.conductor, sb.clock)
    while await worker.run_once():
        pass
    [_, asked] = await sb.shop.conversations.messages(WA)
    assert asked.status == "read"


THREE = """
flow: three
trigger: {keyword: [hi]}
steps:
  - {id: one, send: "1"}
  - {id: two, send: "2"}
  - {id: three, send: "3"}
"""


async def test_side_by_side_workers_keep_each_conversations_order() -> None:
    sb = Sandbox(Engine(compile_yaml(THREE)), clock=ManualClock(T0))
    customers = [f"8490000{n:04d}" for n in range(20)]
    body: list[tuple[str, Event]] = [(DEFAULT_SHOP, _say("hi", k, wa))
                                     for k in range(3) for wa in customers]
    await sb.store.inbox.put(body, at=T0)
    worker = InboxWorker(sb.store.inbox, sb.conductor, sb.clock, parallel=8)
    sb.dispatcher.parallel = 8
    while await sb.store.inbox.pending() or sb.store.claimable(T0):
        await worker.run_once()
        await sb.dispatcher.run_once()
    for wa in customers:
        assert [getattr(m, "text", "") for m in sb.channel.sent(wa)] == ["1", "2", "3"] * 3


@pytest.mark.parametrize("point", ["written", "committed"])
async def test_a_row_ends_in_the_unit_that_handles_it(point: str) -> None:
    """A crash before the commit leaves the row and commits nothing; after it, the row
    is gone with the effects: either way the reply goes out exactly once."""
    faults = Faults(point)
    sb = Sandbox(Engine(compile_yaml(THREE)), clock=ManualClock(T0), faults=faults)
    await sb.store.inbox.put([(DEFAULT_SHOP, _say("hi", 1))], at=T0)
    worker = InboxWorker(sb.store.inbox, sb.conductor, sb.clock)
    with pytest.raises(InjectedCrash):
        await worker.run_once()
    assert await sb.store.inbox.pending() == (1 if point == "written" else 0)
    faults.disarm()
    sb.store.expire_leases()  # the crashed worker's claim runs out
    await worker.run_once()
    await sb.drain()
    assert [getattr(m, "text", "") for m in sb.channel.sent(WA)] == ["1", "2", "3"]
    assert await sb.store.inbox.pending() == 0
