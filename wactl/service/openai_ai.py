"""The AI port on OpenAI's chat completions, through the official `openai` client.

`OpenAiClient.ask` turns an `AiRequest` into one completion call and the answer into
an `AiResult`; it never raises.  What to send and how to read the answer are pure
functions in `wactl.runtime.agents`; this module adds the I/O and the failure policy:

- no key configured: `no_key` at once (nothing is sent).
- 429 `rate_limit_exceeded`, 5xx, 408/409, connection errors: retried up to
  `max_retries` times, waiting `retry-after-ms`/`retry-after` when the server says
  (up to 60 s), else exponential backoff with jitter; then `down`.
- 429 with a quota code (`insufficient_quota`, `*_spend_limit_exceeded`, ...): `quota`
  at once and an error log for the operator.  The SDK cannot tell the two 429s apart
  (it sees only the status), so its own retries are off (`max_retries=0`) and this
  loop inspects `error.code`.
- a timeout: `timeout`, not retried: the customer already waited `timeout` seconds,
  and the engine's fallback message is better than a second wait.
- 401: `no_key` (the key is wrong, which is the same to fix); other 4xx: `invalid`.
- a 200 that is not a completion, a truncated answer (`finish_reason: length`), JSON
  that is not the asked shape: `invalid`.  Tokens spent on it are still recorded.

Usage is reported on every result that had a completion, with its cost from the price
table (`wactl.runtime.agents.pricing`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, Field, field_validator

from wactl.compiler.ir import IRAgent, Program
from wactl.runtime.agents import answers, pricing
from wactl.runtime.agents.prompt import build_messages
from wactl.runtime.effects import AiRequest
from wactl.runtime.events import AiResult, Usage

log = logging.getLogger("wactl.ai")

QUOTA_CODES = frozenset({"insufficient_quota", "credit_balance_exhausted",
                         "organization_spend_limit_exceeded", "project_spend_limit_exceeded",
                         "organization_usage_limit_exceeded"})
RETRY_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_WAIT = 60.0
"""A server-given wait above this is ignored in favour of our own backoff (as the SDK does)."""
JSON_TOKENS = 300
"""The token cap of an intent or extract answer: a small JSON object."""


class AiSettings(BaseModel):
    """How to reach the model; read once at startup (`from_env`) and passed explicitly."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    timeout: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0)
    """The first retry's wait in seconds; it doubles per retry, up to `max_backoff`."""
    max_backoff: float = Field(default=8.0, ge=0)
    default_model: str = "gpt-4o-mini"
    """The model for intent and extract requests, which name no persona."""
    prices: dict[str, pricing.Price] = Field(default_factory=lambda: dict(pricing.DEFAULT_PRICES))

    @field_validator("prices", mode="before")
    @classmethod
    def _merge_prices(cls, value: Any) -> dict[str, pricing.Price]:
        """Config lists only the models that differ; the defaults fill in the rest."""
        return pricing.price_table(value if isinstance(value, Mapping) else None)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> AiSettings:
        """`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `WACTL_AI_TIMEOUT` (seconds), then overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {"api_key": env.get("OPENAI_API_KEY") or None,
                                  "base_url": env.get("OPENAI_BASE_URL") or None}
        if env.get("WACTL_AI_TIMEOUT"):
            values["timeout"] = env["WACTL_AI_TIMEOUT"]
        return cls.model_validate({**values, **overrides})


@dataclass(frozen=True, slots=True)
class _Failure:
    """A failed attempt: the `AiResult.error` code, whether to retry, the server's wait."""

    code: str
    retry: bool = False
    wait: float | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class OpenAiClient:
    """The `AiClient` port on the OpenAI API (or any server speaking its wire format)."""

    def __init__(self, settings: AiSettings, program: Program, *,
                 clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self.program = program
        self._agents = {a.id: a for a in program.agents}
        self._clock = clock
        self._sleep = sleep
        self._random = random.Random()
        self._client = (openai.AsyncOpenAI(base_url=settings.base_url, api_key=settings.api_key,
                                           timeout=settings.timeout, max_retries=0)
                        if settings.api_key else None)

    def bound(self, program: Program) -> OpenAiClient:
        """A client answering for `program`'s agents over this one's connection (each
        shop's own agents, in a service of many shops); closing this one closes both."""
        other = copy.copy(self)
        other.deploy(program)
        return other

    def deploy(self, program: Program) -> None:
        """Answer for the personas of a newly deployed program."""
        self.program = program
        self._agents = {a.id: a for a in program.agents}

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def ask(self, request: AiRequest) -> AiResult:
        """The answer to `request`; never raises (failures are `AiResult.error`)."""
        try:
            return await self._ask(request)
        except Exception:  # a bug here must cost one fallback message, not the worker
            log.exception("AI request %s failed unexpectedly", request.request_id)
            return self._result(request, error="invalid")

    async def _ask(self, request: AiRequest) -> AiResult:
        if self._client is None:
            return self._result(request, error="no_key")
        agent = self._agents.get(request.agent or "")
        if request.purpose == "reply" and agent is None:
            log.error("AI reply for unknown persona %r", request.agent)
            return self._result(request, error="invalid")
        outcome = await self._complete(self._params(request, agent))
        if isinstance(outcome, _Failure):
            return self._result(request, error=outcome.code)
        return self._read(request, outcome)

    def _params(self, request: AiRequest, agent: IRAgent | None) -> dict[str, Any]:
        """The `chat.completions.create` arguments: the persona's model and settings."""
        params: dict[str, Any] = {
            "model": agent.model if agent else self.settings.default_model,
            "messages": build_messages(agent, request, self.program.project),
        }
        if request.purpose == "reply" and agent is not None:
            if agent.max_tokens:
                params["max_completion_tokens"] = agent.max_tokens
            if agent.temperature is not None:
                params["temperature"] = agent.temperature
        else:
            params.update(max_completion_tokens=JSON_TOKENS, temperature=0,
                          response_format={"type": "json_object"})
        return params

    # ------------------------------------------------------------------ calling

    async def _complete(self, params: dict[str, Any]) -> ChatCompletion | _Failure:
        """One completion, retried per the module's policy."""
        attempt = 0
        while True:
            outcome = await self._attempt(params)
            if not isinstance(outcome, _Failure) or not outcome.retry:
                return outcome
            if attempt >= self.settings.max_retries:
                log.warning("AI call failed after %d attempts: %s", attempt + 1, outcome.code)
                return outcome
            await self._sleep(outcome.wait or self._backoff(attempt))
            attempt += 1

    async def _attempt(self, params: dict[str, Any]) -> ChatCompletion | _Failure:
        assert self._client is not None
        try:
            completion: Any = await self._client.chat.completions.create(**params)
        except openai.APIStatusError as exc:
            return _status_failure(exc)
        except openai.APITimeoutError:
            return _Failure("timeout")
        except openai.APIConnectionError:
            return _Failure("down", retry=True)
        except (openai.OpenAIError, ValueError) as exc:  # a body that is not a completion
            log.warning("AI answer unreadable: %s", type(exc).__name__)
            return _Failure("invalid")
        if not isinstance(completion, ChatCompletion):
            log.warning("AI answer is not a chat completion")
            return _Failure("invalid")
        return completion

    def _backoff(self, attempt: int) -> float:
        """`backoff · 2^attempt`, capped, times a jitter in (0.75, 1] (as the SDK does)."""
        wait = min(self.settings.backoff * 2.0 ** attempt, self.settings.max_backoff)
        return wait * (1 - 0.25 * self._random.random())

    # ------------------------------------------------------------------ reading

    def _read(self, request: AiRequest, completion: ChatCompletion) -> AiResult:
        """The completion as the `AiResult` of its purpose; `invalid` for nonsense."""
        use = self._usage(completion)
        if not completion.choices:
            return self._result(request, error="invalid", usage=use)
        choice = completion.choices[0]
        content = choice.message.content
        if choice.finish_reason != "stop" or choice.message.refusal:
            log.warning("AI answer unusable: finish_reason %s", choice.finish_reason)
            return self._result(request, error="invalid", usage=use)
        if request.purpose == "intent":
            intent = answers.read_intent(content, request)
            if intent is None:
                return self._result(request, error="invalid", usage=use)
            return self._result(request, intent=intent.intent, confidence=intent.confidence,
                                values=intent.values, usage=use)
        if request.purpose == "extract":
            values = answers.read_extract(content, request)
            if values is None:
                return self._result(request, error="invalid", usage=use)
            return self._result(request, values=values, usage=use)
        reply = answers.read_reply(content)
        if reply is None:
            return self._result(request, error="invalid", usage=use)
        return self._result(request, text=reply.text, handoff=reply.handoff, usage=use)

    def _usage(self, completion: ChatCompletion) -> Usage | None:
        if completion.usage is None:
            return None
        model = completion.model
        if pricing.price_for(model, self.settings.prices) is None:
            log.warning("no price for model %r: its cost is recorded as 0", model)
        return pricing.usage(model, completion.usage.prompt_tokens,
                             completion.usage.completion_tokens, self.settings.prices)

    def _result(self, request: AiRequest, **fields: Any) -> AiResult:
        return AiResult(request.wa_id, self._clock(), request.request_id, **fields)


def _status_failure(exc: openai.APIStatusError) -> _Failure:
    """An HTTP error as a failure: quota and auth are final, 429/5xx are retried."""
    status = exc.status_code
    if status == 429 and (exc.code in QUOTA_CODES or exc.type == "insufficient_quota"):
        log.error("OpenAI quota exhausted (%s): AI answers are off until billing is fixed",
                  exc.code)
        return _Failure("quota")
    if status == 401:
        return _Failure("no_key")
    if status in RETRY_STATUSES or status >= 500:
        return _Failure("down", retry=True, wait=server_wait(exc.response.headers))
    return _Failure("invalid")


def server_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after`), if sensible."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            wait = float(raw) * scale
        except ValueError:
            continue  # an HTTP date: rare, and our backoff is as good
        if 0 < wait <= MAX_SERVER_WAIT:
            return wait
    return None
