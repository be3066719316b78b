"""Channel, EventPublisher and Clock contract (for kits that provide them)."""

from __future__ import annotations

import pytest

from contract.kits import PortKit
from wactl.runtime.effects import Button, Publish, SendInteractive, SendTemplate, SendText


async def test_every_sent_message_gets_its_own_id(kit: PortKit) -> None:
    if kit.channel is None:
        pytest.skip("this kit has no channel")
    ids = [await kit.channel.send(SendText("1", "Chào bạn")),
           await kit.channel.send(SendInteractive("1", "Pick", (Button("a", "A"),))),
           await kit.channel.send(SendTemplate("2", "order_update", "vi", ("10423",)))]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 3


async def test_publishing_accepts_any_json_payload(kit: PortKit) -> None:
    if kit.events is None:
        pytest.skip("this kit has no publisher")
    await kit.events.publish(Publish("AITokenUsage", {"wa_id": "1", "tokens": 12,
                                                      "nested": {"list": [1, "a", None]}}))
    await kit.events.publish(Publish("ConversationClosed"))


async def test_the_clock_is_timezone_aware_and_never_goes_back(kit: PortKit) -> None:
    if kit.clock is None:
        pytest.skip("this kit has no clock")
    first = kit.clock.now()
    assert first.tzinfo is not None and first.utcoffset() is not None
    assert kit.clock.now() >= first
