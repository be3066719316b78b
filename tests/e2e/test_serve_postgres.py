"""`wactl serve` on PostgreSQL through crashes, outages, retries and odd deliveries.

The service runs as a subprocess against the fake Graph API; what it stored is read
back from the database.  Each test names the promise it checks: nothing acknowledged
is lost, nothing is answered twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from contract.postgres_kit import database_url
from fakes.graph_server import FakeGraph
from fakes.webhooks import CUSTOMER, PHONE_NUMBER_ID, change, encode, envelope
from own_postgres import OwnPostgres, own_server
from serve_helpers import (
    SECRET,
    delivered,
    post,
    start_service,
    text_body,
    texts,
    write_project,
)

from wactl.service.webhook.signature import sign

pytestmark = pytest.mark.service

ASKED, GREETED = "Chào bạn! Bạn tên gì?", "Rất vui được gặp Mai."
FAST = {"WACTL_LEASE_SECONDS": "1"}
"""A crashed process's claims are taken again after a second, not a minute."""


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server of the test's own (to stop it: an outage)."""
    database_url()  # fails (CI) or skips (a developer's pytest) where PostgreSQL is not
    with own_server() as server:
        yield server


async def _signed(url: str, data: bytes) -> int:
    return await post(url, data, signature=sign(SECRET, data))


async def _until(check: Any, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


def _statuses(*pairs: tuple[str, str], at: int = 1795560100) -> bytes:
    statuses = [{"id": wamid, "status": status, "timestamp": str(at + i),
                 "recipient_id": CUSTOMER} for i, (wamid, status) in enumerate(pairs)]
    return encode(envelope(change(statuses=statuses)))


async def _rows(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def test_a_killed_service_goes_on_where_the_conversation_was(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        first = await start_service(tmp_path, graph, fresh_database)
        hi = text_body("hi", 1)
        assert await post(first.url, hi, signature=sign(SECRET, hi)) == 200
        assert await delivered(graph, 1) == ["Chào bạn! Bạn tên gì?"]
        await first.stop(kill=True)  # SIGKILL while the flow waits in `ask`
        second = await start_service(tmp_path, graph, fresh_database)
        try:
            answer = text_body("Mai", 2)
            assert await post(second.url, hi, signature=sign(SECRET, hi)) == 200  # again
            assert await post(second.url, answer, signature=sign(SECRET, answer)) == 200
            assert await delivered(graph, 2) == ["Chào bạn! Bạn tên gì?",
                                                 "Rất vui được gặp Mai."]
        finally:
            await second.stop()
        assert len(graph.delivered()) == 2


async def test_killed_between_the_inbox_and_the_reply_the_reply_goes_out_once(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        graph.hang(30)  # WhatsApp holds the first send: the process dies waiting
        first = await start_service(tmp_path, graph, fresh_database, **FAST)
        hi = text_body("hi", 1)
        assert await _signed(first.url, hi) == 200
        await _until(lambda: len(graph.posts()) == 1)
        assert graph.posts() and texts(graph) == []  # received, not answered
        await first.stop(kill=True)
        second = await start_service(tmp_path, graph, fresh_database, **FAST)
        try:
            assert await delivered(graph, 1) == [ASKED]
            answer = text_body("Mai", 2)
            assert await _signed(second.url, answer) == 200
            assert await delivered(graph, 2) == [ASKED, GREETED]
        finally:
            await second.stop()
        assert texts(graph) == [ASKED, GREETED]


async def test_one_webhook_delivered_three_times_at_once_and_again_is_answered_once(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(tmp_path, graph, fresh_database)
        try:
            hi = text_body("hi", 1)
            answers = await asyncio.gather(*(_signed(served.url, hi) for _ in range(3)))
            assert answers == [200, 200, 200]
            for _ in range(3):
                assert await _signed(served.url, hi) == 200
            assert await _signed(served.url, text_body("Mai", 2)) == 200
            # replies go out in order per conversation: a doubled one would come first
            assert await delivered(graph, 2) == [ASKED, GREETED]
        finally:
            await served.stop()
        assert texts(graph) == [ASKED, GREETED]
        inbound = await _rows(fresh_database,
                              "SELECT count(*) AS n FROM messages WHERE direction = 'in'")
        assert inbound[0]["n"] == 2


async def test_a_forged_signature_is_401_and_stores_nothing(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(tmp_path, graph, fresh_database)
        try:
            hi = text_body("hi", 1)
            assert await post(served.url, hi, signature=sign("not-the-secret", hi)) == 401
            assert await post(served.url, hi) == 401
            assert await post(served.url, hi, signature="sha1=" + "0" * 40) == 401
        finally:
            await served.stop()
        assert graph.posts() == []
    for table in ("inbox", "messages", "customers"):
        rows = await _rows(fresh_database, f"SELECT count(*) AS n FROM {table}")
        assert rows[0]["n"] == 0, table


async def test_graph_failing_twice_then_accepting_delivers_one_message(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        graph.server_error().server_error()
        served = await start_service(tmp_path, graph, fresh_database)
        try:
            assert await _signed(served.url, text_body("hi", 1)) == 200
            assert await delivered(graph, 1) == [ASKED]
        finally:
            await served.stop()
        assert [r.status for r in graph.posts()] == [500, 500, 200]
    rows = await _rows(fresh_database, "SELECT status, wa_message_id FROM messages "
                                       "WHERE direction = 'out'")
    assert [(r["status"], bool(r["wa_message_id"])) for r in rows] == [("sent", True)]


FALLBACK_FLOW = """
flow: promo
trigger: {keyword: [hi]}
steps:
  - id: offer
    send: "Sale today!"
    fallback_template: {name: promo_update, language: vi, params: ["{{ customer.wa_id }}"]}
"""


async def test_outside_the_window_the_fallback_template_goes_out_once(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path, {"promo.yaml": FALLBACK_FLOW},
                  "shop: test_shop\ntemplates:\n  promo_update: {params: 1, languages: [vi]}\n")
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        graph.outside_window()
        served = await start_service(tmp_path, graph, fresh_database)
        try:
            assert await _signed(served.url, text_body("hi", 1)) == 200
            await _until(lambda: len(graph.delivered()) >= 1)
            await asyncio.sleep(0.5)  # room for a (wrong) second fallback
        finally:
            await served.stop()
        sent = graph.delivered()
        assert [d["type"] for d in sent] == ["template"]
        assert sent[0]["template"]["name"] == "promo_update"
        assert [r.status for r in graph.posts()] == [400, 200]


async def test_statuses_out_of_order_leave_the_message_read(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(tmp_path, graph, fresh_database)
        try:
            assert await _signed(served.url, text_body("hi", 1)) == 200
            assert await delivered(graph, 1) == [ASKED]
            [wamid] = graph.wamids()
            late = _statuses((wamid, "read"), (wamid, "delivered"), (wamid, "sent"),
                             ("wamid.never-sent-by-us", "read"))
            assert await _signed(served.url, late) == 200

            async def status() -> str:
                rows = await _rows(fresh_database,
                                   "SELECT status FROM messages WHERE direction = 'out'")
                return str(rows[0]["status"])

            for _ in range(200):
                if await status() == "read":
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # the later "delivered" and "sent" are handled too
            assert await status() == "read"
        finally:
            await served.stop()


GREETING = """\
flow: hello
trigger: {keyword: [hi]}
steps:
  - {id: hello, send: "Hello"}
"""

WAIT_FLOW = """
flow: later
trigger: {keyword: [hi]}
steps:
  - {id: first, send: "Now"}
  - {id: pause, wait: 5s}
  - {id: second, send: "Later"}
"""


async def test_a_wait_timer_across_a_restart_fires_once(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path, {"later.yaml": WAIT_FLOW})
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        first = await start_service(tmp_path, graph, fresh_database, **FAST)
        assert await _signed(first.url, text_body("hi", 1, now=True)) == 200
        assert await delivered(graph, 1) == ["Now"]
        await first.stop(kill=True)  # the timer is set; nobody runs
        second = await start_service(tmp_path, graph, fresh_database, **FAST)
        try:
            assert await delivered(graph, 2) == ["Now", "Later"]
            await asyncio.sleep(1.5)  # past another lease: still once
        finally:
            await second.stop()
        assert texts(graph) == ["Now", "Later"]
    timers = await _rows(fresh_database, "SELECT count(*) AS n FROM timers")
    assert timers[0]["n"] == 0


async def test_with_postgresql_down_webhooks_get_503_and_are_answered_after(
        tmp_path: Path, own_postgres: OwnPostgres) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(tmp_path, graph, own_postgres.url)
        try:
            assert await _signed(served.url, text_body("hi", 1)) == 200
            assert await delivered(graph, 1) == [ASKED]
            own_postgres.stop()
            answer = text_body("Mai", 2)
            assert await _signed(served.url, answer) == 503
            async with aiohttp.ClientSession() as session, \
                    session.get(f"{served.url}/readyz") as ready:
                assert ready.status == 503
            own_postgres.start()
            for _ in range(100):  # WhatsApp delivers the body again until it gets a 200
                if await _signed(served.url, answer) == 200:
                    break
                await asyncio.sleep(0.2)
            assert await delivered(graph, 2) == [ASKED, GREETED]
        finally:
            await served.stop()
        assert texts(graph) == [ASKED, GREETED]


def _sent(graph: FakeGraph) -> list[str]:
    """Each delivered message's text, or its template's name."""
    return [str(d["text"]["body"]) if d["type"] == "text" else str(d["template"]["name"])
            for d in graph.delivered()]


def _schedule_flow(moment: datetime) -> str:
    """A flow scheduled daily at `moment`'s minute (UTC), which is already past."""
    return f"""\
flow: nightly
trigger:
  schedule: {{cron: "{moment.minute} {moment.hour} * * *"}}
steps:
  - {{id: tick, template: {{name: nightly_tick}}}}
"""


async def test_a_schedule_time_missed_while_down_ticks_once_across_restarts(
        tmp_path: Path, fresh_database: str) -> None:
    due = datetime.now(UTC) - timedelta(minutes=2)
    write_project(tmp_path, {"hello.yaml": GREETING, "nightly.yaml": _schedule_flow(due)},
                  project="shop: test_shop\ntimezone: UTC\n")
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        first = await start_service(tmp_path, graph, fresh_database, **FAST)
        assert await _signed(first.url, text_body("hi", 1, now=True)) == 200
        assert await delivered(graph, 1) == ["Hello"]  # the customer exists; no tick yet
        await first.stop(kill=True)
        # the service was down from before the schedule time: its cursor is older
        await _rows(fresh_database, "UPDATE schedule_cursors SET at = now() - interval "
                                    "'5 minutes' WHERE flow = 'nightly' RETURNING at")
        two = [await start_service(tmp_path, graph, fresh_database, **FAST) for _ in "ab"]
        try:
            await delivered(graph, 2)
            assert _sent(graph) == ["Hello", "nightly_tick"]
            await two[0].stop(kill=True)
            await asyncio.sleep(1.5)  # past the killed replica's leases: still once
        finally:
            await two[1].stop()
        third = await start_service(tmp_path, graph, fresh_database, **FAST)
        await asyncio.sleep(1.0)
        await third.stop()
        assert _sent(graph) == ["Hello", "nightly_tick"]
    cursor = await _rows(fresh_database, "SELECT at FROM schedule_cursors")
    assert cursor[0]["at"] == due.replace(second=0, microsecond=0)
