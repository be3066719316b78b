"""A small fake OpenAI server for tests: `POST /v1/chat/completions`, scripted per test.

It speaks the real wire format (../shared/reference/openai-facts.md): completion ids,
`created`, the resolved snapshot model name, `usage` with token details,
`finish_reason`, rate-limit headers, and the error bodies of 429 (rate limit vs
quota) and 500.  A test queues answers; each request takes the next one and the last
one repeats, so `server_error()` alone means "500 forever" and `server_error(); reply()`
means "500 once, then success".  Every request is recorded (path, headers, JSON body)
so tests can assert the system prompt, the history, the model and the token cap.

    async with FakeOpenAI() as fake:
        fake.rate_limited(retry_after_ms=300).reply("Xin chào!")
        client = AsyncOpenAI(base_url=fake.base_url, api_key="sk-test")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

SNAPSHOT = "-2024-07-18"
"""Appended to the requested model in answers: the API names the resolved snapshot."""


@dataclass
class Answer:
    """One scripted answer: a status, a body (dict = JSON, str = raw), headers, a delay."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    content_type: str = "application/json"
    finish_reason: str = "stop"
    content: str | None = None
    usage: tuple[int, int] | None = None


@dataclass
class Recorded:
    """A request the fake got."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def system(self) -> str:
        first = self.messages[0] if self.messages else {}
        return str(first.get("content", "")) if first.get("role") == "system" else ""

    @property
    def token_cap(self) -> int | None:
        """`max_completion_tokens`, or the legacy `max_tokens`."""
        cap = self.body.get("max_completion_tokens", self.body.get("max_tokens"))
        return int(cap) if cap is not None else None


class FakeOpenAI:
    """The fake server; use as `async with FakeOpenAI() as fake`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: list[Answer] = []
        self._served = 0
        self._ids = itertools.count(1)
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # ------------------------------------------------------------------ scripting

    def then(self, answer: Answer) -> FakeOpenAI:
        self._script.append(answer)
        return self

    def reply(self, content: str | None, *, finish_reason: str = "stop",
              usage: tuple[int, int] | None = None) -> FakeOpenAI:
        """A 200 completion with `content` (None: a null content)."""
        return self.then(Answer(content=content, finish_reason=finish_reason, usage=usage))

    def json_reply(self, data: Any, *, usage: tuple[int, int] | None = None) -> FakeOpenAI:
        """A 200 completion whose content is `data` as JSON text."""
        return self.reply(json.dumps(data, ensure_ascii=False), usage=usage)

    def rate_limited(self, *, retry_after_ms: int | None = 300) -> FakeOpenAI:
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms else {}
        message = ("Rate limit reached for gpt-4o-mini in organization org-test on tokens per "
                   "min (TPM): Limit 200000, Used 199712, Requested 1450. Please try again in "
                   "348ms.")
        return self.then(Answer(429, _error(message, "tokens", "rate_limit_exceeded"), headers))

    def quota_exceeded(self, code: str = "insufficient_quota") -> FakeOpenAI:
        message = "You exceeded your current quota, please check your plan and billing details."
        return self.then(Answer(429, _error(message, "insufficient_quota", code)))

    def server_error(self, status: int = 500) -> FakeOpenAI:
        message = "The server had an error while processing your request. Sorry about that!"
        return self.then(Answer(status, _error(message, "server_error", None)))

    def error(self, status: int, code: str | None, kind: str = "invalid_request_error",
              message: str = "error") -> FakeOpenAI:
        return self.then(Answer(status, _error(message, kind, code)))

    def hang(self, seconds: float = 30.0) -> FakeOpenAI:
        """Answer only after `seconds` (or when the server closes): past any client timeout."""
        return self.then(Answer(hang=seconds, content="too late"))

    def not_json(self, body: str = "<html><body>502 Bad Gateway</body></html>",
                 content_type: str = "text/html") -> FakeOpenAI:
        """A 200 whose body is not a completion at all."""
        return self.then(Answer(200, body, content_type=content_type))

    # ------------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        self.requests.append(Recorded(request.path, dict(request.headers), body))
        answer = self._next()
        if answer.hang:
            try:
                await asyncio.wait_for(self._release.wait(), answer.hang)
            except TimeoutError:
                pass
        payload = answer.body if answer.body is not None else self._completion(answer, body)
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        headers = {**_rate_headers(), "x-request-id": f"req_{next(self._ids):08d}",
                   **answer.headers}
        return web.Response(status=answer.status, text=text, headers=headers,
                            content_type=answer.content_type)

    def _next(self) -> Answer:
        if not self._script:
            return Answer(content="OK")
        answer = self._script[min(self._served, len(self._script) - 1)]
        self._served += 1
        return answer

    def _completion(self, answer: Answer, body: dict[str, Any]) -> dict[str, Any]:
        prompt, completion = answer.usage or _count(body, answer.content)
        return {
            "id": f"chatcmpl-fake{next(self._ids):012d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": f"{body.get('model', 'gpt-4o-mini')}{SNAPSHOT}",
            "choices": [{"index": 0, "logprobs": None, "finish_reason": answer.finish_reason,
                         "message": {"role": "assistant", "content": answer.content,
                                     "refusal": None, "annotations": []}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
            "service_tier": "default",
            "system_fingerprint": "fp_fake000001",
        }


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _count(body: dict[str, Any], content: str | None) -> tuple[int, int]:
    """Token counts the way a tokenizer roughly would: ~4 characters a token."""
    chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
    return chars // 4 + 3 * len(body.get("messages", [])), len(content or "") // 4 + 1


def _rate_headers() -> dict[str, str]:
    return {"x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999",
            "x-ratelimit-reset-requests": "6ms", "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-tokens": "199000", "x-ratelimit-reset-tokens": "1s",
            "openai-processing-ms": "42", "openai-version": "2020-10-01"}
