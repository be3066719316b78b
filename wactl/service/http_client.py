"""The HTTP port on aiohttp: what a flow's `call` step really sends.

Used by `wactl simulate --live-http` and the service.  One request is tried once plus
`request.retries` more times when no answer came (timeout, connection failure) or
the server failed (5xx); a 4xx is the server's considered answer and is not retried.
That is the rule the test mocks follow too (`wactl.runtime.mocks`), so a test that
mocks a first failure behaves as the live call would.  Retries wait 0.5 s, 1.5 s,
4.5 s ... (`backoff` × 3ⁿ).

`request` never raises: every failure becomes `HttpResult.error` (`timeout`,
`connection`, or `refused` when the egress policy stood in the way), and the engine
takes the step's error branch.  Bodies are read up to `max_body` bytes and decoded with
the response's charset (UTF-8 by default, bad bytes replaced), so a huge or binary
answer cannot take the worker down.

The egress policy (`wactl.compiler.egress`, given to the constructor) is applied to the
URL before every request, to every address a host name resolves to when the connection
is made (a resolver that drops refused addresses, so a name pointing at 127.0.0.1 or at
the metadata service gets nowhere), and to every redirect target: redirects are
followed by hand, at most `MAX_REDIRECTS`, and when one changes the origin (scheme,
host, port) the flow's own headers — where its secrets travel — are left behind (a
307/308 that would carry a body to another origin is refused).  A
refusal is not retried and is logged (code `egress_refused`).  The client keeps no
cookies and ignores proxy settings from the environment, so nothing of one shop's
answers rides along with the next request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
from types import TracebackType

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from wactl.compiler.egress import MAX_REDIRECTS, EgressPolicy
from wactl.runtime.effects import HttpRequest
from wactl.runtime.events import HttpResult
from wactl.runtime.ports import http_result

MAX_BODY = 1_000_000
CHUNK = 65_536
JSON_TYPE = "application/json"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
KEEPS_METHOD = frozenset({307, 308})
log = logging.getLogger("wactl.http")


class EgressRefused(OSError):
    """The egress policy refused a URL or every address of a host; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PolicyResolver(AbstractResolver):
    """A resolver that drops the addresses the policy refuses; none left is a refusal.

    aiohttp connects only to the addresses its resolver returns, so this is where a
    name that resolves (or is rebound) to a private address is stopped.
    """

    def __init__(self, policy: EgressPolicy, inner: AbstractResolver) -> None:
        self.policy = policy
        self.inner = inner

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        problems = [self.policy.address_problem(ipaddress.ip_address(r["host"].split("%")[0]))
                    for r in found]
        kept = [r for r, problem in zip(found, problems, strict=True) if problem is None]
        if not kept:
            reason = next((p for p in problems if p), "no address")
            raise EgressRefused(f"`{host}` resolves to {reason}")
        return kept

    async def close(self) -> None:
        await self.inner.close()


class AiohttpHttpClient:
    """An `HttpClient` port that owns its session, its connector and its resolver.

    `resolver` is the name lookup under the policy (the system's by default; tests
    give one that maps test names to 127.0.0.1).
    """

    def __init__(self, policy: EgressPolicy | None = None, *, backoff: float = 0.5,
                 max_body: int = MAX_BODY, resolver: AbstractResolver | None = None) -> None:
        self.policy = policy or EgressPolicy()
        self._session: aiohttp.ClientSession | None = None
        self._resolver = resolver
        self.backoff = backoff
        self.max_body = max_body

    async def __aenter__(self) -> AiohttpHttpClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session (and with it the connector and the resolver)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, request: HttpRequest) -> HttpResult:
        """The answer to `request`, after the retries it asks for; never raises."""
        result = await self._attempt(request)
        for attempt in range(max(request.retries, 0)):
            if not retryable(result):
                break
            await asyncio.sleep(self.backoff * 3 ** attempt)
            result = await self._attempt(request)
        return result

    async def _attempt(self, request: HttpRequest) -> HttpResult:
        """One try: the status and body, or the error that stood in the way."""
        try:
            async with asyncio.timeout(request.timeout):
                return await self._exchange(request)
        except TimeoutError:
            return http_result(request, error="timeout")
        except EgressRefused as exc:
            return refused(request, exc.reason)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, EgressRefused):
                return refused(request, exc.os_error.reason)
            return http_result(request, error="connection")
        except (aiohttp.ClientError, OSError, ValueError):
            return http_result(request, error="connection")

    async def _exchange(self, request: HttpRequest) -> HttpResult:
        """The request and the redirects it meets, each target judged by the policy."""
        hop = Hop(request.method.upper(), wire_url(request.url), dict(request.headers), None)
        if request.body is not None:
            hop.data = json.dumps(request.body, ensure_ascii=False, default=str).encode()
            if not any(k.lower() == "content-type" for k in hop.headers):
                hop.headers["Content-Type"] = JSON_TYPE
        session = self._open()
        for _ in range(MAX_REDIRECTS + 1):
            self._judge(hop.url)
            async with session.request(hop.method, hop.url, headers=hop.headers, data=hop.data,
                                       allow_redirects=False) as response:
                target = response.headers.get("Location")
                if response.status not in REDIRECTS or target is None:
                    raw = await self._read(response)
                    return http_result(request, status=response.status,
                                       body=decode(raw, response.charset),
                                       content_type=response.headers.get("Content-Type", ""))
                hop = hop.redirected(response.status, target)
        raise EgressRefused(f"more than {MAX_REDIRECTS} redirects")

    def _judge(self, url: URL) -> None:
        problem = self.policy.url_problem(url.scheme, url.raw_host or "")
        if problem is not None:
            raise EgressRefused(problem)

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """The body, cut at `max_body` bytes."""
        parts: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK):
            parts.append(chunk[:self.max_body - size])
            size += len(parts[-1])
            if size >= self.max_body:
                break
        return b"".join(parts)

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            inner = self._resolver or aiohttp.DefaultResolver()
            connector = aiohttp.TCPConnector(resolver=PolicyResolver(self.policy, inner))
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)
        return self._session


class Hop:
    """One request of a chain of redirects: what is sent, and where."""

    def __init__(self, method: str, url: URL, headers: dict[str, str],
                 data: bytes | None) -> None:
        self.method, self.url, self.headers, self.data = method, url, headers, data

    def redirected(self, status: int, location: str) -> Hop:
        """The next request: 303 (and 301/302 after a POST) becomes a GET without body;
        a new origin gets none of the flow's headers, only the body's type.  A 307/308
        would take the body to the new origin, and a body can hold secrets as well as a
        header can: that redirect is refused."""
        target = self.url.join(URL(location))
        method, data = self.method, self.data
        if status not in KEEPS_METHOD and method != "HEAD":
            method, data = "GET", None
        headers = self.headers
        if origin(target) != origin(self.url):
            if data is not None:
                raise EgressRefused(f"a {status} redirect would take the body to another origin")
            headers = {}
        if data is None:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        elif not any(k.lower() == "content-type" for k in headers):
            headers = {**headers, "Content-Type": JSON_TYPE}
        return Hop(method, target, headers, data)


def origin(url: URL) -> tuple[str, str, int | None]:
    """Scheme, host and port: what decides whether headers may go along."""
    return url.scheme.lower(), (url.raw_host or "").lower(), url.port


def wire_url(text: str) -> URL:
    """The rendered URL as it will be sent: already encoded (`runtime/urls.py`), so
    not decoded again — no `%2E%2E` folded into `..` — and its host in IDNA."""
    url = URL(text, encoded=True)
    host = url.raw_host
    if host and not host.isascii():
        url = url.with_host(host)
    return url


def refused(request: HttpRequest, reason: str) -> HttpResult:
    """The policy said no: a logged `refused` result, never retried."""
    log.warning("call refused by the egress policy: %s", reason, extra={
        "code": "egress_refused", "method": request.method.upper()})
    return http_result(request, error="refused")


def retryable(result: HttpResult) -> bool:
    """No answer at all, or a server failure: worth another try (a refusal is final)."""
    if result.error == "refused":
        return False
    return result.error is not None or result.status >= 500


def decode(raw: bytes, charset: str | None) -> str:
    """Body text in the declared charset; UTF-8 when none or one Python does not know."""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")
