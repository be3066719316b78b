"""`wactl serve` as a subprocess: signed webhooks in, replies at a fake Graph API.

The service runs on the in-memory stores here (no DATABASE_URL); the fake Graph API is
an aiohttp server on 127.0.0.1 speaking Meta's JSON (tests/fakes/graph_server.py).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID
from serve_helpers import SECRET, delivered, post, start_service, text_body, write_project

from wactl.service.webhook.signature import sign

pytestmark = pytest.mark.service


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as fake:
        yield fake


@pytest.fixture
async def service(tmp_path: Path, graph: FakeGraph) -> AsyncIterator[str]:
    write_project(tmp_path)
    served = await start_service(tmp_path, graph)
    try:
        yield served.url
    finally:
        await served.stop()


async def test_a_signed_message_is_answered_through_the_graph_api(
        service: str, graph: FakeGraph) -> None:
    first = text_body("hi", 1)
    assert await post(service, first, signature=sign(SECRET, first)) == 200
    assert await delivered(graph, 1) == ["Chào bạn! Bạn tên gì?"]
    second = text_body("Mai", 2)
    for _ in range(3):  # WhatsApp delivers a body more than once: answered once
        assert await post(service, second, signature=sign(SECRET, second)) == 200
    assert await delivered(graph, 2) == ["Chào bạn! Bạn tên gì?", "Rất vui được gặp Mai."]
    await asyncio.sleep(0.3)
    assert len(graph.delivered()) == 2


async def test_with_read_receipts_on_a_message_is_marked_read_before_the_reply(
        tmp_path: Path) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(tmp_path, graph, WACTL_MARK_READ="true")
        try:
            first = text_body("hi", 1)
            assert await post(served.url, first, signature=sign(SECRET, first)) == 200
            assert await delivered(graph, 1) == ["Chào bạn! Bạn tên gì?"]
        finally:
            await served.stop()
        bodies = [r.body or {} for r in graph.posts()]
        assert bodies[0] == {"messaging_product": "whatsapp", "status": "read",
                             "message_id": "wamid.serve1"}
        assert bodies[1].get("type") == "text"


async def test_bad_requests_get_their_status_and_nothing_is_answered(
        service: str, graph: FakeGraph) -> None:
    data = text_body("hi", 1)
    assert await post(service, data) == 401
    assert await post(service, data, signature="sha256=" + "0" * 64) == 401
    assert await post(service, data, signature="sha1=abc") == 401
    junk = b"{not json"
    assert await post(service, junk, signature=sign(SECRET, junk)) == 400
    huge = b" " * (2 * 1024 * 1024)
    assert await post(service, huge, signature=sign(SECRET, huge)) == 413
    other = data.replace(PHONE_NUMBER_ID.encode(), b"999999999")
    assert await post(service, other, signature=sign(SECRET, other)) == 200
    await asyncio.sleep(0.3)
    assert graph.delivered() == []
    async with aiohttp.ClientSession() as session:
        query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                 "hub.challenge": "1158201444"}
        async with session.get(f"{service}/webhooks", params=query) as answer:
            assert (answer.status, await answer.text()) == (200, "1158201444")
        query["hub.verify_token"] = "wrong"
        async with session.get(f"{service}/webhooks", params=query) as answer:
            assert answer.status == 403
        async with session.get(f"{service}/healthz") as answer:
            assert answer.status == 200
        async with session.get(f"{service}/readyz") as answer:
            assert answer.status == 200


def test_missing_configuration_is_named_at_once(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("WACTL_")}
    done = subprocess.run([sys.executable, "-m", "wactl.cli", "serve", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    for name in ("WACTL_APP_SECRET", "WACTL_VERIFY_TOKEN", "WACTL_ACCESS_TOKEN",
                 "WACTL_PHONE_NUMBER_ID"):
        assert f"{name} is missing" in done.stderr
