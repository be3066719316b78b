"""PostgreSQL store beyond the contract: what only a database shared by processes shows.

Two `PostgresStore`s on two pools over one schema stand for two replicas: the
in-process asyncio lock does not span them, so only the advisory lock keeps their
units of one conversation apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from contract.postgres_kit import database_url, fresh_schema

from wactl.runtime.effects import SendTemplate, SendText
from wactl.runtime.records import MessageRecord
from wactl.runtime.state import ConversationState
from wactl.service.postgres import PostgresStore, create_pool

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
WA = "84900000001"


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    async with fresh_schema() as pool:
        schema = await pool.fetchval("SELECT current_schema()")
        other = await create_pool(database_url(), schema=schema)
        try:
            yield PostgresStore(pool), PostgresStore(other)
        finally:
            await other.close()


async def _lock_waiters(store: PostgresStore) -> int:
    count: int = await store.pool.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return count


async def _until_waiting(store: PostgresStore, waiters: int) -> None:
    for _ in range(500):
        if await _lock_waiters(store) == waiters:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {waiters} waiter(s) on the conversation lock")


async def test_units_of_one_conversation_on_two_replicas_never_interleave(
        replicas: tuple[PostgresStore, PostgresStore]) -> None:
    a, b = replicas
    entered = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with a.shop("s").unit(WA) as u:
            state = ConversationState.new(WA)
            state.seq = 1
            await u.conversations.save(state)
            entered.set()
            await release.wait()

    async def second() -> int:
        await entered.wait()
        async with b.shop("s").unit(WA) as u:
            state = await u.conversations.load(WA)
            assert state is not None  # the first unit committed before this one began
            state.seq += 1
            await u.conversations.save(state)
            return state.seq

    one, two = asyncio.create_task(first()), asyncio.create_task(second())
    await entered.wait()
    await _until_waiting(a, 1)  # the second replica waits on the conversation's lock
    release.set()
    await one
    assert await two == 2
    assert await _lock_waiters(a) == 0


async def test_another_conversation_or_shop_is_not_held(
        replicas: tuple[PostgresStore, PostgresStore]) -> None:
    a, b = replicas
    async with a.shop("s").unit(WA) as held:
        await held.mark_handled("in:1")
        for shop, wa_id in (("s", "84900000002"), ("t", WA)):
            async with b.shop(shop).unit(wa_id) as u:  # would wait forever if held
                await u.mark_handled(f"in:{shop}{wa_id}")
    async with b.shop("s").unit(WA) as u:
        assert await u.handled("in:1") and await u.handled("in:s84900000002")
    async with b.shop("t").unit(WA) as u:
        assert await u.handled(f"in:t{WA}") and not await u.handled("in:1")


async def test_nul_and_a_fallback_survive_the_outbox_and_the_message_log(
        replicas: tuple[PostgresStore, PostgresStore]) -> None:
    a, b = replicas
    fallback = SendTemplate(WA, "reopen\x00", "vi", ("a\x00b",))
    effect = SendText(WA, "xin chào\x00!", fallback)
    async with a.shop("s").unit(WA) as u:
        entry = await u.enqueue(effect, at=T0)
        await u.conversations.append_message(MessageRecord(
            WA, "out", "text", effect.text, T0, entry.message_id, status="queued",
            fallback=fallback))
    [claimed] = await b.claim_outbox("w", now=T0, lease=timedelta(seconds=30))
    assert claimed.effect == effect and claimed.message_id == entry.message_id
    await b.sent(claimed.id, "wamid.\x00")
    [message] = await a.shop("s").conversations.messages(WA)
    assert (message.text, message.fallback, message.wa_message_id, message.status) == (
        effect.text, fallback, "wamid.\x00", "sent")
    assert await a.pending_outbox() == []
