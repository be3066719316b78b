"""What the in-memory ports add beyond the contract (tests/contract): inspection helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wactl.runtime.effects import AiRequest, HttpRequest, Publish, SendMedia, SendText
from wactl.runtime.memory import (
    InMemoryChannel,
    InMemoryEventPublisher,
    ManualClock,
    MemoryStore,
    SystemClock,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.runtime.ports import UNSET_AT, SettableClock, TimerRecord, http_result
from wactl.runtime.state import ConversationState

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def test_the_channel_keeps_sent_messages_per_customer_in_order() -> None:
    channel = InMemoryChannel()
    first = await channel.send(SendText("1", "a"))
    await channel.send(SendText("2", "b"))
    await channel.send(SendMedia("1", "image", "https://x/y.png"))
    assert first == "wamid.1"
    assert channel.sent("1") == [SendText("1", "a"), SendMedia("1", "image", "https://x/y.png")]
    assert channel.sent("3") == []
    assert [mid for mid, _ in channel.outbox] == ["wamid.1", "wamid.2", "wamid.3"]


async def test_the_publisher_keeps_events_and_finds_them_by_name() -> None:
    events = InMemoryEventPublisher()
    await events.publish(Publish("A", {"n": 1}))
    await events.publish(Publish("B"))
    await events.publish(Publish("A", {"n": 2}))
    assert [e.payload["n"] for e in events.named("A")] == [1, 2]
    assert len(events.published) == 3


async def test_pending_timers_are_listed_earliest_first() -> None:
    timers = MemoryStore().shop("s").timers
    await timers.schedule(TimerRecord("1", "t2", T0 + timedelta(hours=2)))
    await timers.schedule(TimerRecord("1", "t1", T0 + timedelta(hours=1)))
    assert [t.timer_id for t in timers.pending()] == ["t1", "t2"]


async def test_a_state_the_database_could_not_keep_fails_here_too() -> None:
    state = ConversationState.new("1")
    state.customer.fields["bad"] = {1, 2}
    with pytest.raises(TypeError):
        await MemoryStore().shop("s").conversations.save(state)


def test_the_manual_clock_moves_only_forward_when_told() -> None:
    clock = ManualClock(T0)
    assert clock.now() == T0
    assert clock.advance(timedelta(hours=2)) == T0 + timedelta(hours=2)
    clock.set(T0)
    assert clock.now() == T0 + timedelta(hours=2)
    clock.set(T0 + timedelta(days=1))
    assert clock.now() == T0 + timedelta(days=1)
    assert isinstance(clock, SettableClock)
    assert not isinstance(SystemClock(), SettableClock)


def test_clocks_are_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2025, 1, 1))
    assert ManualClock().now().tzinfo is not None
    assert SystemClock().now().tzinfo is not None


async def test_without_network_http_and_ai_answer_with_an_error() -> None:
    http, ai = UnavailableHttpClient(), UnavailableAiClient()
    request = HttpRequest("q1", "GET", "https://shop.example/api")
    result = await http.request(request)
    assert (result.request_id, result.error, result.at) == ("q1", "connection", UNSET_AT)
    answer = await ai.ask(AiRequest("q2", "reply", "1", "hi", agent="sales"))
    assert (answer.wa_id, answer.request_id, answer.error) == ("1", "q2", "no_key")
    assert http.requests == [request] and len(ai.requests) == 1


def test_http_result_answers_the_request() -> None:
    result = http_result(HttpRequest("q9", "GET", "u"), status=200, body="{}",
                         content_type="application/json")
    assert (result.request_id, result.status, result.body, result.wa_id) == ("q9", 200, "{}", "")


async def test_states_kept_as_copies_when_json_is_not_checked() -> None:
    store = MemoryStore(check_json=False).shop("s").conversations
    state = ConversationState.new("1", name="Lan")
    await store.save(state)
    state.customer.tags.append("changed-after-save")
    loaded = await store.load("1")
    assert loaded is not None and loaded.customer.name == "Lan" and loaded.customer.tags == []
    loaded.customer.tags.append("changed-after-load")
    again = await store.load("1")
    assert again is not None and again.customer.tags == []
