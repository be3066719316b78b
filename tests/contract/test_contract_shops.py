"""Store contract: shops kept apart, text of any code point, ordering by code point."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contract.kits import T0, PortKit
from wactl.runtime.effects import SendText, TagsChanged
from wactl.runtime.records import MessageRecord, RunStep, TimerRecord
from wactl.runtime.state import ConversationState, Customer, Frame, Run

WA = "84900000001"
AWKWARD = ["nul\x00inside", "lone surrogate-free \U0001f600 emoji", "\u202eRTL", "tab\tand\r\n",
           "\ufeffBOM", "zero\u200bwidth", "Tiếng Việt", "\x7f\x1b[31m"]
"""Texts a database may refuse or mangle: NUL, control characters, astral code points."""


async def _fill(kit: PortKit, shop: str) -> None:
    """Write one of everything into `kit`'s shop or the other one."""
    target = kit.shop if shop == "a" else kit.other
    await target.customers.save(Customer(WA, f"name-{shop}", tags=[shop]))
    state = ConversationState.new(WA)
    state.seq = 1 if shop == "a" else 2
    await target.conversations.save(state)
    await target.conversations.append_message(
        MessageRecord(WA, "in", "text", f"hi {shop}", T0, f"wamid.{shop}"))
    run = Run(f"r-{shop}", "f", T0, [Frame("f", "v1", "s")])
    await target.runs.save(WA, run)
    await target.runs.append_steps([RunStep(WA, run.id, "f", "v1", "s", "send", shop, T0)])
    await target.timers.schedule(TimerRecord(WA, "t1", T0 + timedelta(minutes=1 if shop == "a"
                                                                       else 2)))
    await target.set_cursor("daily", T0 + timedelta(days=1 if shop == "a" else 2))


async def test_nothing_of_one_shop_is_visible_to_another(kit: PortKit) -> None:
    await _fill(kit, "a")
    other = kit.other
    assert await other.customers.get(WA) is None
    assert await other.customers.list_ids() == []
    assert await other.conversations.load(WA) is None
    assert await other.conversations.messages(WA) == []
    assert await other.runs.active(WA) is None
    assert await other.runs.steps(WA, "r-a") == []
    assert await other.timers.due(T0 + timedelta(days=1)) == []
    assert await other.cursor("daily") is None


async def test_nothing_of_one_shop_is_changed_by_another(kit: PortKit) -> None:
    await _fill(kit, "a")
    await _fill(kit, "b")
    await kit.other.customers.apply(TagsChanged(WA, removed=("a",), added=("x",)))
    await kit.other.timers.cancel(WA, "t1")
    await kit.other.runs.save(WA, Run("r-b", "f", T0, [Frame("f", "v1", None)]), finished=True)
    customer = await kit.shop.customers.get(WA)
    assert customer is not None and (customer.name, customer.tags) == ("name-a", ["a"])
    state = await kit.shop.conversations.load(WA)
    assert state is not None and state.seq == 1
    assert [m.text for m in await kit.shop.conversations.messages(WA)] == ["hi a"]
    active = await kit.shop.runs.active(WA)
    assert active is not None and active.id == "r-a"
    assert [s.outcome for s in await kit.shop.runs.steps(WA, "r-a")] == ["a"]
    assert [t.at for t in await kit.shop.timers.due(T0 + timedelta(days=1))] == [
        T0 + timedelta(minutes=1)]
    assert await kit.shop.cursor("daily") == T0 + timedelta(days=1)


async def test_a_unit_of_one_shop_leaves_the_other_alone(kit: PortKit) -> None:
    await _fill(kit, "a")
    async with kit.other.unit(WA) as u:
        await u.mark_handled("in:x")
        await u.customers.save(Customer(WA, "intruder"))
        await u.enqueue(SendText(WA, "hello"), at=T0)
    async with kit.shop.unit(WA) as u:
        assert not await u.handled("in:x")
    customer = await kit.shop.customers.get(WA)
    assert customer is not None and customer.name == "name-a"


@pytest.mark.parametrize("text", AWKWARD)
async def test_text_of_any_code_point_comes_back_unchanged(kit: PortKit, text: str) -> None:
    await kit.customers.save(Customer(WA, text, fields={text: text}, tags=[text]))
    customer = await kit.customers.get(WA)
    assert customer is not None
    assert (customer.name, customer.fields, customer.tags) == (text, {text: text}, [text])
    state = ConversationState.new(WA)
    state.history = [("user", text)]
    state.run = Run("r1", "f", T0, [Frame("f", "v1", "s", {"v": text})])
    await kit.conversations.save(state)
    loaded = await kit.conversations.load(WA)
    assert loaded is not None and loaded.history == [("user", text)]
    assert loaded.run is not None and loaded.run.top.vars == {"v": text}
    await kit.conversations.append_message(MessageRecord(WA, "in", "text", text, T0, "wamid.1"))
    [message] = await kit.conversations.messages(WA)
    assert message.text == text
    await kit.runs.append_steps([RunStep(WA, "r1", "f", "v1", "s", "ask", text, T0, (text,))])
    [step] = await kit.runs.steps(WA, "r1")
    assert (step.outcome, step.changed) == (text, (text,))


async def test_customer_ids_are_ordered_by_code_point(kit: PortKit) -> None:
    ids = ["b", "B", "a", "Z", "é", "e\u0301", "10", "9", "\U0001f600", "ａ"]
    for wa_id in ids:
        await kit.customers.save(Customer(wa_id))
    assert await kit.customers.list_ids() == sorted(ids)
    first = await kit.customers.list_ids(limit=4)
    rest = await kit.customers.list_ids(after=first[-1])
    assert first + rest == sorted(ids)
