"""Each SSRF trick against real aiohttp servers on 127.0.0.1 that must not be reached.

Two servers: `shop` plays the merchant's API (reachable only where a test's policy says
so), `inner` plays what an attacker wants to reach (the admin port, another service on
the machine).  Every test asserts what `inner` received — nothing — besides the result.
Names are resolved by `NameResolver` (only `*.test` names, all to 127.0.0.1), so no
test looks anything up in DNS or contacts an address outside 127.0.0.0/8.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from wactl.compiler.egress import MAX_REDIRECTS, EgressPolicy
from wactl.runtime.effects import HttpRequest
from wactl.runtime.urls import render_url
from wactl.service.http_client import AiohttpHttpClient


@dataclass
class Site:
    port: int = 0
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    """(method, raw path with query, headers, body) of every request that arrived."""


SITE = web.AppKey("site", Site)


async def _record(request: web.Request) -> web.Response:
    site = request.app[SITE]
    site.seen.append((request.method, request.raw_path, dict(request.headers),
                      await request.read()))
    to = "/loop" if request.path == "/loop" else request.query.get("to")
    if to is not None:
        return web.Response(status=int(request.query.get("code", "302")),
                            headers={"Location": to})
    return web.json_response({"ok": True})


async def _site() -> tuple[web.AppRunner, Site]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _record)
    site = app[SITE] = Site()
    runner = web.AppRunner(app, shutdown_timeout=0)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.port = runner.addresses[0][1]
    return runner, site


@pytest.fixture
async def shop() -> AsyncIterator[Site]:
    runner, site = await _site()
    yield site
    await runner.cleanup()


@pytest.fixture
async def inner() -> AsyncIterator[Site]:
    runner, site = await _site()
    yield site
    await runner.cleanup()


class NameResolver(AbstractResolver):
    """`*.test` names resolve to 127.0.0.1 (as a rebound DNS name would); others fail."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if not host.endswith(".test"):
            raise OSError(f"no such test name: {host}")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port,
                              family=socket.AF_INET, proto=0, flags=0)]

    async def close(self) -> None:
        return None


def _client(policy: EgressPolicy) -> AiohttpHttpClient:
    return AiohttpHttpClient(policy, backoff=0, resolver=NameResolver())


def _get(url: str, headers: dict[str, str] | None = None, **kw: object) -> HttpRequest:
    return HttpRequest("req1", str(kw.get("method", "GET")), url, headers or {},
                       kw.get("body"), 5.0, int(str(kw.get("retries", 0))))


PUBLIC_HTTP = EgressPolicy(allow_http=True)
"""Production rules but plain http allowed, so the address is what gets refused."""


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1.2.3", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0x7f.1", "127.1",
    "2130706433", "017700000001", "0.0.0.0", "[::]", "localhost", "LOCALHOST.",
    "api.localhost"])
async def test_this_machine_is_refused_however_it_is_written(inner: Site, host: str) -> None:
    async with _client(PUBLIC_HTTP) as http:
        result = await http.request(_get(f"http://{host}:{inner.port}/admin/delete", retries=3))
    assert (result.error, result.status) == ("refused", 0)
    assert inner.seen == []


async def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(inner: Site) -> None:
    resolver = NameResolver()
    async with AiohttpHttpClient(PUBLIC_HTTP, resolver=resolver) as http:
        result = await http.request(_get(f"http://api.shop.test:{inner.port}/admin"))
    assert result.error == "refused"
    assert resolver.asked == ["api.shop.test"]  # it was looked up, then refused
    assert inner.seen == []


async def test_the_same_name_is_reached_when_local_is_allowed(inner: Site) -> None:
    async with _client(EgressPolicy(allow_local=True, allow_http=True)) as http:
        result = await http.request(_get(f"http://api.shop.test:{inner.port}/ok"))
    assert (result.status, result.error) == (200, None)
    assert [s[1] for s in inner.seen] == ["/ok"]


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "gopher://127.0.0.1:{port}/_GET", "ftp://127.0.0.1:{port}/x",
    "http://127.0.0.1:{port}/x", "ws://127.0.0.1:{port}/x", "//127.0.0.1:{port}/x"])
async def test_other_schemes_and_plain_http_are_refused(inner: Site, url: str) -> None:
    async with _client(EgressPolicy(allow_local=False)) as http:
        result = await http.request(_get(url.format(port=inner.port)))
    assert result.error == "refused"
    assert inner.seen == []


def _allow_shop(*hosts: str) -> EgressPolicy:
    """The shop's API host(s) listed, local allowed so the test servers can play them."""
    return EgressPolicy(frozenset(hosts or ("shop.test",)), allow_http=True, allow_local=True)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/admin", "http://inner.test:{port}/admin", "//127.0.0.1:{port}/x",
    "http://localhost:{port}/admin", "file:///etc/passwd"])
async def test_a_redirect_to_a_host_not_allowed_is_refused(
        shop: Site, inner: Site, code: int, target: str) -> None:
    location = target.format(port=inner.port)
    async with _client(_allow_shop()) as http:
        result = await http.request(_get(
            f"http://shop.test:{shop.port}/go?code={code}&to={location}",
            {"X-Api-Key": "k-123"}))
    assert result.error == "refused"
    assert len(shop.seen) == 1 and inner.seen == []


async def test_redirects_stop_after_the_limit(shop: Site) -> None:
    async with _client(_allow_shop()) as http:
        result = await http.request(_get(f"http://shop.test:{shop.port}/loop"))
    assert result.error == "refused"
    assert len(shop.seen) == MAX_REDIRECTS + 1


async def test_secret_headers_stay_behind_when_the_origin_changes(
        shop: Site, inner: Site) -> None:
    secrets = {"X-Api-Key": "k-123", "Authorization": "Bearer tok", "Cookie": "s=1",
               "X-Shop-Token": "t-9"}
    target = f"http://inner.test:{inner.port}/landing"
    async with _client(_allow_shop("shop.test", "inner.test")) as http:
        result = await http.request(_get(
            f"http://shop.test:{shop.port}/go?code=307&to={target}", secrets))
    assert (result.status, result.error) == (200, None)
    assert all(shop.seen[0][2].get(k) == v for k, v in secrets.items())
    method, path, headers, _ = inner.seen[0]
    assert (method, path) == ("GET", "/landing")
    assert not {k.lower() for k in headers} & {k.lower() for k in secrets}


@pytest.mark.parametrize("code", [307, 308])
async def test_a_body_is_never_carried_to_another_origin(
        shop: Site, inner: Site, code: int) -> None:
    target = f"http://inner.test:{inner.port}/landing"
    async with _client(_allow_shop("shop.test", "inner.test")) as http:
        result = await http.request(_get(
            f"http://shop.test:{shop.port}/go?code={code}&to={target}", method="POST",
            body={"api_key": "k-123"}))
    assert result.error == "refused"
    assert len(shop.seen) == 1 and inner.seen == []


async def test_a_307_on_the_same_origin_keeps_method_and_body(shop: Site) -> None:
    async with _client(_allow_shop()) as http:
        result = await http.request(_get(
            f"http://shop.test:{shop.port}/old?code=307&to=/new", method="POST",
            body={"order": 1}))
    assert result.status == 200
    method, path, headers, body = shop.seen[1]
    assert (method, path, body) == ("POST", "/new", b'{"order": 1}')
    assert headers["Content-Type"] == "application/json"


async def test_a_redirect_on_the_same_origin_keeps_the_headers(shop: Site) -> None:
    async with _client(_allow_shop()) as http:
        result = await http.request(_get(
            f"http://shop.test:{shop.port}/old?to=/new", {"X-Api-Key": "k-123"}))
    assert result.status == 200
    assert [s[1] for s in shop.seen] == ["/old?to=/new", "/new"]
    assert shop.seen[1][2]["X-Api-Key"] == "k-123"


async def test_another_port_is_another_origin(shop: Site, inner: Site) -> None:
    async with _client(EgressPolicy(allow_http=True, allow_local=True)) as http:
        result = await http.request(_get(
            f"http://127.0.0.1:{shop.port}/go?code=302&to=http://127.0.0.1:{inner.port}/x",
            {"X-Api-Key": "k-123"}, method="POST", body={"a": 1}))
    assert result.status == 200
    method, _, headers, body = inner.seen[0]
    assert (method, body) == ("GET", b"")  # a 302 after a POST is a GET without body
    assert "X-Api-Key" not in headers and "Content-Type" not in headers


async def test_a_refusal_is_logged_and_not_retried(
        inner: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wactl.http")
    async with _client(PUBLIC_HTTP) as http:
        result = await http.request(_get(f"http://127.0.0.1:{inner.port}/x", retries=5))
    assert result.error == "refused"
    [record] = [r for r in caplog.records if getattr(r, "code", None) == "egress_refused"]
    assert "127.0.0.1 is a loopback address" in record.getMessage()


# --------------------------------------------------------------------------- templates


async def test_path_traversal_in_a_template_value_stays_in_its_segment(shop: Site) -> None:
    url = render_url(f"http://shop.test:{shop.port}/orders/{{{{ order_id }}}}/status",
                     {"order_id": "../../admin/delete?force=1#"})
    async with _client(_allow_shop()) as http:
        result = await http.request(_get(url, {"Authorization": "Bearer tok"}))
    assert result.status == 200
    [(_, path, _, _)] = shop.seen
    assert path == "/orders/..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23/status"


@pytest.mark.parametrize("value", ["..", ".", "%2e%2e", "%2E%2E%2F"])
async def test_a_dot_segment_value_cannot_climb(shop: Site, value: str) -> None:
    url = render_url(f"http://shop.test:{shop.port}/api/orders/{{{{ v }}}}/x", {"v": value})
    async with _client(_allow_shop()) as http:
        await http.request(_get(url))
    [(_, path, _, _)] = shop.seen
    assert path.startswith("/api/orders/") and path.endswith("/x")
    assert path.count("/") == 4


async def test_a_query_value_cannot_add_parameters(shop: Site) -> None:
    url = render_url(f"http://shop.test:{shop.port}/search?q={{{{ q }}}}&page=1",
                     {"q": "áo&admin=1#x"})
    async with _client(_allow_shop()) as http:
        await http.request(_get(url))
    [(_, path, _, _)] = shop.seen
    assert path == "/search?q=%C3%A1o%26admin%3D1%23x&page=1"


@pytest.mark.parametrize("template", [
    "http://{{ sub }}.shop.test:{port}/x", "http://shop.test{{ sub }}:{port}/x",
    "http://user:{{ sub }}@shop.test:{port}/x"])
async def test_an_at_sign_in_the_host_part_cannot_change_the_host(
        shop: Site, inner: Site, template: str) -> None:
    url = render_url(template.replace("{port}", str(shop.port)),
                     {"sub": f"@127.0.0.1:{inner.port}/"})
    async with _client(EgressPolicy(allow_http=True, allow_local=True)) as http:
        result = await http.request(_get(url, {"Authorization": "Bearer tok"}))
    assert inner.seen == []
    assert [s[1] for s in shop.seen] in ([], ["/x"])  # the host written, or none at all
    assert result.error in (None, "connection")


class MixedDns(AbstractResolver):
    """A name with a public and a private address (a half-rebound DNS record)."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host=h, port=port, family=socket.AF_INET,
                              proto=0, flags=0) for h in ("10.0.0.7", "93.184.216.34")]

    async def close(self) -> None:
        return None


async def test_the_resolver_keeps_only_the_allowed_addresses() -> None:
    from wactl.service.http_client import EgressRefused, PolicyResolver

    kept = await PolicyResolver(EgressPolicy(), MixedDns()).resolve("api.shop.example", 443)
    assert [r["host"] for r in kept] == ["93.184.216.34"]
    with pytest.raises(EgressRefused, match="resolves to 127.0.0.1 is a loopback"):
        await PolicyResolver(EgressPolicy(), NameResolver()).resolve("a.test", 443)
