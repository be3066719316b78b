"""`wactl serve` as a subprocess: signed webhooks in, replies at a fake Graph API.

The service runs on the in-memory stores here (no DATABASE_URL); the fake Graph API is
an aiohttp server on 127.0.0.1 speaking Meta's JSON (tests/fakes/graph_server.py).
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID, body, message

from wactl.service.webhook.signature import sign

SECRET = "app-secret-for-tests"
FLOW = """
flow: hello
trigger: {keyword: [hi]}
steps:
  - id: ask
    ask: "Chào bạn! Bạn tên gì?"
    save: name
  - id: greet
    send: "Rất vui được gặp {{ name }}."
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as fake:
        yield fake


@pytest.fixture
async def service(tmp_path: Path, graph: FakeGraph) -> AsyncIterator[str]:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "hello.yaml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "wactl.yaml").write_text("shop: test_shop\n", encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "verify-me",
                "WACTL_ACCESS_TOKEN": graph.access_token,
                "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                "WACTL_GRAPH_API_BASE": graph.base_url, "WACTL_PORT": str(port)})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wactl.cli", "serve", "flows", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    seen: list[bytes] = []
    try:
        while True:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            seen.append(line)
            assert line, b"".join(seen).decode()
            if b"listening on" in line:
                break
        drain = asyncio.create_task(proc.stdout.read())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
        if "drain" in locals():
            await drain


async def _post(url: str, data: bytes, *, signature: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with aiohttp.ClientSession() as session, \
            session.post(f"{url}/webhooks", data=io.BytesIO(data), headers=headers) as answer:
        return answer.status


async def _delivered(graph: FakeGraph, count: int) -> list[str]:
    for _ in range(400):
        texts = [d.get("text", {}).get("body", "") for d in graph.delivered()]
        if len(texts) >= count:
            return texts
        await asyncio.sleep(0.05)
    return [d.get("text", {}).get("body", "") for d in graph.delivered()]


def _text(text: str, n: int) -> bytes:
    return body(message("text", {"body": text}, id=f"wamid.serve{n}"))


async def test_a_signed_message_is_answered_through_the_graph_api(
        service: str, graph: FakeGraph) -> None:
    first = _text("hi", 1)
    assert await _post(service, first, signature=sign(SECRET, first)) == 200
    assert await _delivered(graph, 1) == ["Chào bạn! Bạn tên gì?"]
    second = _text("Mai", 2)
    for _ in range(3):  # WhatsApp delivers a body more than once: answered once
        assert await _post(service, second, signature=sign(SECRET, second)) == 200
    assert await _delivered(graph, 2) == ["Chào bạn! Bạn tên gì?", "Rất vui được gặp Mai."]
    await asyncio.sleep(0.3)
    assert len(graph.delivered()) == 2


async def test_bad_requests_get_their_status_and_nothing_is_answered(
        service: str, graph: FakeGraph) -> None:
    data = _text("hi", 1)
    assert await _post(service, data) == 401
    assert await _post(service, data, signature="sha256=" + "0" * 64) == 401
    assert await _post(service, data, signature="sha1=abc") == 401
    junk = b"{not json"
    assert await _post(service, junk, signature=sign(SECRET, junk)) == 400
    huge = b" " * (2 * 1024 * 1024)
    assert await _post(service, huge, signature=sign(SECRET, huge)) == 413
    other = data.replace(PHONE_NUMBER_ID.encode(), b"999999999")
    assert await _post(service, other, signature=sign(SECRET, other)) == 200
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
