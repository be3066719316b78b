"""Store contract: units of work, idempotency marks, claims, outbox order, statuses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from contract.kits import T0, PortKit
from wactl.runtime.effects import HttpRequest, Publish, SendText, TagsChanged
from wactl.runtime.records import MessageRecord, RunStep, TimerRecord
from wactl.runtime.state import ConversationState, Customer, Frame, Run

WA, WB = "84900000001", "84900000002"
LEASE = timedelta(seconds=30)


class Boom(Exception):
    pass


async def _write_everything(kit: PortKit, wa_id: str = WA, *, fail: bool = False) -> None:
    async with kit.shop.unit(wa_id) as u:
        await u.customers.save(Customer(wa_id, "Lan"))
        await u.customers.apply(TagsChanged(wa_id, added=("vip",)))
        state = ConversationState.new(wa_id)
        state.seq = 3
        await u.conversations.save(state)
        await u.conversations.append_message(MessageRecord(wa_id, "in", "text", "hi", T0, "w1"))
        run = Run("r1", "f", T0, [Frame("f", "v1", "s")])
        await u.runs.save(wa_id, run)
        await u.runs.append_steps([RunStep(wa_id, "r1", "f", "v1", "s", "send", "next", T0)])
        await u.timers.schedule(TimerRecord(wa_id, "t1", T0))
        await u.enqueue(SendText(wa_id, "hello"), at=T0)
        await u.mark_handled("in:w1")
        if fail:
            raise Boom


async def test_a_unit_sees_its_own_writes_and_commits_them_together(kit: PortKit) -> None:
    async with kit.shop.unit(WA) as u:
        await u.customers.save(Customer(WA, "Lan"))
        assert (await u.customers.get(WA)) is not None
        assert await kit.customers.get(WA) is None  # not visible outside before commit
        await u.mark_handled("k")
        assert await u.handled("k")
    assert await kit.customers.get(WA) is not None


async def test_an_exception_in_a_unit_commits_nothing(kit: PortKit) -> None:
    with pytest.raises(Boom):
        await _write_everything(kit, fail=True)
    assert await kit.customers.get(WA) is None
    assert await kit.customers.list_ids() == []
    assert await kit.conversations.load(WA) is None
    assert await kit.conversations.messages(WA) == []
    assert await kit.runs.active(WA) is None and await kit.runs.steps(WA, "r1") == []
    assert await kit.timers.due(T0) == []
    assert await kit.store.claim_outbox("w", now=T0, lease=LEASE) == []
    async with kit.shop.unit(WA) as u:
        assert not await u.handled("in:w1")


async def test_a_committed_unit_keeps_everything(kit: PortKit) -> None:
    await _write_everything(kit)
    customer = await kit.customers.get(WA)
    assert customer is not None and customer.tags == ["vip"]
    state = await kit.conversations.load(WA)
    assert state is not None and state.seq == 3
    assert [m.text for m in await kit.conversations.messages(WA)] == ["hi"]
    assert [s.step for s in await kit.runs.steps(WA, "r1")] == ["s"]
    assert await kit.timers.due(T0) == [TimerRecord(WA, "t1", T0)]
    [entry] = await kit.store.claim_outbox("w", now=T0, lease=LEASE)
    assert entry.effect == SendText(WA, "hello") and entry.shop_id == kit.shop.shop_id
    async with kit.shop.unit(WA) as u:
        assert await u.handled("in:w1") and not await u.handled("in:w2")


async def test_units_of_one_conversation_never_interleave(kit: PortKit) -> None:
    order: list[str] = []

    async def unit(name: str) -> None:
        async with kit.shop.unit(WA) as u:
            order.append(f"{name} in")
            seen = await u.conversations.load(WA)
            await asyncio.sleep(0)
            state = seen or ConversationState.new(WA)
            state.seq += 1
            await u.conversations.save(state)
            order.append(f"{name} out")

    await asyncio.gather(unit("a"), unit("b"), unit("c"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    state = await kit.conversations.load(WA)
    assert state is not None and state.seq == 3


# --------------------------------------------------------------------------- outbox


async def _enqueue(kit: PortKit, wa_id: str, *texts: str) -> list[int]:
    async with kit.shop.unit(wa_id) as u:
        return [(await u.enqueue(SendText(wa_id, t), at=T0)).id for t in texts]


async def test_the_outbox_goes_out_in_order_per_conversation(kit: PortKit) -> None:
    a = await _enqueue(kit, WA, "a1", "a2")
    b = await _enqueue(kit, WB, "b1")
    a += await _enqueue(kit, WA, "a3")
    first = await kit.store.claim_outbox("w", now=T0, lease=LEASE)
    assert [e.id for e in first] == [a[0], b[0]]  # one entry per conversation at a time
    assert await kit.store.claim_outbox("w2", now=T0, lease=LEASE) == []
    await kit.store.sent(a[0], "wamid.a1")
    second = await kit.store.claim_outbox("w", now=T0, lease=LEASE)
    assert [e.id for e in second] == [a[1]]
    await kit.store.done(a[1])
    await kit.store.done(b[0])
    assert [e.id for e in await kit.store.claim_outbox("w", now=T0, lease=LEASE)] == [a[2]]


async def test_an_expired_lease_is_claimed_again_and_a_retry_waits(kit: PortKit) -> None:
    [entry_id] = await _enqueue(kit, WA, "x")
    [claimed] = await kit.store.claim_outbox("w1", now=T0, lease=LEASE)
    later = T0 + LEASE + timedelta(seconds=1)
    [again] = await kit.store.claim_outbox("w2", now=later, lease=LEASE)
    assert claimed.id == again.id == entry_id
    await kit.store.retry(entry_id, not_before=later + timedelta(minutes=1))
    assert await kit.store.claim_outbox("w2", now=later, lease=LEASE) == []
    [retried] = await kit.store.claim_outbox("w2", now=later + timedelta(minutes=1),
                                             lease=LEASE)
    assert retried.attempts == 1


async def test_concurrent_claimers_never_share_an_entry(kit: PortKit) -> None:
    for n in range(20):
        await _enqueue(kit, f"849{n:05d}", "x")
    batches = await asyncio.gather(*(kit.store.claim_outbox(f"w{n}", now=T0, lease=LEASE,
                                                            limit=3) for n in range(10)))
    ids = [e.id for batch in batches for e in batch]
    assert len(ids) == len(set(ids)) == 20


async def test_a_request_entry_ends_with_its_answer(kit: PortKit) -> None:
    async with kit.shop.unit(WA) as u:
        entry = await u.enqueue(HttpRequest("q1", "GET", "https://x"), at=T0)
        await u.enqueue(Publish("Later", {}), at=T0)
    assert entry.message_id == "q1"
    async with kit.shop.unit(WA) as u:
        assert not await u.complete("q-unknown")
        assert await u.complete("q1")
    async with kit.shop.unit(WA) as u:
        assert not await u.complete("q1")  # a second answer finds nothing waiting
    [left] = await kit.store.claim_outbox("w", now=T0, lease=LEASE)
    assert left.effect == Publish("Later", {})


# --------------------------------------------------------------------------- timers


async def test_concurrent_timer_claimers_never_share_a_timer(kit: PortKit) -> None:
    for n in range(12):
        await kit.timers.schedule(TimerRecord(f"849{n:05d}", "t1", T0))
    await kit.other.timers.schedule(TimerRecord(WA, "t1", T0))
    batches = await asyncio.gather(*(kit.store.claim_timers(f"w{n}", T0, now=T0, lease=LEASE,
                                                            limit=2) for n in range(10)))
    claims = [(c.shop_id, c.timer.wa_id) for batch in batches for c in batch]
    assert len(claims) == len(set(claims)) == 13
    assert (kit.other.shop_id, WA) in claims
    assert await kit.store.claim_timers("w", T0, now=T0, lease=LEASE) == []
    later = T0 + LEASE + timedelta(seconds=1)
    assert len(await kit.store.claim_timers("w", T0, now=later, lease=LEASE)) == 13


async def test_a_moved_timer_is_claimable_at_once(kit: PortKit) -> None:
    await kit.timers.schedule(TimerRecord(WA, "t1", T0))
    assert len(await kit.store.claim_timers("w", T0, now=T0, lease=LEASE)) == 1
    await kit.timers.schedule(TimerRecord(WA, "t1", T0 + timedelta(seconds=1)))
    [claim] = await kit.store.claim_timers("w2", T0 + timedelta(seconds=1), now=T0,
                                           lease=LEASE)
    assert claim.timer.at == T0 + timedelta(seconds=1)


# --------------------------------------------------------------------------- statuses


async def _sent_message(kit: PortKit) -> str:
    async with kit.shop.unit(WA) as u:
        entry = await u.enqueue(SendText(WA, "hello"), at=T0)
        await u.conversations.append_message(MessageRecord(
            WA, "out", "text", "hello", T0, entry.message_id, status="queued"))
    await kit.store.sent(entry.id, "wamid.X")
    return entry.message_id


async def test_a_sent_message_has_both_ids(kit: PortKit) -> None:
    ours = await _sent_message(kit)
    [message] = await kit.conversations.messages(WA)
    assert (message.message_id, message.wa_message_id, message.status) == (
        ours, "wamid.X", "sent")


async def test_statuses_only_move_forward(kit: PortKit) -> None:
    await _sent_message(kit)
    status = kit.conversations.status
    assert (await status("wamid.X", "delivered", T0)).changed
    assert not (await status("wamid.X", "delivered", T0)).changed  # repeated
    assert not (await status("wamid.X", "sent", T0)).changed  # late
    assert (await status("wamid.X", "read", T0)).changed
    assert not (await status("wamid.X", "failed", T0, "131047")).changed  # read is final
    [message] = await kit.conversations.messages(WA)
    assert message.status == "read"


async def test_failed_is_final_and_keeps_its_error(kit: PortKit) -> None:
    await _sent_message(kit)
    change = await kit.conversations.status("wamid.X", "failed", T0, "131047")
    assert change.changed and change.message is not None
    assert (change.message.status, change.message.error) == ("failed", "131047")
    assert not (await kit.conversations.status("wamid.X", "delivered", T0)).changed
    [message] = await kit.conversations.messages(WA)
    assert (message.status, message.error) == ("failed", "131047")


async def test_a_status_for_an_unknown_message_changes_nothing(kit: PortKit) -> None:
    change = await kit.conversations.status("wamid.nobody", "read", T0)
    assert (change.message, change.changed) == (None, False)
    await _sent_message(kit)
    assert (await kit.other.conversations.status("wamid.X", "read", T0)).message is None


async def test_a_message_that_could_not_be_sent_is_failed_by_our_id(kit: PortKit) -> None:
    async with kit.shop.unit(WA) as u:
        entry = await u.enqueue(SendText(WA, "hello"), at=T0)
        await u.conversations.append_message(MessageRecord(
            WA, "out", "text", "hello", T0, entry.message_id, status="queued"))
    change = await kit.conversations.fail(entry.message_id, "131026")
    assert change.changed and change.message is not None
    assert (change.message.status, change.message.error) == ("failed", "131026")
    assert not (await kit.conversations.fail(entry.message_id, "131026")).changed
    assert (await kit.conversations.fail("out-nobody", "x")).message is None
    assert (await kit.other.conversations.fail(entry.message_id, "x")).message is None
