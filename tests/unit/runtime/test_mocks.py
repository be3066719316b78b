"""MockHttp and MockAi: the ports `wactl test` and `wactl simulate` answer from mocks with."""

from __future__ import annotations

import json
from typing import Literal

from wactl.dsl import ast
from wactl.runtime.effects import AiRequest, HttpRequest
from wactl.runtime.mocks import MockAi, MockHttp, mock_body
from wactl.runtime.ports import AiClient, HttpClient

ORDER = "https://shop.example/api/orders/10423"


def _get(url: str = ORDER, *, method: str = "GET", timeout: float = 5.0,
         retries: int = 0, rid: str = "r1") -> HttpRequest:
    return HttpRequest(rid, method, url, timeout=timeout, retries=retries)


def _mock(url: str = ORDER, **kw: object) -> ast.HttpMock:
    return ast.HttpMock.model_validate({"url": url, **kw})


Purpose = Literal["reply", "intent", "extract"]


def _ai(purpose: Purpose, agent: str | None = None, rid: str = "a1") -> AiRequest:
    return AiRequest(rid, purpose, "849", "hi", agent=agent)


# --------------------------------------------------------------------------- HTTP


async def test_json_mock_answers_the_same_method_and_url() -> None:
    http = MockHttp([_mock(json={"status": "shipped"})])
    result = await http.request(_get(rid="req7"))
    assert result.request_id == "req7" and result.error is None
    assert (result.status, result.content_type) == (200, "application/json")
    assert json.loads(result.body) == {"status": "shipped"}
    assert http.requests == [_get(rid="req7")]


async def test_method_and_url_must_both_match_exactly() -> None:
    http = MockHttp([_mock(method="POST", json={})])
    assert (await http.request(_get())).error == "connection"
    assert (await http.request(_get(ORDER + "/"))).error == "connection"
    assert (await http.request(_get(method="post"))).status == 200
    assert http.unmocked == [f"unmocked request: GET {ORDER}", f"unmocked request: GET {ORDER}/"]


async def test_status_and_plain_body() -> None:
    http = MockHttp([_mock(status=404, body="<html>not found</html>")])
    result = await http.request(_get())
    assert (result.status, result.body) == (404, "<html>not found</html>")
    assert result.content_type.startswith("text/plain")


def test_a_mock_without_json_or_body_answers_empty() -> None:
    assert mock_body(_mock()) == ("", "")


async def test_delay_at_least_the_timeout_times_out() -> None:
    http = MockHttp([_mock(delay=ast.Duration(seconds=10), json={})])
    assert (await http.request(_get(timeout=10))).error == "timeout"
    assert (await http.request(_get(timeout=30))).status == 200


async def test_several_mocks_answer_in_turn_and_the_last_repeats() -> None:
    http = MockHttp([_mock(status=500), _mock(json={"n": 2}), _mock(json={"n": 3})])
    statuses = [(await http.request(_get())).status for _ in range(3)]
    assert statuses == [500, 200, 200]
    bodies = [json.loads((await http.request(_get())).body) for _ in range(2)]
    assert bodies == [{"n": 3}, {"n": 3}]


async def test_retries_try_again_after_a_5xx_or_timeout_only() -> None:
    http = MockHttp([_mock(status=500), _mock(json={"ok": True})])
    assert (await http.request(_get(retries=1))).status == 200
    assert len(http.requests) == 2
    four = MockHttp([_mock(status=404), _mock(json={})])
    assert (await four.request(_get(retries=2))).status == 404
    assert len(four.requests) == 1


async def test_unmocked_request_is_not_retried() -> None:
    http = MockHttp()
    assert (await http.request(_get(retries=3))).error == "connection"
    assert len(http.unmocked) == 1


def test_the_mocks_satisfy_the_port_protocols() -> None:
    http: HttpClient = MockHttp()
    ai: AiClient = MockAi()
    assert http and ai


# --------------------------------------------------------------------------- AI


def _ai_mock(**kw: object) -> ast.AiMock:
    return ast.AiMock.model_validate(kw)


async def test_reply_mocks_answer_in_turn_per_agent() -> None:
    ai = MockAi([_ai_mock(agent="sales", reply="s1"), _ai_mock(agent="sales", reply="s2"),
                 _ai_mock(agent="support", reply="t1")])
    texts = [(await ai.ask(_ai("reply", "sales"))).text for _ in range(3)]
    assert texts == ["s1", "s2", "s2"]
    assert (await ai.ask(_ai("reply", "support"))).text == "t1"


async def test_reply_mock_without_agent_answers_any_agent() -> None:
    ai = MockAi([_ai_mock(reply="any")])
    result = await ai.ask(_ai("reply", "whoever", rid="a9"))
    assert (result.text, result.request_id, result.wa_id) == ("any", "a9", "849")


async def test_no_reply_mock_is_an_error() -> None:
    result = await MockAi([_ai_mock(intent="x")]).ask(_ai("reply", "sales"))
    assert result.error == "no_mock" and result.text is None


async def test_intent_mock_matches_with_full_confidence_and_values() -> None:
    ai = MockAi([_ai_mock(intent="product_question", extract={"product": "gel"}),
                 _ai_mock(intent="complaint")])
    first = await ai.ask(_ai("intent"))
    assert (first.intent, first.confidence, first.values) == (
        "product_question", 1.0, {"product": "gel"})
    assert [(await ai.ask(_ai("intent"))).intent for _ in range(2)] == ["complaint"] * 2


async def test_no_intent_mock_matches_nothing() -> None:
    result = await MockAi([_ai_mock(reply="r")]).ask(_ai("intent"))
    assert result.intent is None and result.error is None


async def test_extract_mocks_answer_extraction_only() -> None:
    ai = MockAi([_ai_mock(intent="i", extract={"a": 1}), _ai_mock(extract={"day": "2030-12-28"})])
    assert (await ai.ask(_ai("extract"))).values == {"day": "2030-12-28"}
    assert (await MockAi().ask(_ai("extract"))).values == {}
    assert len(ai.requests) == 1
