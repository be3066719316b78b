"""`wactl serve` as a subprocess for the end-to-end tests, and webhook helpers."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID, body, message

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_project(root: Path, flows: dict[str, str] | None = None,
                  project: str = "shop: test_shop\n") -> None:
    """A shop project in `root`: `flows` (file name → text) or the `hello` flow."""
    (root / "flows").mkdir(exist_ok=True)
    for name, text in (flows or {"hello.yaml": FLOW}).items():
        (root / "flows" / name).write_text(text, encoding="utf-8")
    (root / "wactl.yaml").write_text(project, encoding="utf-8")


@dataclass
class Served:
    """A running `wactl serve`: its URL and process."""

    url: str
    proc: asyncio.subprocess.Process
    drain: asyncio.Task[bytes]

    async def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)
        await self.drain


async def start_service(root: Path, graph: FakeGraph, database_url: str | None = None,
                        **settings: str) -> Served:
    """Start `wactl serve flows` in `root` against `graph`; returns once it listens.
    `settings` are more environment variables (`WACTL_LEASE_SECONDS="1"`, ...)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "verify-me",
                "WACTL_ACCESS_TOKEN": graph.access_token,
                "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                "WACTL_GRAPH_API_BASE": graph.base_url, "WACTL_PORT": str(port)})
    env["WACTL_MARK_READ"] = "false"  # the tests of sends count posts; one test turns it on
    env.update(settings)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wactl.cli", "serve", "flows", cwd=root, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    seen: list[bytes] = []
    while True:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        seen.append(line)
        assert line, b"".join(seen).decode()
        if b"listening on" in line:
            break
    return Served(f"http://127.0.0.1:{port}", proc, asyncio.create_task(proc.stdout.read()))


async def post(url: str, data: bytes, *, signature: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with aiohttp.ClientSession() as session, \
            session.post(f"{url}/webhooks", data=io.BytesIO(data), headers=headers) as answer:
        return answer.status


def texts(graph: FakeGraph) -> list[str]:
    return [str(d.get("text", {}).get("body", "")) for d in graph.delivered()]


async def delivered(graph: FakeGraph, count: int) -> list[str]:
    """What the fake Graph API got, once it has `count` messages (or after 20 s)."""
    for _ in range(400):
        if len(texts(graph)) >= count:
            break
        await asyncio.sleep(0.05)
    return texts(graph)


def text_body(text: str, n: int, *, now: bool = False) -> bytes:
    """A text message body; with `now`, stamped with the current time (a flow's `wait`
    counts from the message's time, so an old stamp would make it due at once)."""
    stamp = {"timestamp": str(int(time.time()))} if now else {}
    return body(message("text", {"body": text}, id=f"wamid.serve{n}", **stamp))
