"""Webhook benchmark: signed webhooks acknowledged per second, beside a bare aiohttp handler.

Run by hand, never by pytest:  `.venv/bin/python -m bench.webhook [--seconds 5] [--concurrency 32]`.

Two servers run in child processes on 127.0.0.1, measured the same way in the same run:
- `bare`: an aiohttp handler that reads the body and answers 200;
- `ours`: the `wactl serve` application (signature check, parse, routing, the inbox
  write before the 200) on the in-memory store, and with `--database-url` on PostgreSQL
  too; its workers are not running, so the figure is the acknowledgement path alone.
The load comes from this process: `--concurrency` aiohttp clients posting the same kind
of signed text body (a new message id each time) for `--seconds`.  Printed: requests per
second, p50 and p99 latency, and ours as a share of bare (target: at least half).
End-to-end (webhook to reply at the Graph API) is not measured here yet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import statistics
import time
from typing import Any

import aiohttp
from aiohttp import web

SECRET = "bench-secret"
NUMBER = "114205938870312"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(n: int) -> bytes:
    message = {"from": "84912345678", "id": f"wamid.bench{n}", "timestamp": "1795560000",
               "type": "text", "text": {"body": "hello"}}
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "842873001122", "phone_number_id": NUMBER},
             "contacts": [{"profile": {"name": "Mai"}, "wa_id": "84912345678"}],
             "messages": [message]}
    data = {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}]}
    return json.dumps(data).encode()


def _serve_bare(port: int) -> None:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _serve_ours(port: int, database_url: str | None = None) -> None:
    from wactl.compiler import compile_project
    from wactl.runtime.memory import InMemoryChannel, UnavailableHttpClient
    from wactl.service.app import build_service, make_app
    from wactl.service.config import load_config

    flow = "flow: hi\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: s, send: Hi}\n"
    program = compile_project({"flows/hi.yaml": flow}).program
    assert program is not None
    env = {"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v", "WACTL_ACCESS_TOKEN": "t",
           "WACTL_PHONE_NUMBER_ID": NUMBER}
    config = load_config({**env, **({"DATABASE_URL": database_url} if database_url else {})})

    async def app() -> web.Application:
        service = await build_service(config, program, channel=InMemoryChannel(),
                                      http=UnavailableHttpClient())
        return make_app(service)

    web.run_app(app(), host="127.0.0.1", port=port, print=None, access_log=None)


async def _load(url: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    from wactl.service.webhook.signature import sign

    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def client(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < stop:
            data = _body(next(counter))
            headers = {"X-Hub-Signature-256": sign(SECRET, data),
                       "Content-Type": "application/json"}
            started = time.perf_counter()
            async with session.post(url, data=data, headers=headers) as answer:
                await answer.read()
                assert answer.status == 200, answer.status
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return len(latencies), latencies


async def _ready(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as answer:
                    await answer.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start")


def _measure(target: Any, seconds: float, concurrency: int, *extra: Any) -> dict[str, float]:
    port = _port()
    proc = multiprocessing.Process(target=target, args=(port, *extra), daemon=True)
    proc.start()
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_ready(f"{base}/healthz"))
        asyncio.run(_load(f"{base}/webhooks", 0.5, concurrency))  # warm up
        count, latencies = asyncio.run(_load(f"{base}/webhooks", seconds, concurrency))
    finally:
        proc.terminate()
        proc.join()
    latencies.sort()
    return {"rps": count / seconds, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", help="also measure ours on this PostgreSQL")
    args = parser.parse_args()
    rows = {"bare aiohttp": _measure(_serve_bare, args.seconds, args.concurrency),
            "ours (wactl serve)": _measure(_serve_ours, args.seconds, args.concurrency)}
    if args.database_url:
        rows["ours on PostgreSQL"] = _measure(_serve_ours, args.seconds, args.concurrency,
                                              args.database_url)
    print(f"{'server':22} {'acks/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in rows.items():
        print(f"{name:22} {row['rps']:9,.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}")
    for name in [n for n in rows if n.startswith("ours")]:
        share = rows[name]["rps"] / rows["bare aiohttp"]["rps"]
        print(f"{name} / bare = {share:.2f} (target >= 0.50): "
              f"{'PASS' if share >= 0.5 else 'MISS'}")


if __name__ == "__main__":
    main()
