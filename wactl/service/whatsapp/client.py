"""The WhatsApp channel on the Cloud API (Graph API), through aiohttp.

`GraphClient.send` is the outbox dispatcher's `Channel`: one `POST
{base}/{phone_number_id}/messages` per message (the bodies: `bodies`), WhatsApp's
message id back, or a `ChannelError` whose `retryable` tells the dispatcher whether
to try again later (`errors` says which Graph codes are which).  Around each call:

- a token bucket per phone number (`throttle`, 80 messages/s by default), so sends
  stay under WhatsApp's throughput limit instead of provoking 130429;
- a circuit breaker (`breaker`): while the API is failing, sends fail at once with a
  retryable `circuit_open`, and the dispatcher's back-off takes over;
- a timeout per attempt (10 s), and up to three retries at 0.5 s, 1.5 s and 4.5 s
  on 429, 5xx, 130429 and timeouts only.  A timed-out send may have gone out; retrying
  it risks a double, which is better than losing it (WhatsApp answers after the
  message is queued, so a timeout is rare and usually before acceptance).  A failed
  connection is not retried here: nothing was sent, and the dispatcher retries later.

`mark_read` and `media` (download by media id, bounded in size; for the workers, never
the webhook handler) share the timeout, retries and breaker.  The access token goes
only into the Authorization header: every text that leaves the client (exceptions,
logs) passes through a redactor, and the client's repr leaves it out.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from wactl.runtime.effects import SendEffect
from wactl.runtime.ports import ChannelError
from wactl.service.whatsapp.bodies import message_body, read_body
from wactl.service.whatsapp.breaker import CircuitBreaker
from wactl.service.whatsapp.errors import Outcome, Redactor, parse_error
from wactl.service.whatsapp.throttle import TokenBucket

log = logging.getLogger("wactl.whatsapp")

DEFAULT_BASE = "https://graph.facebook.com/v21.0"
RETRY_DELAYS = (0.5, 1.5, 4.5)
MAX_ANSWER = 1 << 20
"""A JSON answer of the Graph API is small; more than this is not one."""
MAX_MEDIA = 100 << 20
"""WhatsApp's largest media (documents) is 100 MB."""
MEDIA_ID = re.compile(r"[A-Za-z0-9_\-]{1,128}")


@dataclass(frozen=True, slots=True)
class Media:
    """A downloaded media file, as WhatsApp described and served it."""

    media_id: str
    mime_type: str
    content: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class _Failure:
    error: ChannelError
    again: bool
    """Whether to retry at once (429, 5xx, 130429, a timeout)."""


class GraphClient:
    """One phone number's WhatsApp channel; use as `async with GraphClient(...)`."""

    def __init__(self, base_url: str, access_token: str, phone_number_id: str, *,
                 timeout: float = 10.0, retry_delays: Sequence[float] = RETRY_DELAYS,
                 rate: float = 80.0, max_media: int = MAX_MEDIA,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 breaker: CircuitBreaker | None = None,
                 throttle: TokenBucket | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self.timeout, self.retry_delays = timeout, tuple(retry_delays)
        self.max_media, self.sleep = max_media, sleep
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.throttle = throttle or TokenBucket(rate, clock=clock, sleep=sleep)
        self._token = access_token
        self._redact = Redactor(access_token)
        self._session: aiohttp.ClientSession | None = None

    def use_token(self, access_token: str) -> None:
        """Send with a new access token from now on (a token changed through the API);
        the rate limit and the breaker carry on."""
        self._token, self._redact = access_token, Redactor(access_token)

    def __repr__(self) -> str:
        return f"GraphClient({self.base_url!r}, phone_number_id={self.phone_number_id!r})"

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ the API

    async def send(self, message: SendEffect) -> str:
        """Send `message`; WhatsApp's id for it, or `ChannelError`."""
        await self.throttle.acquire()
        answer = await self._call("POST", self._messages_url, message_body(message))
        messages = _json(answer.body).get("messages")
        first = messages[0] if isinstance(messages, list) and messages else None
        wamid = first.get("id") if isinstance(first, dict) else None
        if not isinstance(wamid, str) or not wamid:
            # accepted (a 2xx) but unreadable: sending again could double it
            raise ChannelError("bad_response", "a 2xx answer without a message id")
        return wamid

    async def mark_read(self, message_id: str) -> None:
        """Mark an inbound message read (blue ticks); raises `ChannelError` on refusal."""
        answer = await self._call("POST", self._messages_url, read_body(message_id))
        if _json(answer.body).get("success") is not True:
            raise ChannelError("bad_response", "marking as read did not answer success")

    async def media(self, media_id: str) -> Media:
        """Download a media file by its id: its URL from the Graph API, then the file
        from that URL with the same token, at most `max_media` bytes."""
        if not MEDIA_ID.fullmatch(media_id):
            raise ChannelError("bad_media_id", "a media id is letters, digits, - and _")
        info = _json((await self._call("GET", f"{self.base_url}/{media_id}")).body)
        url, size = info.get("url"), _size(info.get("file_size"))
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ChannelError("bad_response", "the media answer has no http(s) url")
        if size is not None and size > self.max_media:
            raise ChannelError("media_too_large", f"{size} bytes, over {self.max_media}")
        try:
            content = (await self._call("GET", url, limit=self.max_media)).body
        except _TooLarge as exc:
            raise ChannelError("media_too_large", str(exc)) from None
        digest = hashlib.sha256(content).hexdigest()
        expected = info.get("sha256")
        if isinstance(expected, str) and expected and expected != digest:
            raise ChannelError("media_corrupt", "the file's sha256 is not the announced one",
                               retryable=True)
        return Media(media_id, str(info.get("mime_type", "")), content, digest)

    # ------------------------------------------------------------------ calls

    @property
    def _messages_url(self) -> str:
        return f"{self.base_url}/{self.phone_number_id}/messages"

    async def _call(self, method: str, url: str, body: dict[str, Any] | None = None, *,
                    limit: int = MAX_ANSWER) -> _Answer:
        """One API call with the breaker and the retries; a 2xx answer or a raise."""
        attempt = 0
        while True:
            if self.breaker.is_open:
                raise ChannelError("circuit_open", "the Graph API is failing; sends paused",
                                   retryable=True)
            result = await self._attempt(method, url, body, limit)
            if isinstance(result, _Answer):
                return result
            error = result.error
            if not result.again or attempt == len(self.retry_delays):
                log.warning("WhatsApp %s %s failed: [%s] %s", method, _where(url), error.code,
                            error)
                raise error
            wait = self.retry_delays[attempt]
            attempt += 1
            log.warning("WhatsApp %s %s: [%s] %s; retry %d in %.1fs", method, _where(url),
                        error.code, error, attempt, wait)
            await self.sleep(wait)

    async def _attempt(self, method: str, url: str, body: dict[str, Any] | None,
                       limit: int) -> _Answer | _Failure:
        """One HTTP exchange: the 2xx answer, or the failure and whether to retry now."""
        try:
            answer = await self._exchange(method, url, body, limit)
        except TimeoutError:
            self.breaker.record(False)
            return _Failure(ChannelError("timeout", f"no answer within {self.timeout}s",
                                         retryable=True), again=True)
        except aiohttp.ClientError as exc:
            self.breaker.record(False)
            text = self._redact(f"{type(exc).__name__}: {exc}")
            return _Failure(ChannelError("connection", text, retryable=True), again=False)
        if 200 <= answer.status < 300:
            self.breaker.record(True)
            return answer
        refusal = parse_error(answer.status, answer.body.decode("utf-8", "replace"))
        self.breaker.record(refusal.outcome is Outcome.FINAL)  # a refusal is an answer
        return _Failure(refusal.channel_error(self._redact),
                        again=refusal.outcome is Outcome.RETRY_NOW)

    async def _exchange(self, method: str, url: str, body: dict[str, Any] | None,
                        limit: int) -> _Answer:
        session = self._open()
        headers = {"Authorization": f"Bearer {self._token}"}
        async with session.request(method, url, json=body, headers=headers,
                                   allow_redirects=False) as response:
            if response.content_length is not None and response.content_length > limit:
                raise _TooLarge(response.content_length, limit)
            data = await response.content.read(limit + 1)
            if len(data) > limit:
                raise _TooLarge(len(data), limit)
            return _Answer(response.status, data)

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout), trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False)
        return self._session


class _TooLarge(ChannelError):
    """An answer past its size limit: not read further, not retried."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__("answer_too_large", f"over {limit} bytes (at least {size})")


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _size(value: Any) -> int | None:
    """`file_size` in bytes: Graph sends a number, some versions a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _where(url: str) -> str:
    """The URL's path without its query (a media URL's query holds signed parameters)."""
    return urlsplit(url).path
