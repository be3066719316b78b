"""`/api/conversations` against the real PostgreSQL, beside the runtime that fills it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from api_kit import Api, api_on_postgres, converse

from wactl.service.postgres import PostgresStore

pytestmark = pytest.mark.service

WA, OLD = "84900000001", "84900000002"
@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with api_on_postgres() as running:
        await converse(running.pool, "alpha", WA, "hi")
        await converse(running.pool, "alpha", OLD, "hi",
                       at=datetime.now(UTC) - timedelta(hours=25))
        yield running


async def test_conversations_are_listed_read_and_paged(api: Api) -> None:
    status, page = await api.call("GET", "/conversations", params={"status": "active"})
    assert status == 200 and {c["wa_id"] for c in page["items"]} == {WA, OLD}
    assert page["items"][0]["wa_id"] == WA, "newest activity first"
    _, first = await api.call("GET", "/conversations", params={"limit": "1"})
    _, second = await api.call("GET", "/conversations",
                               params={"limit": "1", "cursor": first["next"]})
    assert [first["items"][0]["wa_id"], second["items"][0]["wa_id"]] == [WA, OLD]
    assert second["next"] is None
    status, one = await api.call("GET", f"/conversations/{WA}/1")
    assert status == 200 and one["conversation"]["status"] == "active"
    assert [(m["direction"], m["body"]) for m in one["messages"]] == [
        ("out", "Tên bạn là gì?"), ("in", "hi")]
    _, paged = await api.call("GET", f"/conversations/{WA}/1", params={"limit": "1"})
    _, rest = await api.call("GET", f"/conversations/{WA}/1",
                             params={"limit": "1", "cursor": paged["next"]})
    assert [m["body"] for m in paged["messages"] + rest["messages"]] == ["Tên bạn là gì?", "hi"]
    _, history = await api.call("GET", f"/customers/{WA}/conversations")
    assert [c["number"] for c in history["items"]] == [1]
    assert (await api.call("GET", f"/conversations/{WA}/9"))[0] == 404
    assert (await api.call("GET", f"/conversations/{WA}/x"))[0] == 404
    _, theirs = await api.call("GET", "/conversations", "beta")
    assert theirs["items"] == []


async def test_a_person_assigns_sends_in_the_window_and_closes(api: Api) -> None:
    status, assigned = await api.call("POST", f"/conversations/{WA}/assign", json={"to": "lan"})
    assert status == 200 and assigned["assigned_to"] == "lan"
    _, mine = await api.call("GET", "/conversations", params={"assigned_to": "lan"})
    assert [c["wa_id"] for c in mine["items"]] == [WA]
    status, queued = await api.call("POST", f"/conversations/{WA}/messages",
                                    json={"text": "Mình là Lan, mình giúp bạn nhé."})
    assert status == 202 and queued["status"] == "queued"
    outbox = await api.pool.fetch("SELECT message_id FROM outbox WHERE wa_id = $1", WA)
    assert queued["message_id"] in {r["message_id"] for r in outbox}
    _, one = await api.call("GET", f"/conversations/{WA}/1")
    assert one["messages"][0]["body"] == "Mình là Lan, mình giúp bạn nhé."
    status, closed = await api.call("POST", f"/conversations/{WA}/close")
    assert status == 200 and closed["status"] == "closed" and closed["closed_by"] == "api"
    status, error = await api.call("POST", f"/conversations/{WA}/close")
    assert status == 409 and error["error"]["code"] == "not_active"


async def test_outside_the_window_only_a_template_goes_out(api: Api) -> None:
    before = await api.pool.fetchval("SELECT count(*) FROM outbox")
    status, error = await api.call("POST", f"/conversations/{OLD}/messages", json={"text": "hi"})
    assert status == 409 and error["error"]["code"] == "window_closed"
    assert await api.pool.fetchval("SELECT count(*) FROM outbox") == before
    status, _ = await api.call("POST", f"/conversations/{OLD}/messages", json={
        "template": {"name": "order_update", "language": "vi", "params": ["123"]}})
    assert status == 202
    assert await api.pool.fetchval("SELECT count(*) FROM outbox") == before + 1
    for body in ({}, {"text": "a", "template": {"name": "x", "language": "vi"}}):
        assert (await api.call("POST", f"/conversations/{OLD}/messages", json=body))[0] == 422
    status, _ = await api.call("POST", "/conversations/84999999999/messages", json={"text": "a"})
    assert status == 404
    status, _ = await api.call("POST", f"/conversations/{WA}/messages", "beta",
                               json={"text": "a"})
    assert status == 404, "another shop's customer is not there"


async def test_hand_back_to_the_bot_ends_a_handoff(api: Api) -> None:
    store = PostgresStore(api.pool)
    async with store.shop("alpha").unit(WA) as u:
        state = await u.conversations.load(WA)
        assert state is not None
        state.handed_off, state.needs_human = True, True
        await u.conversations.save(state)
    status, back = await api.call("POST", f"/conversations/{WA}/handback")
    assert status == 200 and back == {"wa_id": WA, "handed_off": False}
    async with store.shop("alpha").unit(WA) as u:
        state = await u.conversations.load(WA)
        assert state is not None and not state.handed_off and not state.needs_human
    assert (await api.call("POST", "/conversations/84999999999/handback"))[0] == 404


async def test_search_folds_accents_pages_and_keeps_to_the_shop(api: Api) -> None:
    await converse(api.pool, "alpha", WA, "Đơn hàng 123 của tôi đâu?", n=2)
    await converse(api.pool, "beta", WA, "đơn hàng của shop khác", n=3)
    status, page = await api.call("GET", "/messages/search", params={"q": "don hang"})
    assert status == 200 and [(h["direction"], h["body"]) for h in page["items"]] == [
        ("out", "Chào Đơn hàng 123 của tôi đâu?."), ("in", "Đơn hàng 123 của tôi đâu?")]
    _, same = await api.call("GET", "/messages/search", params={"q": "ĐƠN HÀNG"})
    assert same["items"] == page["items"]
    for text in ("'; DROP TABLE messages; --", "%", "a & b | !c", "\\"):
        status, found = await api.call("GET", "/messages/search", params={"q": text})
        assert status == 200 and found["items"] == [], text
    assert await api.pool.fetchval("SELECT count(*) FROM messages") > 0
    _, first = await api.call("GET", "/messages/search", params={"q": "hi", "limit": "1"})
    _, rest = await api.call("GET", "/messages/search",
                             params={"q": "hi", "limit": "1", "cursor": first["next"]})
    assert len(first["items"]) == 1 and len(rest["items"]) == 1
    assert first["items"][0]["wa_id"] != rest["items"][0]["wa_id"]
    status, error = await api.call("GET", "/messages/search", params={"q": "x" * 201})
    assert status == 422


async def test_runs_in_progress_their_trace_volume_and_the_funnel(api: Api) -> None:
    status, runs = await api.call("GET", "/runs", params={"flow": "hello"})
    assert status == 200 and sorted(r["wa_id"] for r in runs["items"]) == [WA, OLD]
    assert {r["step"] for r in runs["items"]} == {"ask"}
    mine = next(r for r in runs["items"] if r["wa_id"] == WA)
    status, trace = await api.call("GET", f"/customers/{WA}/runs/{mine['run_id']}")
    assert status == 200 and [s["step"] for s in trace["steps"]][:1] == ["ask"]
    assert (await api.call("GET", f"/customers/{WA}/runs/{mine['run_id']}", "beta"))[0] == 404
    _, volume = await api.call("GET", "/analytics/messages", params={"days": "2"})
    counts = {(v["direction"]): v["messages"] for v in volume["items"]
              if v["day"] == datetime.now(UTC).date().isoformat()}
    assert counts.get("in", 0) >= 1 and counts.get("out", 0) >= 1
    _, funnel = await api.call("GET", "/analytics/funnels/hello")
    assert [(s["step"], s["runs"]) for s in funnel["steps"]] == [("ask", 2)]
    _, nothing = await api.call("GET", "/analytics/funnels/hello", "beta")
    assert nothing["steps"] == []
