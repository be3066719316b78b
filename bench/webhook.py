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

`--end-to-end` measures messages per second from webhook to reply: the service with its
workers running (in memory, and on `--database-url`), a fake Graph API in a third
process that accepts each send and then posts the three status webhooks WhatsApp sends
for it (sent, delivered, read), signed, back to the service.  The load generator posts
`--messages` "hi" messages from distinct customers; the rate is messages over the time
from the first post until the fake Graph API holds every reply (target: 1,000/s, the
most WhatsApp lets one number send).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import socket
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

SECRET = "bench-secret"
NUMBER = "114205938870312"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(n: int, customer: str = "84912345678", text: str = "hello") -> bytes:
    message = {"from": customer, "id": f"wamid.bench{n}", "timestamp": "1795560000",
               "type": "text", "text": {"body": text}}
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "842873001122", "phone_number_id": NUMBER},
             "contacts": [{"profile": {"name": "Mai"}, "wa_id": customer}],
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


def _serve_graph(port: int, service_url: Any, counter: Any) -> None:
    """A fake Graph API: accept each send, then post its three statuses to the service."""
    from wactl.service.webhook.signature import sign

    ids = iter(range(10**9))
    pending: set[asyncio.Task[None]] = set()

    async def statuses(session: aiohttp.ClientSession, wamid: str, to: str) -> None:
        for status in ("sent", "delivered", "read"):
            value = {"messaging_product": "whatsapp",
                     "metadata": {"display_phone_number": "842873001122",
                                  "phone_number_id": NUMBER},
                     "statuses": [{"id": wamid, "status": status, "timestamp": "1795560001",
                                   "recipient_id": to}]}
            data = json.dumps({"object": "whatsapp_business_account", "entry": [
                {"id": "1", "changes": [{"value": value, "field": "messages"}]}]}).encode()
            headers = {"X-Hub-Signature-256": sign(SECRET, data),
                       "Content-Type": "application/json"}
            async with session.post(f"{service_url.value.decode()}/webhooks", data=data,
                                    headers=headers) as answer:
                await answer.read()

    async def messages(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("status") == "read":  # a read receipt, not a message
            return web.json_response({"success": True})
        wamid = f"wamid.bench{next(ids)}"
        with counter.get_lock():
            counter.value += 1
        task = asyncio.create_task(statuses(request.app["session"], wamid, str(body["to"])))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                  "messages": [{"id": wamid}]})

    async def app() -> web.Application:
        application = web.Application()
        application["session"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=16))
        application.router.add_post("/v21.0/{number}/messages", messages)
        return application

    web.run_app(app(), host="127.0.0.1", port=port, print=None, access_log=None)


def _serve_live(port: int, graph_port: int, database_url: str | None) -> None:
    """`wactl serve` with its workers, sending to the fake Graph API."""
    from wactl.compiler import compile_project
    from wactl.service.app import build_service, serve
    from wactl.service.config import load_config

    flow = "flow: hi\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: s, send: Hi}\n"
    program = compile_project({"flows/hi.yaml": flow}).program
    assert program is not None
    env = {"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v", "WACTL_ACCESS_TOKEN": "t",
           "WACTL_PHONE_NUMBER_ID": NUMBER, "WACTL_SEND_RATE": "10000",
           "WACTL_GRAPH_API_BASE": f"http://127.0.0.1:{graph_port}/v21.0",
           **({"DATABASE_URL": database_url} if database_url else {})}

    async def main() -> None:
        service = await build_service(load_config(env), program)
        await serve(service, "127.0.0.1", port, asyncio.Event())

    asyncio.run(main())


def _end_to_end(messages: int, concurrency: int, database_url: str | None) -> dict[str, float]:
    port, graph_port = _port(), _port()
    shared_url = multiprocessing.Array("c", f"http://127.0.0.1:{port}".encode())
    delivered = multiprocessing.Value("l", 0)
    graph = multiprocessing.Process(target=_serve_graph, args=(graph_port, shared_url,
                                                               delivered), daemon=True)
    service = multiprocessing.Process(target=_serve_live, args=(port, graph_port, database_url),
                                      daemon=True)
    graph.start()
    service.start()
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_ready(f"{base}/healthz"))
        started = time.perf_counter()
        asyncio.run(_post_all(f"{base}/webhooks", messages, concurrency))
        acked = time.perf_counter()
        while delivered.value < messages and time.perf_counter() - started < 300:
            time.sleep(0.01)
        done = time.perf_counter()
    finally:
        service.terminate()
        graph.terminate()
        service.join()
        graph.join()
    return {"messages": float(delivered.value), "acked_s": acked - started,
            "rate": delivered.value / (done - started)}


async def _post_all(url: str, messages: int, concurrency: int) -> None:
    """Post `messages` "hi" bodies from distinct customers, `concurrency` at a time."""
    from wactl.service.webhook.signature import sign

    numbers = iter(range(messages))

    async def client(session: aiohttp.ClientSession) -> None:
        for n in numbers:
            data = _body(n, customer=f"849{n:08d}", text="hi")
            headers = {"X-Hub-Signature-256": sign(SECRET, data),
                       "Content-Type": "application/json"}
            async with session.post(url, data=data, headers=headers) as answer:
                await answer.read()
                assert answer.status == 200, answer.status

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))


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
    parser.add_argument("--end-to-end", action="store_true",
                        help="also measure webhook-to-reply messages per second")
    parser.add_argument("--messages", type=int, default=3000,
                        help="messages the end-to-end run posts")
    args = parser.parse_args()
    if args.end_to_end:
        _print_end_to_end(args.messages, args.concurrency, args.database_url)
    rows = {"bare aiohttp": _measure(_serve_bare, args.seconds, args.concurrency),
            "ours (wactl serve)": _measure(_serve_ours, args.seconds, args.concurrency)}
    if args.database_url:
        with _fresh_database(args.database_url) as url:
            rows["ours on PostgreSQL"] = _measure(_serve_ours, args.seconds, args.concurrency,
                                                  url)
    print(f"{'server':22} {'acks/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in rows.items():
        print(f"{name:22} {row['rps']:9,.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}")
    for name in [n for n in rows if n.startswith("ours")]:
        share = rows[name]["rps"] / rows["bare aiohttp"]["rps"]
        print(f"{name} / bare = {share:.2f} (target >= 0.50): "
              f"{'PASS' if share >= 0.5 else 'MISS'}")


@contextlib.contextmanager
def _fresh_database(url: str | None) -> Iterator[str | None]:
    """A new database on the server of `url` for one measurement (a backlog left by an
    earlier run must not slow this one), dropped after."""
    if url is None:
        yield None
        return
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _print_end_to_end(messages: int, concurrency: int, database_url: str | None) -> None:
    stores = {"in memory": None, **({"on PostgreSQL": database_url} if database_url else {})}
    print(f"end to end, {messages:,} messages + 3 status webhooks each")
    print(f"{'store':14} {'replies':>8} {'acked in s':>10} {'msgs/s':>8}")
    for name, server in stores.items():
        with _fresh_database(server) as url:
            row = _end_to_end(messages, concurrency, url)
        verdict = "PASS" if row["rate"] >= 1000 and row["messages"] == messages else "MISS"
        print(f"{name:14} {row['messages']:8,.0f} {row['acked_s']:10.2f} {row['rate']:8,.0f}"
              f"  (target >= 1,000 msgs/s): {verdict}")


if __name__ == "__main__":
    main()
