"""Store contract: conversations as sessions, their jobs, retention, and accounts.

The rules are `wactl.runtime.sessions`'; here they go through each store the way the
service runs them: in units of work (`driver.sessions.track`), in the expiry job
(`driver.sessions.expire`, twice at once as two replicas would), and through the
retention pass.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from contract.kits import OTHER, SHOP, T0, PortKit
from wactl.runtime.driver import sessions as jobs
from wactl.runtime.effects import Publish, SendText
from wactl.runtime.events import Inbound
from wactl.runtime.records import Account, MessageRecord
from wactl.runtime.sessions import WINDOW, Session
from wactl.runtime.state import ConversationState

WA, WB = "84900000001", "84900000002"
LEASE = timedelta(seconds=30)
HOUR = timedelta(hours=1)


async def _inbound(kit: PortKit, wa_id: str, at_hours: float, text: str = "hi", *,
                   reply: bool = True, shop: str = SHOP) -> None:
    """One inbound message handled as the conductor does: sessions, then the log."""
    at = T0 + timedelta(hours=at_hours)
    event = Inbound(wa_id, at, id=f"w-{wa_id}-{at_hours}", text=text)
    effects = [SendText(wa_id, "ok")] if reply else []
    async with kit.store.shop(shop).unit(wa_id) as u:
        await jobs.track(u, event, effects)
        await u.conversations.append_message(MessageRecord(wa_id, "in", "text", text, at,
                                                           event.id))
        for effect in effects:
            entry = await u.enqueue(effect, at=at)
            await u.conversations.append_message(MessageRecord(
                wa_id, "out", "text", effect.text, at, entry.message_id))


async def _published(kit: PortKit) -> list[Publish]:
    entries = await kit.store.claim_outbox("w", now=T0 + 1000 * HOUR, lease=LEASE, limit=1000)
    found = []
    while entries:
        for e in entries:
            if isinstance(e.effect, Publish):
                found.append(e.effect)
            await kit.store.done(e.id)
        entries = await kit.store.claim_outbox("w", now=T0 + 1000 * HOUR, lease=LEASE,
                                               limit=1000)
    return found


async def test_the_first_message_opens_session_one_and_replies_keep_it(kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    await _inbound(kit, WA, 5)
    current = await kit.shop.sessions.current(WA)
    assert current is not None
    assert (current.number, current.status) == (1, "active")
    assert current.opened_at == T0 and current.last_inbound_at == T0 + 5 * HOUR
    assert current.last_message_at == T0 + 5 * HOUR
    assert [m.conversation for m in await kit.conversations.messages(WA)] == [1, 1, 1, 1]


async def test_24_hours_without_an_inbound_message_end_it_and_the_next_opens_two(
        kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    await _inbound(kit, WA, 24)  # the window ran out exactly now: a new session
    history = await kit.shop.sessions.history(WA)
    assert [(s.number, s.status) for s in history] == [(1, "expired"), (2, "active")]
    assert history[0].closed_at == T0 + WINDOW and history[0].closed_by == "expiry"
    assert [m.conversation for m in await kit.conversations.messages(WA)] == [1, 1, 2, 2]
    closed = await _published(kit)
    assert [(p.name, p.payload["conversation_id"], p.payload["reason"]) for p in closed] == [
        ("ConversationClosed", f"{WA}/1", "expired")]


async def test_the_state_carries_over_from_one_session_to_the_next(kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    async with kit.shop.unit(WA) as u:
        state = ConversationState.new(WA)
        state.seq = 7
        await u.conversations.save(state)
    await _inbound(kit, WA, 30)
    loaded = await kit.conversations.load(WA)
    assert loaded is not None and loaded.seq == 7
    assert [s.number for s in await kit.shop.sessions.history(WA)] == [1, 2]


async def test_a_closed_session_stays_closed_and_the_next_message_opens_another(
        kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    done = await jobs.close(kit.store, SHOP, WA, T0 + HOUR, by="agent-7")
    assert done is not None and (done.status, done.closed_by) == ("closed", "agent-7")
    assert await jobs.close(kit.store, SHOP, WA, T0 + HOUR, by="agent-7") is None
    await _inbound(kit, WA, 2)
    history = await kit.shop.sessions.history(WA)
    assert [(s.number, s.status) for s in history] == [(1, "closed"), (2, "active")]
    assert [p.payload["reason"] for p in await _published(kit)] == ["closed"]


async def test_assignment_and_tags_are_kept_and_survive_messages(kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    async with kit.shop.unit(WA) as u:
        current = await u.sessions.current(WA)
        assert current is not None
        await u.sessions.save(replace(current, assigned_to="lan", tags=("vip", "đơn hàng")))
    await _inbound(kit, WA, 1)
    current = await kit.shop.sessions.current(WA)
    assert current is not None
    assert (current.assigned_to, current.tags) == ("lan", ("vip", "đơn hàng"))


async def test_a_business_initiated_send_opens_a_session_that_expires_after_a_day(
        kit: PortKit) -> None:
    async with kit.shop.unit(WA) as u:
        await jobs.track(u, Inbound(WA, T0, id="x", text="x"), [])  # (an inbound at T0 ...)
    async with kit.shop.unit(WB) as u:  # (... and a template to WB with no inbound)
        from wactl.runtime.events import TimerFired
        await jobs.track(u, TimerFired(WB, T0, "t1"), [SendText(WB, "sale!")])
    opened = await kit.shop.sessions.current(WB)
    assert opened is not None and opened.last_inbound_at is None and opened.status == "active"
    assert await jobs.expire(kit.store, SHOP, T0 + 23 * HOUR) == []
    ended = await jobs.expire(kit.store, SHOP, T0 + 25 * HOUR)
    assert sorted(s.wa_id for s in ended) == [WA, WB]


async def test_two_expiry_jobs_at_once_close_each_session_once(kit: PortKit) -> None:
    for i in range(6):
        await _inbound(kit, f"8491000000{i}", 0, reply=False)
    await _inbound(kit, WB, 20, reply=False)  # still inside its window at hour 30
    later = T0 + 30 * HOUR
    first, second = await asyncio.gather(jobs.expire(kit.store, SHOP, later),
                                         jobs.expire(kit.store, SHOP, later))
    ended = sorted(s.wa_id for s in [*first, *second])
    assert ended == [f"8491000000{i}" for i in range(6)]
    assert len(await _published(kit)) == 6
    assert await jobs.expire(kit.store, SHOP, later) == []
    still = await kit.shop.sessions.current(WB)
    assert still is not None and still.status == "active"


async def test_a_message_after_the_job_ran_opens_the_next_session(kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    await jobs.expire(kit.store, SHOP, T0 + 25 * HOUR)
    await _inbound(kit, WA, 26)
    history = await kit.shop.sessions.history(WA)
    assert [(s.number, s.status) for s in history] == [(1, "expired"), (2, "active")]
    assert len(await _published(kit)) == 1  # the job published; the message did not again


async def test_sessions_of_one_shop_are_invisible_to_another(kit: PortKit) -> None:
    await _inbound(kit, WA, 0)
    assert await kit.other.sessions.current(WA) is None
    assert await kit.other.sessions.history(WA) == []
    assert await kit.other.sessions.stale(T0 + 100 * HOUR) == []
    assert await jobs.expire(kit.store, OTHER, T0 + 100 * HOUR) == []
    current = await kit.shop.sessions.current(WA)
    assert current is not None and current.status == "active"


async def test_stale_lists_active_sessions_oldest_first_up_to_the_limit(kit: PortKit) -> None:
    for n, hours in enumerate([5, 1, 3]):
        await kit.shop.sessions.save(Session(f"8492{n}", 1, "active", T0 + hours * HOUR,
                                             T0 + hours * HOUR, T0 + hours * HOUR))
    await kit.shop.sessions.save(Session("84929", 1, "closed", T0, T0, T0))
    stale = await kit.shop.sessions.stale(T0 + 4 * HOUR, limit=10)
    assert [s.wa_id for s in stale] == ["84921", "84922"]
    assert [s.wa_id for s in await kit.shop.sessions.stale(T0 + 9 * HOUR, limit=2)] == [
        "84921", "84922"]


async def test_retention_empties_old_bodies_and_keeps_every_message(kit: PortKit) -> None:
    await _inbound(kit, WA, 0, "old secret")
    await _inbound(kit, WA, 48, "new")
    await _inbound(kit, WA, 0, "other shop", shop=OTHER)
    emptied = await kit.conversations.forget_bodies(T0 + 24 * HOUR)
    assert emptied == 2  # the inbound and the reply of hour 0
    log = await kit.conversations.messages(WA)
    assert [m.text for m in log] == ["", "", "new", "ok"]
    assert await kit.conversations.forget_bodies(T0 + 24 * HOUR) == 0
    other = await kit.other.conversations.messages(WA)
    assert [m.text for m in other] == ["other shop", "ok"]


async def test_accounts_route_numbers_to_shops(kit: PortKit) -> None:
    accounts = kit.store.accounts
    assert await accounts.get("1001") is None
    await accounts.put(Account("1002", OTHER, "+84 90 000 0002", 1000))
    await accounts.put(Account("1001", SHOP, "+84 90 000 0001"))
    assert await accounts.get("1001") == Account("1001", SHOP, "+84 90 000 0001")
    await accounts.put(Account("1001", SHOP, "+84 90 000 0001", status="suspended"))
    found = await accounts.all()
    assert [(a.phone_number_id, a.shop_id, a.status, a.tier) for a in found] == [
        ("1001", SHOP, "suspended", None), ("1002", OTHER, "active", 1000)]


async def test_retention_in_batches_two_passes_at_once_empty_each_body_once(
        kit: PortKit) -> None:
    for hour in range(3):  # six old messages: three inbound, three replies
        await _inbound(kit, WA, hour, f"old {hour}")
    await _inbound(kit, WA, 48, "new")
    cutoff = T0 + 24 * HOUR
    first, second = await asyncio.gather(kit.conversations.forget_bodies(cutoff, limit=4),
                                         kit.conversations.forget_bodies(cutoff, limit=4))
    assert first <= 4 and second <= 4 and first + second == 6
    assert await kit.conversations.forget_bodies(cutoff, limit=4) == 0
    log = await kit.conversations.messages(WA)
    assert [m.text for m in log] == [""] * 6 + ["new", "ok"]
    assert [m.direction for m in log] == ["in", "out"] * 4  # every message kept


async def test_a_retention_batch_takes_no_more_than_its_limit(kit: PortKit) -> None:
    for hour in range(3):
        await _inbound(kit, WA, hour, f"old {hour}", reply=False)
    assert await kit.conversations.forget_bodies(T0 + 24 * HOUR, limit=2) == 2
    assert sum(1 for m in await kit.conversations.messages(WA) if m.text) == 1
    assert await kit.conversations.forget_bodies(T0 + 24 * HOUR, limit=2) == 1


async def test_sessions_by_status_latest_message_first_within_the_shop(kit: PortKit) -> None:
    await _inbound(kit, "84931", 0)
    await _inbound(kit, "84932", 2)
    await _inbound(kit, "84933", 1)
    await _inbound(kit, "84934", 1, shop=OTHER)
    await jobs.close(kit.store, SHOP, "84933", T0 + 3 * HOUR, by="lan")
    await _inbound(kit, "84931", 26)  # session 1 expired, session 2 opened
    active = await kit.shop.sessions.by_status("active")
    assert [(s.wa_id, s.number) for s in active] == [("84931", 2), ("84932", 1)]
    assert [s.id for s in await kit.shop.sessions.by_status("active", limit=1)] == ["84931/2"]
    assert [s.id for s in await kit.shop.sessions.by_status("closed")] == ["84933/1"]
    assert [s.id for s in await kit.shop.sessions.by_status("expired")] == ["84931/1"]
    assert [s.id for s in await kit.other.sessions.by_status("active")] == ["84934/1"]

