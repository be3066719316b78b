"""The service's jobs in process: routing by connected numbers, expiry, retention.

A suspended or unknown number's messages are skipped (200, nothing stored for them)
while another number's in the same body are kept; a conversation quiet for 24 h is
ended by the workers' round and `ConversationClosed` published; retention empties
old bodies.  The clock is a `ManualClock`, so the jobs' periods are moved through.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fakes.webhooks import PHONE_NUMBER_ID, change, encode, envelope, message

from wactl.compiler import compile_project
from wactl.runtime.memory import InMemoryChannel, ManualClock, MemoryStore, UnavailableHttpClient
from wactl.runtime.records import Account, MessageRecord
from wactl.runtime.sessions import Session
from wactl.service.app import Service, build_service, make_app
from wactl.service.config import load_config
from wactl.service.jobs import ROUTES_EVERY, Jobs, Routes
from wactl.service.webhook.signature import sign

SECRET = "s3cret"
FLOW = "flow: hi\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: s, send: Hello}\n"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OTHER_NUMBER = "220000000000001"
UNKNOWN_NUMBER = "330000000000001"


async def _service(clock: ManualClock, store: MemoryStore | None = None,
                   **env: str) -> tuple[Service, InMemoryChannel]:
    program = compile_project({"flows/hi.yaml": FLOW}).program
    assert program is not None
    config = load_config({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v",
                          "WACTL_ACCESS_TOKEN": "t", "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                          **env})
    channel = InMemoryChannel()
    stores = None if store is None else (store, store.inbox)
    service = await build_service(config, program, channel=channel,
                                  http=UnavailableHttpClient(), clock=clock, stores=stores)
    return service, channel


def _signed(*changes: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    data = encode(envelope(*changes))
    return data, {"X-Hub-Signature-256": sign(SECRET, data)}


def _hi(number: str, wa_id: str) -> dict[str, object]:
    sent = message("text", {"body": "hi"}, timestamp=str(int(T0.timestamp())),
                   id=f"wamid.{number}.{wa_id}", **{"from": wa_id})
    return change(messages=[sent], phone_number_id=number)


async def _drain(service: Service) -> None:
    while await service.workers.round():
        pass


def test_routes_name_why_a_number_is_not_served() -> None:
    routes = Routes({"1": Account("1", "a"), "2": Account("2", "b", status="suspended")})
    assert routes.shop("1") == ("a", "")
    assert routes.shop("2") == (None, "suspended_number")
    assert routes.shop("3") == (None, "unknown_number")


async def test_the_single_shop_number_is_registered_and_a_suspended_one_is_skipped(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wactl.service")
    clock = ManualClock(T0)
    service, channel = await _service(clock)
    shop = next(iter(service.conductor.engines))
    assert [a.phone_number_id for a in await service.store.accounts.all()] == [PHONE_NUMBER_ID]
    await service.store.accounts.put(Account(OTHER_NUMBER, shop, status="suspended"))
    clock.set(T0 + ROUTES_EVERY)
    await _drain(service)  # the routing refresh reads the suspended number
    data, headers = _signed(_hi(OTHER_NUMBER, "84900000009"), _hi(UNKNOWN_NUMBER, "84900000008"),
                            _hi(PHONE_NUMBER_ID, "84900000001"))
    async with TestClient(TestServer(make_app(service))) as client:
        answer = await client.post("/webhooks", data=data, headers=headers)
        assert answer.status == 200
    await _drain(service)
    assert [m.to for _, m in channel.outbox] == ["84900000001"]
    skipped = [(getattr(r, "code", ""), getattr(r, "phone_number_id", "")) for r in caplog.records
               if getattr(r, "code", "") in {"unknown_number", "suspended_number"}]
    assert skipped == [("suspended_number", OTHER_NUMBER), ("unknown_number", UNKNOWN_NUMBER)]
    for wa_id in ("84900000009", "84900000008"):  # nothing of theirs kept in any shop
        assert await service.store.shop(shop).conversations.messages(wa_id) == []
        assert await service.store.shop(shop).sessions.current(wa_id) is None
    await service.close()


async def test_a_suspension_outlasts_a_restart() -> None:
    store = MemoryStore()
    clock = ManualClock(T0)
    first, _ = await _service(clock, store=store)
    await store.accounts.put(Account(PHONE_NUMBER_ID, next(iter(first.conductor.engines)),
                                     status="suspended"))
    await first.close()
    second, channel = await _service(clock, store=store)
    assert second.routes.shop(PHONE_NUMBER_ID) == (None, "suspended_number")
    data, headers = _signed(_hi(PHONE_NUMBER_ID, "84900000001"))
    async with TestClient(TestServer(make_app(second))) as client:
        assert (await client.post("/webhooks", data=data, headers=headers)).status == 200
    await _drain(second)
    assert channel.outbox == []
    await second.close()


async def test_a_start_keeps_the_tier_set_meanwhile_and_never_takes_another_shops_number(
        caplog: pytest.LogCaptureFixture) -> None:
    store, clock = MemoryStore(), ManualClock(T0)
    first, _ = await _service(clock, store=store)
    shop = next(iter(first.conductor.engines))
    await store.accounts.put(Account(PHONE_NUMBER_ID, shop, tier=1000))
    await first.close()
    second, _ = await _service(clock, store=store)
    assert (await store.accounts.get(PHONE_NUMBER_ID)) == Account(PHONE_NUMBER_ID, shop,
                                                                   tier=1000)
    assert second.conductor.tiers == {shop: 1000}
    await second.close()
    third, _ = await _service(clock, store=store, WACTL_TIER="250")
    assert third.conductor.tiers == {shop: 250}, "WACTL_TIER given: it wins"
    await third.close()

    await store.accounts.put(Account(PHONE_NUMBER_ID, "another_shop"))
    fourth, _ = await _service(clock, store=store)
    assert (await store.accounts.get(PHONE_NUMBER_ID)) == Account(PHONE_NUMBER_ID,
                                                                   "another_shop")
    assert "number_of_another_shop" in [getattr(r, "code", "") for r in caplog.records]
    await fourth.close()


async def test_a_quiet_conversation_expires_and_its_closing_is_published(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wactl.service")
    clock = ManualClock(T0)
    service, _ = await _service(clock)
    data, headers = _signed(_hi(PHONE_NUMBER_ID, "84900000001"))
    async with TestClient(TestServer(make_app(service))) as client:
        assert (await client.post("/webhooks", data=data, headers=headers)).status == 200
    await _drain(service)
    shop = next(iter(service.conductor.engines))
    sessions = service.store.shop(shop).sessions
    first = await sessions.current("84900000001")
    assert first is not None and first.status == "active"
    clock.set(T0 + timedelta(hours=24, minutes=2))
    await _drain(service)
    ended = await sessions.current("84900000001")
    assert ended is not None and (ended.status, ended.closed_by) == ("expired", "expiry")
    events = [getattr(r, "event", None) for r in caplog.records
              if getattr(r, "code", None) == "published"]
    assert events == ["WhatsAppMessageReceived", "ConversationClosed"]
    await service.close()


async def test_retention_empties_bodies_older_than_the_period() -> None:
    clock = ManualClock(T0)
    service, _ = await _service(clock, WACTL_RETENTION_DAYS="2")
    data, headers = _signed(_hi(PHONE_NUMBER_ID, "84900000001"))
    async with TestClient(TestServer(make_app(service))) as client:
        assert (await client.post("/webhooks", data=data, headers=headers)).status == 200
    await _drain(service)
    shop = next(iter(service.conductor.engines))
    log = service.store.shop(shop).conversations
    assert [m.text for m in await log.messages("84900000001")] == ["hi", "Hello"]
    clock.set(T0 + timedelta(days=2, hours=2))
    await _drain(service)
    assert [m.text for m in await log.messages("84900000001")] == ["", ""]
    await service.close()


async def test_a_backlog_drains_a_batch_per_round_not_a_batch_per_period() -> None:
    store = MemoryStore()
    shop = store.shop("s")
    for n in range(3):
        wa_id = f"8490000000{n}"
        await shop.sessions.save(Session(wa_id, 1, "active", T0, T0, T0))
        async with shop.unit(wa_id) as u:
            for k in range(2):
                await u.conversations.append_message(
                    MessageRecord(wa_id, "in", "text", "old", T0, f"m{n}{k}"))
    jobs = Jobs(store, lambda: ["s"], Routes(), {"s": timedelta(days=1)}, expiry_batch=2,
                retention_batch=4)
    later = T0 + timedelta(days=2)
    assert await jobs.run_due(later) == 2 + 4  # both batches full: due again at once
    assert await jobs.run_due(later) == 1 + 2  # the rest
    assert await jobs.run_due(later) == 0  # drained: next due after the periods
    assert [s.status for n in range(3)
            for s in await shop.sessions.history(f"8490000000{n}")] == ["expired"] * 3



async def test_every_shop_served_gets_the_service_wide_retention_and_its_tier() -> None:
    store = MemoryStore()
    for shop in ("a", "b"):
        async with store.shop(shop).unit("84900000001") as u:
            await u.conversations.append_message(
                MessageRecord("84900000001", "in", "text", "old", T0, f"m{shop}"))
    served = ["a"]
    routes = Routes({n: a for n, a in [
        ("1", Account("1", "a", tier=1000)), ("2", Account("2", "a", tier=250)),
        ("3", Account("3", "a", tier=10, status="suspended")), ("4", Account("4", "b"))]})
    assert routes.tiers() == {"a": 250, "b": -1}, "the lowest active tier; none: unlimited"
    tiers: dict[str, int] = {}
    await store.accounts.put(Account("5", "b", tier=50))
    jobs = Jobs(store, lambda: served, routes, every_shop_retention=timedelta(days=1),
                tiers=tiers)
    assert await jobs.run_due(T0 + timedelta(days=2)) == 1, "only shop a is served yet"
    assert tiers == {"b": 50}, "read again with the routes"
    served.append("b")  # a shop deployed since joins the next pass
    del jobs.last["retention"]
    assert await jobs.run_due(T0 + timedelta(days=2)) == 1
