"""The HTTP port on aiohttp: what a flow's `call` step really sends.

Used by `wactl simulate --live-http` and the service.  One request is tried once plus
`request.retries` more times when no answer came (timeout, connection failure) or
the server failed (5xx); a 4xx is the server's considered answer and is not retried.
That is the rule the test mocks follow too (`wactl.runtime.mocks`), so a test that
mocks a first failure behaves as the live call would.  Retries wait 0.5 s, 1.5 s,
4.5 s ... (`backoff` × 3ⁿ).

`request` never raises: every failure becomes `HttpResult.error` (`timeout` or
`connection`), and the engine takes the step's error branch.  Bodies are read up to
`max_body` bytes and decoded with the response's charset (UTF-8 by default, bad bytes
replaced), so a huge or binary answer cannot take the worker down.
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType

import aiohttp

from wactl.runtime.effects import HttpRequest
from wactl.runtime.events import HttpResult
from wactl.runtime.ports import http_result

MAX_BODY = 1_000_000
CHUNK = 65_536
JSON_TYPE = "application/json"


class AiohttpHttpClient:
    """An `HttpClient` port; owns its session unless one is given."""

    def __init__(self, session: aiohttp.ClientSession | None = None, *,
                 backoff: float = 0.5, max_body: int = MAX_BODY) -> None:
        self._session = session
        self._owned = session is None
        self.backoff = backoff
        self.max_body = max_body

    async def __aenter__(self) -> AiohttpHttpClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client opened it."""
        if self._owned and self._session is not None:
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
        except (aiohttp.ClientError, OSError, ValueError):
            return http_result(request, error="connection")

    async def _exchange(self, request: HttpRequest) -> HttpResult:
        headers = dict(request.headers)
        data: bytes | None = None
        if request.body is not None:
            data = json.dumps(request.body, ensure_ascii=False, default=str).encode()
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = JSON_TYPE
        session = self._open()
        async with session.request(request.method.upper(), request.url, headers=headers,
                                   data=data) as response:
            raw = await self._read(response)
            return http_result(request, status=response.status,
                               body=decode(raw, response.charset),
                               content_type=response.headers.get("Content-Type", ""))

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
            self._session = aiohttp.ClientSession()
        return self._session


def retryable(result: HttpResult) -> bool:
    """No answer at all, or a server failure: worth another try."""
    return result.error is not None or result.status >= 500


def decode(raw: bytes, charset: str | None) -> str:
    """Body text in the declared charset; UTF-8 when none or one Python does not know."""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")
