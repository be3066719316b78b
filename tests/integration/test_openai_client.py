"""The real `openai` client against the fake server: every failure mode ends in a result.

Waits between retries go through an injected `sleep` that records them, so tests
check which wait was chosen without spending it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from fakes.openai_server import FakeOpenAI

from wactl.compiler.ir import IRAgent, IRAgentHandoff, IRProject, Program
from wactl.compiler.project import compile_project
from wactl.runtime.agents.pricing import Price
from wactl.runtime.agents.prompt import HANDOFF_MARKER
from wactl.runtime.effects import AiRequest, Effect, Handoff, Publish, SendText
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.sandbox import Sandbox
from wactl.service.openai_ai import AiSettings, OpenAiClient, server_wait

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AGENT = IRAgent(id="sales", model="gpt-4o-mini", tone="friendly", language="vi",
                constraints=["Never promise a delivery date."],
                prompt="You help customers of {{ shop.name }}.", context_messages=2,
                max_tokens=120, temperature=0.3,
                handoff=IRAgentHandoff(keywords=["refund"], intents=["complaint"]))
PROGRAM = Program(project=IRProject(shop="hoa_mai"), agents=[AGENT])
REPLY = AiRequest("ai-1", "reply", "84901234567", "Kem nào cho da dầu?", agent="sales",
                  history=(("user", "chào"), ("assistant", "Chào bạn!"), ("user", "hỏi chút"),
                           ("assistant", "Bạn cứ hỏi nhé")),
                  scope={"shop": {"name": "Hoa Mai Beauty"}, "customer": {"name": "Lan"}})
INTENT = AiRequest("ai-2", "intent", "84901234567", "đặt lịch cho 2 người thứ 6",
                   intents={"booking": ("people", "day"), "complaint": ()})
EXTRACT = AiRequest("ai-3", "extract", "84901234567", "2 người, ngày 2026-11-27 nhé",
                    fields={"people": "number", "day": "date", "email": "email"})


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(fake: FakeOpenAI, sleeps: Sleeps) -> AsyncIterator[OpenAiClient]:
    settings = AiSettings(base_url=fake.base_url, api_key="sk-test", timeout=0.5,
                          max_retries=2, prices={"gpt-4o-mini": {"input": 1.0, "output": 2.0}})
    ai = OpenAiClient(settings, PROGRAM, clock=lambda: NOW, sleep=sleeps)
    yield ai
    await ai.aclose()


async def test_a_reply_sends_the_persona_and_records_usage(fake: FakeOpenAI,
                                                           client: OpenAiClient) -> None:
    fake.reply("Bạn thử gel chống nắng nhé!", usage=(1000, 500))
    result = await client.ask(REPLY)
    assert (result.text, result.error, result.handoff) == ("Bạn thử gel chống nắng nhé!", None,
                                                           False)
    assert (result.request_id, result.wa_id, result.at) == ("ai-1", "84901234567", NOW)
    assert result.usage is not None
    assert result.usage.model == "gpt-4o-mini-2024-07-18"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (1000, 500)
    assert result.usage.cost == pytest.approx((1000 * 1.0 + 500 * 2.0) / 1_000_000)
    sent = fake.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == "Bearer sk-test"
    assert sent.body["model"] == "gpt-4o-mini" and sent.token_cap == 120
    assert sent.body["temperature"] == 0.3 and "response_format" not in sent.body
    assert "You help customers of Hoa Mai Beauty." in sent.system
    assert [m["role"] for m in sent.messages] == ["system", "user", "assistant", "user"]
    assert sent.messages[-1]["content"] == "Kem nào cho da dầu?"


async def test_the_model_asking_for_a_person_is_a_handoff(fake: FakeOpenAI,
                                                          client: OpenAiClient) -> None:
    fake.reply(HANDOFF_MARKER)
    result = await client.ask(REPLY)
    assert result.handoff and result.text is None and result.error is None


async def test_intent_asks_for_json_and_reads_it(fake: FakeOpenAI, client: OpenAiClient) -> None:
    fake.json_reply({"intent": "booking", "confidence": 0.92,
                     "values": {"people": 2, "colour": "red"}})
    result = await client.ask(INTENT)
    assert (result.intent, result.confidence, result.values) == ("booking", 0.92, {"people": 2})
    sent = fake.requests[0]
    assert sent.body["response_format"] == {"type": "json_object"}
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["temperature"] == 0
    assert "booking" in sent.system and "JSON" in sent.system


async def test_extract_keeps_only_the_mentioned_fields(fake: FakeOpenAI,
                                                       client: OpenAiClient) -> None:
    fake.json_reply({"values": {"people": "2", "day": "2026-11-27", "email": None}})
    result = await client.ask(EXTRACT)
    assert result.error is None and result.values == {"people": 2, "day": "2026-11-27"}


@pytest.mark.parametrize("content", ["not json at all", '["booking"]',
                                     '{"intent": "weather", "confidence": 0.9}',
                                     '{"intent": "booking", "confidence": "high"}'])
async def test_nonsense_json_is_invalid(fake: FakeOpenAI, client: OpenAiClient,
                                        content: str) -> None:
    fake.reply(content)
    result = await client.ask(INTENT)
    assert result.error == "invalid" and result.intent is None
    assert result.usage is not None  # the tokens were spent all the same


async def test_rate_limit_waits_as_told_then_succeeds(fake: FakeOpenAI, client: OpenAiClient,
                                                      sleeps: Sleeps) -> None:
    fake.rate_limited(retry_after_ms=300).reply("Xin chào")
    result = await client.ask(REPLY)
    assert result.text == "Xin chào"
    assert sleeps.waits == [pytest.approx(0.3)]
    assert len(fake.requests) == 2


async def test_quota_is_not_retried(fake: FakeOpenAI, client: OpenAiClient,
                                    sleeps: Sleeps) -> None:
    fake.quota_exceeded()
    result = await client.ask(REPLY)
    assert result.error == "quota" and result.text is None
    assert len(fake.requests) == 1 and sleeps.waits == []


async def test_a_newer_quota_code_is_not_retried_either(fake: FakeOpenAI,
                                                        client: OpenAiClient) -> None:
    fake.quota_exceeded(code="project_spend_limit_exceeded")
    assert (await client.ask(REPLY)).error == "quota"
    assert len(fake.requests) == 1


async def test_a_server_error_then_success(fake: FakeOpenAI, client: OpenAiClient,
                                           sleeps: Sleeps) -> None:
    fake.server_error().reply("OK rồi")
    result = await client.ask(REPLY)
    assert result.text == "OK rồi" and len(fake.requests) == 2
    assert len(sleeps.waits) == 1 and 0.375 <= sleeps.waits[0] <= 0.5  # backoff with jitter


async def test_a_server_down_for_good_is_down_after_the_retries(
        fake: FakeOpenAI, client: OpenAiClient, sleeps: Sleeps) -> None:
    fake.server_error()
    result = await client.ask(REPLY)
    assert result.error == "down" and result.usage is None
    assert len(fake.requests) == 3  # max_retries=2
    assert len(sleeps.waits) == 2 and sleeps.waits[1] > sleeps.waits[0] * 0.75 * 2 - 1e-9


async def test_a_hang_past_the_timeout_is_a_timeout(fake: FakeOpenAI,
                                                    client: OpenAiClient) -> None:
    fake.hang(30)
    result = await client.ask(REPLY)
    assert result.error == "timeout" and len(fake.requests) == 1


@pytest.mark.parametrize("content_type", ["text/html", "application/json"])
async def test_a_200_that_is_not_a_completion_is_invalid(fake: FakeOpenAI, client: OpenAiClient,
                                                         content_type: str) -> None:
    fake.not_json(content_type=content_type)
    assert (await client.ask(REPLY)).error == "invalid"


async def test_a_truncated_answer_is_invalid(fake: FakeOpenAI, client: OpenAiClient) -> None:
    fake.reply("Bạn nên dùng sữa rửa mặt dịu nhẹ và", finish_reason="length")
    result = await client.ask(REPLY)
    assert result.error == "invalid" and result.usage is not None


async def test_a_null_content_is_invalid(fake: FakeOpenAI, client: OpenAiClient) -> None:
    fake.reply(None)
    assert (await client.ask(REPLY)).error == "invalid"


@pytest.mark.parametrize(("status", "code", "error"), [(401, "invalid_api_key", "no_key"),
                                                       (400, "context_length_exceeded",
                                                        "invalid")])
async def test_client_errors_are_final(fake: FakeOpenAI, client: OpenAiClient, status: int,
                                       code: str, error: str) -> None:
    fake.error(status, code)
    assert (await client.ask(REPLY)).error == error
    assert len(fake.requests) == 1


async def test_no_key_sends_nothing(fake: FakeOpenAI) -> None:
    ai = OpenAiClient(AiSettings(base_url=fake.base_url), PROGRAM, clock=lambda: NOW)
    result = await ai.ask(REPLY)
    assert result.error == "no_key" and fake.requests == []
    await ai.aclose()


async def test_an_unknown_persona_is_invalid(fake: FakeOpenAI, client: OpenAiClient) -> None:
    request = AiRequest("ai-9", "reply", "84901234567", "hi", agent="nobody")
    assert (await client.ask(request)).error == "invalid" and fake.requests == []


async def test_a_connection_refused_is_down(sleeps: Sleeps) -> None:
    async with FakeOpenAI() as server:
        url = server.base_url
    settings = AiSettings(base_url=url, api_key="sk-test", timeout=1, max_retries=1)
    ai = OpenAiClient(settings, PROGRAM, sleep=sleeps)
    assert (await ai.ask(REPLY)).error == "down"
    assert len(sleeps.waits) == 1
    await ai.aclose()


async def test_an_unpriced_model_costs_nothing(fake: FakeOpenAI) -> None:
    agent = AGENT.model_copy(update={"model": "llama-local"})
    program = Program(project=IRProject(), agents=[agent])
    ai = OpenAiClient(AiSettings(base_url=fake.base_url, api_key="k"), program)
    fake.reply("hi", usage=(10, 5))
    result = await ai.ask(REPLY)
    assert result.usage is not None and result.usage.cost == 0.0
    assert result.usage.prompt_tokens == 10
    await ai.aclose()


def test_settings_from_env_merge_prices() -> None:
    settings = AiSettings.from_env({"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "http://h/v1",
                                    "WACTL_AI_TIMEOUT": "7.5"},
                                   prices={"my-model": [1, 2]})
    assert (settings.api_key, settings.base_url, settings.timeout) == ("sk-x", "http://h/v1", 7.5)
    assert settings.prices["my-model"] == Price(1.0, 2.0)
    assert "gpt-4o" in settings.prices and "sk-x" not in repr(settings)
    assert AiSettings.from_env({}).api_key is None


def test_server_wait_reads_both_headers() -> None:
    assert server_wait({"retry-after-ms": "250"}) == pytest.approx(0.25)
    assert server_wait({"retry-after": "2"}) == 2.0
    assert server_wait({"retry-after": "3600"}) is None
    assert server_wait({"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert server_wait({}) is None


# --------------------------------------------------------------------------- through the engine

EXAMPLES = Path(__file__).resolve().parents[2] / "flows"
WA_ID = "84917778888"


@cache
def _examples() -> Program:
    sources = {p.relative_to(EXAMPLES.parent).as_posix(): p.read_text("utf-8")
               for p in sorted(EXAMPLES.rglob("*")) if p.suffix in (".yaml", ".flow")}
    program = compile_project(sources).program
    assert program is not None
    return program


async def _product_question(fake: FakeOpenAI,
                            answer: Callable[[FakeOpenAI], object]) -> list[Effect]:
    """The example product_advice flow: intent classified, intro sent, then `answer`."""
    program = _examples()
    ai = OpenAiClient(AiSettings(base_url=fake.base_url, api_key="sk-test"), program)
    conductor = Sandbox(Engine(program), ai=ai)
    fake.json_reply({"intent": "product_question", "confidence": 0.95, "values": {}})
    await conductor.handle(Inbound(WA_ID, NOW, text="Kem chống nắng nào hợp da dầu?", id="m1",
                                   name="Ngọc"))
    answer(fake)
    effects = await conductor.handle(Inbound(WA_ID, NOW, text="Da mình dầu vùng chữ T", id="m2"))
    await ai.aclose()
    return effects


async def test_a_persona_answers_through_the_engine(fake: FakeOpenAI) -> None:
    answer = "Bạn thử Gel chống nắng SPF50 nhé: https://shop.example/p/gel"
    effects = await _product_question(fake, lambda f: f.reply(answer))
    assert SendText(WA_ID, answer) in effects
    intent, persona = fake.requests
    assert intent.body["response_format"] == {"type": "json_object"}
    assert "product_question" in intent.system
    assert "chuyên viên tư vấn chăm sóc da" in persona.system
    assert [m["role"] for m in persona.messages] == ["system", "user", "user", "assistant",
                                                     "user"]
    assert "[customer.name]" in persona.system and "Ngọc" not in persona.system
    assert persona.messages[1]["content"].endswith('{"customer.name": "Ngọc"}')
    assert persona.token_cap == 350 and persona.body["temperature"] == 0.4
    usage = [e for e in effects if isinstance(e, Publish) and e.name == "AITokenUsage"]
    assert usage and usage[0].payload["cost"] > 0


async def test_a_leaking_reply_is_not_sent_and_a_person_takes_over(fake: FakeOpenAI) -> None:
    leak = "Chị Hoa (0933 222 444) cũng dùng gel này, bạn hỏi chị ấy nhé!"
    effects = await _product_question(fake, lambda f: f.reply(leak))
    sent = [e.text for e in effects if isinstance(e, SendText)]
    assert leak not in sent
    assert any(isinstance(e, Handoff) for e in effects)


async def test_the_model_out_of_quota_ends_in_a_fallback_and_a_handoff(
        fake: FakeOpenAI) -> None:
    effects = await _product_question(fake, FakeOpenAI.quota_exceeded)
    assert any(isinstance(e, SendText) for e in effects)
    assert any(isinstance(e, Handoff) for e in effects)
    assert len(fake.requests) == 2  # the quota error was not retried
