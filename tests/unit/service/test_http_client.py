"""The aiohttp HTTP port against a tiny aiohttp server on 127.0.0.1 (port 0).

The client is given a policy that allows this machine (`allow_local`), as
`wactl simulate --allow-local-http` does; the egress rules have their own tests.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from wactl.compiler.egress import EgressPolicy
from wactl.runtime.effects import HttpRequest
from wactl.runtime.ports import HttpClient
from wactl.service.http_client import AiohttpHttpClient

LOCAL = EgressPolicy(allow_local=True)


@dataclass
class Server:
    base: str
    hits: dict[str, int] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at teardown: lets a stalled handler end so the server can shut down."""


SERVER = web.AppKey("server", Server)


async def _echo(request: web.Request) -> web.Response:
    server: Server = request.app[SERVER]
    body = await request.read()
    server.seen.append((request.method, dict(request.headers), body))
    payload = {"method": request.method, "json": json.loads(body) if body else None}
    return web.json_response(payload)


async def _flaky(request: web.Request) -> web.Response:
    """500 on the first hit of each path, 200 after."""
    server: Server = request.app[SERVER]
    count = server.hits[request.path] = server.hits.get(request.path, 0) + 1
    if count == 1:
        return web.Response(status=500, text="boom")
    return web.json_response({"try": count})


async def _status(request: web.Request) -> web.Response:
    server: Server = request.app[SERVER]
    server.hits[request.path] = server.hits.get(request.path, 0) + 1
    return web.Response(status=int(request.match_info["code"]), text="no")


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html><body>maintenance</body></html>", content_type="text/html")


async def _big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 200_000, content_type="text/plain")


async def _latin(request: web.Request) -> web.Response:
    return web.Response(body="café".encode("latin-1"), headers={
        "Content-Type": "text/plain; charset=latin-1"})


async def _stall(request: web.Request) -> web.Response:
    await request.app[SERVER].release.wait()  # no answer before the client's timeout
    return web.Response(text="too late")


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/flaky/{name}", _flaky)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/html", _html)
    app.router.add_get("/big", _big)
    app.router.add_get("/latin", _latin)
    app.router.add_get("/stall", _stall)
    state = app[SERVER] = Server("")
    runner = web.AppRunner(app, shutdown_timeout=0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base = f"http://{host}:{port}"
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[AiohttpHttpClient]:
    async with AiohttpHttpClient(LOCAL, backoff=0) as http:
        yield http


def _get(url: str, *, retries: int = 0, timeout: float = 10.0) -> HttpRequest:
    return HttpRequest("req1", "GET", url, retries=retries, timeout=timeout)


async def test_post_sends_json_and_returns_status_body_and_type(
        server: Server, client: AiohttpHttpClient) -> None:
    request = HttpRequest("r7", "post", f"{server.base}/echo", headers={"X-Shop": "demo"},
                          body={"order": 10423, "name": "Lan"})
    result = await client.request(request)
    assert result.request_id == "r7" and result.error is None
    assert result.status == 200
    assert result.content_type.startswith("application/json")
    assert json.loads(result.body) == {"method": "POST", "json": {"order": 10423, "name": "Lan"}}
    method, headers, _ = server.seen[0]
    assert headers["X-Shop"] == "demo" and headers["Content-Type"] == "application/json"


async def test_a_get_without_body_sends_none(server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/echo"))
    assert json.loads(result.body) == {"method": "GET", "json": None}
    assert server.seen[0][2] == b""


async def test_a_5xx_is_retried_as_many_times_as_asked(
        server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/flaky/a", retries=1))
    assert (result.status, json.loads(result.body)) == (200, {"try": 2})
    no_retry = await client.request(_get(f"{server.base}/flaky/b"))
    assert (no_retry.status, no_retry.body) == (500, "boom")
    assert server.hits == {"/flaky/a": 2, "/flaky/b": 1}


async def test_a_4xx_is_an_answer_not_retried(server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/status/404", retries=3))
    assert (result.status, result.body, result.error) == (404, "no", None)
    assert server.hits == {"/status/404": 1}


async def test_a_persistent_5xx_gives_up_after_the_retries(
        server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/status/503", retries=2))
    assert result.status == 503
    assert server.hits == {"/status/503": 3}


async def test_html_comes_back_as_text_with_its_type(
        server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/html"))
    assert result.status == 200 and "maintenance" in result.body
    assert result.content_type.startswith("text/html")


async def test_a_huge_body_is_cut(server: Server) -> None:
    async with AiohttpHttpClient(LOCAL, max_body=1000) as http:
        result = await http.request(_get(f"{server.base}/big"))
    assert result.status == 200 and result.body == "x" * 1000


async def test_the_declared_charset_decodes_the_body(
        server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/latin"))
    assert result.body == "café"


async def test_no_answer_in_time_is_a_timeout(server: Server, client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"{server.base}/stall", timeout=0.05))
    assert (result.status, result.error, result.request_id) == (0, "timeout", "req1")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_refused_connection_is_a_connection_error(client: AiohttpHttpClient) -> None:
    result = await client.request(_get(f"http://127.0.0.1:{_closed_port()}/x", retries=2))
    assert (result.status, result.error) == (0, "connection")


@pytest.mark.parametrize(("url", "error"), [
    ("not a url", "refused"), ("ftp://127.0.0.1/x", "refused"), ("http://", "refused"),
    ("https://[::1", "connection"), ("http://127.0.0.1:99999/x", "connection")])
async def test_a_malformed_url_never_raises(client: AiohttpHttpClient, url: str,
                                            error: str) -> None:
    result = await client.request(_get(url))
    assert result.error == error


async def test_the_client_can_be_used_again_after_close(server: Server) -> None:
    http = AiohttpHttpClient(LOCAL)
    assert (await http.request(_get(f"{server.base}/echo"))).status == 200
    await http.close()
    assert (await http.request(_get(f"{server.base}/echo"))).status == 200
    await http.close()


def test_it_is_an_http_client_port() -> None:
    port: HttpClient = AiohttpHttpClient(LOCAL)
    assert callable(port.request)
