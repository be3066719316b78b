"""Blue ticks: each customer's message marked read through the outbox, before the replies;
a refusal is logged and never holds the replies back."""

from __future__ import annotations

import logging

import pytest
from engine_harness import T0, WA, compile_yaml

from wactl.runtime.driver import Outside
from wactl.runtime.effects import MarkRead, Publish
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.memory import ManualClock
from wactl.runtime.ports import ChannelError
from wactl.runtime.sandbox import Sandbox

HI = "flow: hi\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: s, send: Hello}\n"


class Ticks:
    """Read receipts as WhatsApp takes them (or refuses them)."""

    def __init__(self, refuse: ChannelError | None = None) -> None:
        self.read: list[str] = []
        self.refuse = refuse

    async def mark_read(self, message_id: str) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.read.append(message_id)


def _sandbox(ticks: Ticks) -> Sandbox:
    sb = Sandbox(Engine(compile_yaml(HI)), clock=ManualClock(T0))
    sb.conductor.mark_read = True
    assert isinstance(sb.dispatcher.outside, Outside)
    sb.dispatcher.outside.reads = ticks
    return sb


async def test_a_message_is_marked_read_before_its_reply_goes_out() -> None:
    ticks = Ticks()
    sb = _sandbox(ticks)
    await sb.conductor.handle(sb.shop_id, Inbound(WA, T0, id="wamid.in1", text="hi"))
    queued = [e for e in sb.store.pending_outbox() if not isinstance(e.effect, Publish)]
    assert [type(e.effect).__name__ for e in queued] == ["MarkRead", "SendText"]
    assert queued[0].effect == MarkRead(WA, "wamid.in1")
    await sb.drain()
    assert ticks.read == ["wamid.in1"]
    assert [getattr(m, "text", "") for m in sb.channel.sent(WA)] == ["Hello"]


async def test_a_notice_from_whatsapp_is_not_marked(caplog: pytest.LogCaptureFixture) -> None:
    ticks = Ticks()
    sb = _sandbox(ticks)
    await sb.handle(Inbound(WA, T0, "system", id="wamid.sys", text="changed number"))
    assert ticks.read == [] and sb.store.pending_outbox() == []
    assert not [e for e in sb.store.pending_outbox() if isinstance(e.effect, MarkRead)]


@pytest.mark.parametrize("retryable", [True, False])
async def test_a_refused_tick_is_logged_and_the_reply_still_goes(
        retryable: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wactl")
    sb = _sandbox(Ticks(ChannelError("131000", "boom", retryable=retryable)))
    await sb.handle(Inbound(WA, T0, id="wamid.in1", text="hi"))
    assert [getattr(m, "text", "") for m in sb.channel.sent(WA)] == ["Hello"]
    assert sb.store.pending_outbox() == []
    assert [getattr(r, "code", None) for r in caplog.records].count("read_receipt") == 1


async def test_without_the_setting_nothing_is_marked() -> None:
    sb = Sandbox(Engine(compile_yaml(HI)), clock=ManualClock(T0))
    await sb.conductor.handle(sb.shop_id, Inbound(WA, T0, id="wamid.in1", text="hi"))
    kinds = [type(e.effect).__name__ for e in sb.store.pending_outbox()]
    assert "SendText" in kinds and "MarkRead" not in kinds
