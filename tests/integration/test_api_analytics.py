"""`/api/analytics`: response times, AI usage and how a flow's runs ended, against the
real PostgreSQL the runtime fills."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import asyncpg
import pytest
from api_kit import Api, api_on_postgres, converse

from wactl.compiler.project import compile_project
from wactl.runtime.driver import Conductor
from wactl.runtime.effects import AiRequest
from wactl.runtime.engine import Engine
from wactl.runtime.events import AiResult, Inbound, Usage
from wactl.service.postgres import PostgresStore

pytestmark = pytest.mark.service

PROJECT = {"flows/hello.yaml": """
flow: hello
trigger: {keyword: [hi]}
steps:
  - {id: ask, ask: "Tên bạn là gì?", save: name}
  - {id: phone, ask: "Số điện thoại?", expect: phone, save: phone}
  - {id: greet, send: "Chào {{ name }}."}
""", "flows/menu.yaml": """
flow: menu
trigger: {keyword: [menu]}
steps:
  - {id: show, send: "Menu"}
""", "flows/refund.yaml": """
flow: refund
trigger: {keyword: [refund]}
rule: true
steps:
  - {id: human, handoff: "A person will help you.", team: returns}
"""}


async def say(pool: asyncpg.Pool, wa_id: str, *texts: str, at: datetime | None = None,
              shop: str = "alpha") -> None:
    """The customer sends `texts` to the shop, one a second, handled as the worker would."""
    program = compile_project(PROJECT).program
    assert program is not None
    conductor = Conductor(PostgresStore(pool), {shop: Engine(program)})
    start = at or datetime.now(UTC)
    for n, text in enumerate(texts):
        await conductor.handle(shop, Inbound(wa_id, start + timedelta(seconds=n), "text",
                                             id=f"wamid.{wa_id}.{n}.{start.timestamp()}",
                                             text=text))


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with api_on_postgres() as running:
        yield running


# --------------------------------------------------------------------------- funnel


async def test_the_funnel_says_how_runs_ended_and_where_the_dropped_ones_stopped(
        api: Api) -> None:
    await say(api.pool, "841", "hi", "An", "0901234567")          # completed
    await say(api.pool, "842", "hi", "An", "menu")                # superseded at `phone`
    await say(api.pool, "843", "hi")                              # in progress
    await say(api.pool, "844", "hi", at=datetime.now(UTC) - timedelta(hours=30))  # idle
    await say(api.pool, "845", "hi", "refund")                    # a rule hands over
    status, funnel = await api.call("GET", "/analytics/funnels/hello")
    assert status == 200
    assert [(s["step"], s["runs"]) for s in funnel["steps"]] == [
        ("ask", 5), ("phone", 2), ("greet", 1), ("end", 1)]
    [version] = funnel["versions"]
    assert (version["started"], version["completed"], version["handed_off"],
            version["dropped"], version["in_progress"]) == (5, 1, 1, 2, 1)
    assert sorted((d["step"], d["runs"]) for d in version["dropped_at"]) == [
        ("ask", 1), ("phone", 1)]
    _, patient = await api.call("GET", "/analytics/funnels/hello",
                                params={"idle_hours": "48"})
    [version] = patient["versions"]
    assert (version["dropped"], version["in_progress"]) == (1, 2)
    assert version["dropped_at"] == [{"step": "phone", "runs": 1}]
    _, menu = await api.call("GET", "/analytics/funnels/menu")
    assert [(v["started"], v["completed"]) for v in menu["versions"]] == [(1, 1)]
    _, rule = await api.call("GET", "/analytics/funnels/refund")
    assert [(v["started"], v["handed_off"]) for v in rule["versions"]] == [(1, 1)]
    _, other = await api.call("GET", "/analytics/funnels/hello", "beta")
    assert other == {"flow": "hello", "steps": [], "versions": []}
    status, _ = await api.call("GET", "/analytics/funnels/hello", params={"idle_hours": "0"})
    assert status == 422


# --------------------------------------------------------------------------- response times


async def test_response_and_resolution_times_per_day(api: Api) -> None:
    yesterday = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(10),
                                 tzinfo=UTC)
    await converse(api.pool, "alpha", "851", "hi", at=yesterday)  # the bot answers at once
    await api.pool.execute(
        "UPDATE sessions SET status = 'closed', closed_at = $1 WHERE wa_id = '851'",
        yesterday + timedelta(seconds=600))
    await _session(api.pool, "852", yesterday, [("out", 0), ("in", 10), ("out", 70),
                                                ("in", 80), ("out", 500)],
                   expired=yesterday + timedelta(seconds=3600))
    await _session(api.pool, "853", yesterday, [("in", 5)])   # not answered, still open
    await _session(api.pool, "854", yesterday - timedelta(days=10), [("in", 0), ("out", 1)])
    await converse(api.pool, "beta", "855", "hi", at=yesterday)
    status, times = await api.call("GET", "/analytics/response-times", params={"days": "3"})
    assert status == 200
    assert times["items"] == [{
        "day": yesterday.date().isoformat(), "sessions": 3,
        "first_response": {"count": 2, "median": 30.0, "p90": 54.0, "average": 30.0},
        "resolution": {"count": 2, "median": 2100.0, "p90": 3300.0, "average": 2100.0}}]
    _, beta = await api.call("GET", "/analytics/response-times", "beta",
                             params={"days": "3"})
    assert [(d["sessions"], d["first_response"]["median"]) for d in beta["items"]] == [
        (1, 0.0)]
    _, longer = await api.call("GET", "/analytics/response-times", params={"days": "30"})
    assert [d["sessions"] for d in longer["items"]] == [1, 3]


async def _session(pool: asyncpg.Pool, wa_id: str, opened: datetime,
                   messages: list[tuple[str, int]], *, expired: datetime | None = None,
                   ) -> None:
    """A session of shop alpha with messages `seconds` after it opened (as a person's
    replies from the inbox would leave them)."""
    await pool.execute(
        "INSERT INTO sessions (shop_id, wa_id, number, status, opened_at, last_message_at, "
        "closed_at) VALUES ('alpha', $1, 1, $2, $3, $3, $4)", wa_id,
        "active" if expired is None else "expired", opened, expired)
    for direction, seconds in messages:
        await pool.execute(
            "INSERT INTO messages (shop_id, wa_id, direction, kind, body, at, conversation) "
            "VALUES ('alpha', $1, $2, 'text', 'x', $3, 1)", wa_id, direction,
            opened + timedelta(seconds=seconds))


# --------------------------------------------------------------------------- AI usage

AI_PROJECT = {"agents/helper.yaml": """
agent: helper
model: gpt-4o-mini
""", "flows/advice.yaml": """
flow: advice
trigger: {keyword: [advice]}
steps:
  - {id: hi, send: "Ask me anything."}
  - {id: talk, agent: helper}
""", "flows/refund.yaml": """
flow: refund
trigger: {intent: refund}
steps:
  - {id: sorry, send: "Sorry!"}
"""}


async def test_ai_tokens_and_cost_are_counted_per_day_and_agent(api: Api) -> None:
    program = compile_project(AI_PROJECT).program
    assert program is not None
    conductor = Conductor(PostgresStore(api.pool), {"alpha": Engine(program)})
    now = datetime.now(UTC)

    async def ask_ai(wa_id: str, text: str, usage: Usage, *, reply: str | None = None,
                     intent: str | None = None) -> None:
        """The customer's `text` makes a request; its answer comes back (twice)."""
        handled = await conductor.handle("alpha", Inbound(wa_id, now, "text",
                                                          id=f"wamid.{wa_id}.{text}", text=text))
        [request] = [e for e in handled.effects if isinstance(e, AiRequest)]
        result = AiResult(wa_id, now, request.request_id, text=reply, intent=intent,
                          confidence=None if intent is None else 0.9, usage=usage)
        assert (await conductor.handle("alpha", result)).verdict == "handled"
        assert (await conductor.handle("alpha", result)).verdict != "handled", "counted once"

    await conductor.handle("alpha", Inbound("861", now, "text", id="w1", text="advice"))
    await ask_ai("861", "oily skin?", Usage("gpt-4o-mini", 100, 20, 0.25),
                 reply="Try the gel.")
    await ask_ai("861", "and dry skin?", Usage("gpt-4o-mini", 50, 10, 0.5), reply="A cream.")
    await ask_ai("862", "I want my money back", Usage("gpt-4o-mini", 30, 2, 0.125),
                 intent="refund")
    status, usage = await api.call("GET", "/analytics/ai", params={"days": "2"})
    assert status == 200
    day = now.date().isoformat()
    assert usage["items"] == [
        {"day": day, "purpose": "intent", "agent": None, "model": "gpt-4o-mini", "calls": 1,
         "prompt_tokens": 30, "completion_tokens": 2, "cost": 0.125},
        {"day": day, "purpose": "reply", "agent": "helper", "model": "gpt-4o-mini",
         "calls": 2, "prompt_tokens": 150, "completion_tokens": 30, "cost": 0.75}]
    assert (await api.call("GET", "/analytics/ai", "beta"))[1] == {"items": []}
    assert (await api.call("GET", "/analytics/ai", params={"days": "0"}))[0] == 422
