"""HTTP and AI ports that answer from canned mocks: for `wactl test` and `wactl simulate`.

A conversation test (and simulate's mocks file) lists what the outside world answers:
`mocks.http` for the flows' `call` steps and `mocks.ai` for agents, intent triggers
and `extract`.  These two classes turn such lists into the HTTP and AI ports the
driver talks to, so a test runs the real engine and driver with nothing faked but the
network.  They take plain lists of `ast.HttpMock` / `ast.AiMock`, not a test, so
anything that can produce those lists can use them.

The rules, as LANGUAGE.md states them for tests:
- An HTTP mock answers a request with the same method and the same URL (exact, as the
  engine rendered it).  Several mocks of one request answer in turn; the last one
  repeats.  A mock whose `delay` is at least the request's timeout answers nothing:
  the request times out.  A request no mock answers fails as a connection error, and
  is noted in `unmocked` so the test runner can say why a flow took its error branch.
- An AI mock answers by kind: `reply` mocks (optionally only for one `agent`) answer
  agent replies, `intent` mocks answer intent classification (confidence 1.0, the
  `extract` map as the intent's values), mocks with only `extract` answer extraction.
  Each kind answers in turn, the last one repeats.  With no intent mock nothing
  matches (intent None); with no extract mock nothing is extracted; with no reply mock
  the reply fails with error `no_mock`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from wactl.dsl import ast
from wactl.runtime.effects import AiRequest, HttpRequest
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.ports import UNSET_AT, http_result

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"


class _Turns:
    """Per-key counters behind "several mocks answer in turn, the last one repeats"."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, ...], int] = {}

    def pick(self, key: tuple[str, ...], candidates: Sequence[Any]) -> Any:
        """The next candidate for `key` (the last one once all have answered)."""
        used = self._used.get(key, 0)
        self._used[key] = used + 1
        return candidates[min(used, len(candidates) - 1)]


class MockHttp:
    """The HTTP port answering from `mocks.http`; records every request it was sent."""

    def __init__(self, mocks: Sequence[ast.HttpMock] = ()) -> None:
        self.mocks = list(mocks)
        self.requests: list[HttpRequest] = []
        self.unmocked: list[str] = []
        """One note per request no mock answered: `unmocked request: GET https://...`."""
        self._turns = _Turns()

    def answer(self, request: HttpRequest) -> HttpResult:
        """The mocked answer to one attempt of `request` (retries are separate attempts).

        Like every HTTP client the result's `wa_id` and `at` are left for the driver.
        """
        self.requests.append(request)
        method = request.method.upper()
        matching = [m for m in self.mocks if m.method.upper() == method and m.url == request.url]
        if not matching:
            self.unmocked.append(f"unmocked request: {method} {request.url}")
            return http_result(request, error="connection")
        mock: ast.HttpMock = self._turns.pick((method, request.url), matching)
        if mock.delay is not None and mock.delay.seconds >= request.timeout:
            return http_result(request, error="timeout")
        body, content_type = mock_body(mock)
        return http_result(request, status=mock.status, body=body, content_type=content_type)

    async def request(self, request: HttpRequest) -> HttpResult:
        """The HTTP port: `answer`, retried as the request asks on a timeout or a 5xx.

        A real client retries the same way, so a test can mock a first failure and a
        second success for a `call` with `retries`.
        """
        result = self.answer(request)
        for _ in range(max(request.retries, 0)):
            if not _retryable(result):
                break
            result = self.answer(request)
        return result


def _retryable(result: HttpResult) -> bool:
    """A timeout, a connection failure or a 5xx is worth another try; 4xx is not."""
    if result.error == "connection":
        return False  # unmocked: every try would fail the same way
    return result.error is not None or result.status >= 500


def mock_body(mock: ast.HttpMock) -> tuple[str, str]:
    """The body text and content type an HTTP mock answers with (`json` wins over `body`)."""
    if mock.json_ is not None:
        return json.dumps(mock.json_, ensure_ascii=False, default=str), JSON_TYPE
    if mock.body is not None:
        return mock.body, TEXT_TYPE
    return "", ""


class MockAi:
    """The AI port answering from `mocks.ai`; records every request it was sent."""

    def __init__(self, mocks: Sequence[ast.AiMock] = ()) -> None:
        self.mocks = list(mocks)
        self.requests: list[AiRequest] = []
        self._turns = _Turns()

    def answer(self, request: AiRequest) -> AiResult:
        """The mocked answer to `request`, by its purpose (`at` is left for the driver)."""
        self.requests.append(request)
        if request.purpose == "reply":
            return self._reply(request)
        if request.purpose == "intent":
            return self._intent(request)
        return self._extract(request)

    async def ask(self, request: AiRequest) -> AiResult:
        """The AI port: `answer`."""
        return self.answer(request)

    def _reply(self, request: AiRequest) -> AiResult:
        agent = request.agent or ""
        found = [m for m in self.mocks
                 if m.reply is not None and (m.agent is None or m.agent == agent)]
        if not found:
            return AiResult(request.wa_id, UNSET_AT, request.request_id, error="no_mock")
        mock: ast.AiMock = self._turns.pick(("reply", agent), found)
        return AiResult(request.wa_id, UNSET_AT, request.request_id, text=mock.reply)

    def _intent(self, request: AiRequest) -> AiResult:
        found = [m for m in self.mocks if m.intent is not None]
        if not found:
            return AiResult(request.wa_id, UNSET_AT, request.request_id)
        mock: ast.AiMock = self._turns.pick(("intent",), found)
        return AiResult(request.wa_id, UNSET_AT, request.request_id, intent=mock.intent,
                        confidence=1.0, values=dict(mock.extract))

    def _extract(self, request: AiRequest) -> AiResult:
        found = [m for m in self.mocks if m.extract and m.intent is None and m.reply is None]
        if not found:
            return AiResult(request.wa_id, UNSET_AT, request.request_id)
        mock: ast.AiMock = self._turns.pick(("extract",), found)
        return AiResult(request.wa_id, UNSET_AT, request.request_id, values=dict(mock.extract))
