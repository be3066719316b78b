"""ConversationStore contract: states survive the round trip, the message log keeps order."""

from __future__ import annotations

from datetime import date, timedelta

from contract.kits import T0, PortKit
from wactl.runtime.ports import MessageRecord
from wactl.runtime.state import (
    ConversationState,
    Customer,
    Frame,
    Pending,
    Run,
    TraceEntry,
    Waiting,
    state_to_data,
)


def _busy_state(wa_id: str = "84900000001") -> ConversationState:
    """A state using every part: a sub-flow frame, a wait, a trace, side runs, history."""
    main = Frame("booking", "h1", "ask_date",
                 {"people": 2, "day": date(2025, 3, 8), "at": T0, "notes": ["a", {"b": None}]},
                 retries=1, visits={"ask_date": 2}, save="booking")
    sub = Frame("address", "h2", "ask_street", {"street": "Lê Lợi"}, turns=1)
    run = Run("r3", "booking", T0, [main, sub], Waiting("ask", "", "t4", "held"),
              [TraceEntry(T0, "booking", "hello", "send", "next", ()),
               TraceEntry(T0 + timedelta(seconds=1), "booking", "ask_date", "ask", "retry",
                          ("people",))])
    side = Run("r5", "vip_rule", T0, [Frame("vip_rule", "h3", "check")], Waiting("call", "q6"))
    return ConversationState(
        wa_id, Customer(wa_id, "Lan", "vi", ["vip"], {"city": "Hanoi"}, "opted_in", T0),
        run, last_inbound_at=T0, last_outbound_at=T0 + timedelta(seconds=2), handed_off=False,
        team=None, pending=Pending("q7", "book a table", True, False), needs_human=True,
        side=[side], history=[("user", "hi"), ("assistant", "Chào Lan!")], seq=7,
        ai_usage={"prompt_tokens": 12, "cost": 0.001})


async def test_an_unknown_conversation_is_none(kit: PortKit) -> None:
    assert await kit.conversations.load("84900000001") is None


async def test_a_state_survives_the_round_trip(kit: PortKit) -> None:
    state = _busy_state()
    await kit.conversations.save(state)
    loaded = await kit.conversations.load(state.wa_id)
    assert loaded is not None
    assert state_to_data(loaded) == state_to_data(state)
    assert loaded.run is not None and loaded.run.top.vars == {"street": "Lê Lợi"}
    assert loaded.run.frames[0].vars["day"] == date(2025, 3, 8)


async def test_save_replaces_and_finished_runs_are_not_kept(kit: PortKit) -> None:
    state = _busy_state()
    await kit.conversations.save(state)
    state.run, state.side, state.seq = None, [], 9
    state.finished = [Run("r1", "welcome", T0, [Frame("welcome", "h", None)])]
    await kit.conversations.save(state)
    loaded = await kit.conversations.load(state.wa_id)
    assert loaded is not None
    assert (loaded.run, loaded.side, loaded.seq, loaded.finished) == (None, [], 9, [])


async def test_a_loaded_state_does_not_alias_the_stored_one(kit: PortKit) -> None:
    await kit.conversations.save(_busy_state())
    first = await kit.conversations.load("84900000001")
    assert first is not None and first.run is not None
    first.run.top.vars["street"] = "changed"
    first.customer.tags.append("changed")
    again = await kit.conversations.load("84900000001")
    assert again is not None and state_to_data(again) == state_to_data(_busy_state())


async def test_conversations_are_kept_apart(kit: PortKit) -> None:
    await kit.conversations.save(_busy_state("1"))
    await kit.conversations.save(ConversationState.new("2", name="Minh"))
    two = await kit.conversations.load("2")
    assert two is not None and two.run is None and two.customer.name == "Minh"


def _msg(wa_id: str, n: int, direction: str = "in") -> MessageRecord:
    return MessageRecord(wa_id, "in" if direction == "in" else "out", "text", f"m{n}",
                         T0 + timedelta(minutes=n), f"wamid.{wa_id}.{n}")


async def test_the_message_log_keeps_order_per_conversation(kit: PortKit) -> None:
    for n in range(5):
        await kit.conversations.append_message(_msg("1", n, "in" if n % 2 else "out"))
        await kit.conversations.append_message(_msg("2", n))
    log = await kit.conversations.messages("1")
    assert [m.text for m in log] == ["m0", "m1", "m2", "m3", "m4"]
    assert [m.direction for m in log] == ["out", "in", "out", "in", "out"]
    assert log[1] == _msg("1", 1, "in")
    assert [m.text for m in await kit.conversations.messages("1", limit=2)] == ["m3", "m4"]
    assert await kit.conversations.messages("3") == []


async def test_messages_with_the_same_time_keep_the_order_appended(kit: PortKit) -> None:
    for text in ["first", "second", "third"]:
        await kit.conversations.append_message(MessageRecord("1", "out", "text", text, T0))
    assert [m.text for m in await kit.conversations.messages("1")] == [
        "first", "second", "third"]
