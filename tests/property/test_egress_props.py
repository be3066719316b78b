"""Arbitrary URLs and template values never produce a request to a refused address.

Three angles: template values cannot change the host, the path's segments or the
query's keys of the URL the merchant wrote (the result is parsed back with urllib, an
independent reader); every spelling of every IPv4 address the resolver would accept is
allowed only when `ipaddress` says the address is public; and the real HTTP client,
under the production rules, never delivers a request to a server on 127.0.0.1 however
the URL is written or whatever a name resolves to.  Only 127.0.0.0/8 is ever contacted.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.compiler.egress import EgressPolicy, literal_address
from wactl.runtime.effects import HttpRequest
from wactl.runtime.urls import render_url
from wactl.service.http_client import AiohttpHttpClient

values = st.text(max_size=40) | st.sampled_from([
    "../../admin/delete?force=1#", "..", ".", "@127.0.0.1:8080/", "a&b=c", "%2e%2e%2f",
    "x#y?z", "//evil.example", "\\..\\", "a b", "áo dài", "\x00\r\nHost: evil"])


@given(v=values, w=values, f=values)
def test_values_stay_in_their_path_segment_query_value_and_fragment(
        v: str, w: str, f: str) -> None:
    url = render_url("https://api.shop.example/orders/{{ v }}/items?q={{ w }}&page=2#{{ f }}",
                     {"v": v, "w": w, "f": f})
    parts = urlsplit(url)
    assert parts.hostname == "api.shop.example" and parts.port is None
    segments = parts.path.split("/")
    assert len(segments) == 4 and segments[:2] == ["", "orders"] and segments[3] == "items"
    assert unquote(segments[2]) == v and segments[2] not in (".", "..")
    assert parse_qsl(parts.query, keep_blank_values=True) == [("q", w), ("page", "2")]
    assert unquote(parts.fragment) == f


@given(s=values)
def test_values_in_the_host_part_cannot_make_another_host(s: str) -> None:
    for template, host in [("https://{{ s }}.shop.example/x", None),
                           ("https://user:{{ s }}@api.shop.example/x", "api.shop.example"),
                           ("https://api.shop.example:{{ s }}/x", None)]:
        url = render_url(template, {"s": s})
        netloc = urlsplit(url).netloc
        assert netloc.count("@") == template.count("@")
        if host is not None:
            assert urlsplit(url).hostname == host
        elif "{{ s }}." in template:
            assert netloc.endswith(".shop.example") and ":" not in netloc


@given(u=values)
def test_a_value_that_starts_the_url_carries_no_space_or_control_character(u: str) -> None:
    url = render_url("{{ u }}/orders?q={{ u }}", {"u": u})
    assert not any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url)
    assert url.endswith("/orders?q=" + render_url("https://x/?q={{ u }}", {"u": u})[len(
        "https://x/?q="):])


def _spellings(n: int) -> list[str]:
    """Ways the C resolver (inet_aton) and URL parsers accept to write IPv4 address n."""
    a, b, c, d = n.to_bytes(4, "big")
    return [f"{a}.{b}.{c}.{d}", str(n), hex(n), f"0{n:o}", f"{a}.{(b << 16) | (c << 8) | d}",
            f"{a}.{b}.{(c << 8) | d}", f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
            f"0{a:o}.0{b:o}.0{c:o}.0{d:o}", f"[::ffff:{a}.{b}.{c}.{d}]",
            f"[::ffff:{(a << 8) | b:x}:{(c << 8) | d:x}]", f"{a}.{b}.{c}.{d}."]


def _public(address: ipaddress.IPv4Address) -> bool:
    return address.is_global and not (address.is_multicast or address.is_reserved)


interesting = st.sampled_from([
    0x7F000001, 0x7F123456, 0, 0x0A000001, 0xA9FEA9FE, 0xAC100001, 0xC0A80101, 0x64646464C8,
]).map(lambda n: n & 0xFFFFFFFF) | st.integers(0, 2**32 - 1)


@given(n=interesting, scheme=st.sampled_from(["https", "HTTPS", "http"]))
def test_every_spelling_of_an_address_is_judged_as_that_address(n: int, scheme: str) -> None:
    address = ipaddress.IPv4Address(n)
    policy = EgressPolicy(allow_http=True)
    for host in _spellings(n):
        problem = policy.url_problem(scheme, host)
        if host.startswith("["):  # IPv4-mapped IPv6: never more allowed than the address
            assert problem is not None or _public(address), host
        else:
            assert (problem is None) == _public(address), (host, problem)
        assert literal_address(host.strip("[]")) in (address, ipaddress.ip_address(
            f"::ffff:{address}"))


# --------------------------------------------------------------------------- the client


class LoopbackDns(AbstractResolver):
    """Every name resolves to 127.0.0.1: DNS rebinding at its worst."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port,
                              family=socket.AF_INET, proto=0, flags=0)]

    async def close(self) -> None:
        return None


HITS = web.AppKey("hits", list)


async def _count(request: web.Request) -> web.Response:
    request.app[HITS].append(request.raw_path)
    return web.Response(status=302, headers={"Location": "http://127.0.0.1/"})


@pytest.fixture
async def target() -> AsyncIterator[tuple[int, list[str]]]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _count)
    hits: list[str] = []
    app[HITS] = hits
    runner = web.AppRunner(app, shutdown_timeout=0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield runner.addresses[0][1], hits
    await runner.cleanup()


loopback_hosts = st.integers(0, 2**24 - 1).flatmap(
    lambda low: st.sampled_from(_spellings(0x7F000000 | low))) | st.sampled_from([
        "localhost", "LocalHost.", "x.localhost", "0.0.0.0", "0", "[::1]", "[::]",
        "[::ffff:7f00:1]", "[0:0:0:0:0:0:0:1]"])
"""Only forms that mean this machine: were the policy broken, nothing outside would be hit
(6to4 and IPv4-compatible forms are judged in tests/unit/compiler/test_egress.py)."""
names = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}\Z")
schemes = st.sampled_from(["http", "https", "HTTP", "file", "gopher", "ftp", "ws", ""])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=schemes, host=loopback_hosts | names, value=values,
       userinfo=st.sampled_from(["", "user@", "user:pw@", "a@b@"]))
async def test_the_client_never_reaches_a_refused_address(
        target: tuple[int, list[str]], scheme: str, host: str, value: str,
        userinfo: str) -> None:
    port, hits = target
    url = render_url(f"{scheme}://{userinfo}{host}:{port}/p/{{{{ v }}}}?q={{{{ v }}}}",
                     {"v": value})
    async with AiohttpHttpClient(EgressPolicy(allow_http=True), backoff=0,
                                 resolver=LoopbackDns()) as http:
        result = await http.request(HttpRequest("r", "GET", url, timeout=5.0, retries=1))
    assert hits == [], (url, result)
    assert result.status == 0 and result.error in ("refused", "connection")
