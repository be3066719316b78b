"""`/api/customers` against the real PostgreSQL: what a shop's CRM reads and changes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_kit import Api, api_on_postgres

from wactl.compiler.project import compile_project
from wactl.runtime.driver import Conductor, Dispatcher, Outside
from wactl.runtime.effect_codec import effect_from_data
from wactl.runtime.effects import Publish
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.runtime.memory import (
    InMemoryChannel,
    SystemClock,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.service.postgres import PostgresStore

pytestmark = pytest.mark.service

STOP = {"flows/stop.yaml": """
flow: stop
trigger: {keyword: [stop]}
steps:
  - {id: out, consent: opted_out}
"""}


class Recording:
    """An `EventPublisher` that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[Publish] = []

    async def publish(self, event: Publish) -> None:
        self.events.append(event)


def _dispatcher(api: Api, events: Recording) -> Dispatcher:
    store = PostgresStore(api.pool)
    outside = Outside(InMemoryChannel(), UnavailableHttpClient(), UnavailableAiClient(), events)
    return Dispatcher(store, Conductor(store, {}), outside, SystemClock())


async def _dispatch_all(api: Api, events: Recording) -> None:
    """Run a dispatcher until the outbox is empty (one entry per conversation a run)."""
    dispatcher = _dispatcher(api, events)
    while (await dispatcher.run_batch())[0]:
        pass


async def _outbox(api: Api) -> list[Any]:
    rows = await api.pool.fetch("SELECT effect FROM outbox ORDER BY id")
    return [effect_from_data(json.loads(r["effect"])) for r in rows]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with api_on_postgres() as running:
        yield running


async def test_a_customer_is_created_tagged_given_fields_and_consent(api: Api) -> None:
    status, made = await api.call("POST", "/customers", json={
        "wa_id": "84900000001", "name": "Mai", "tags": ["vip"], "fields": {"city": "Huế"}})
    assert status == 201 and made["name"] == "Mai" and made["tags"] == ["vip"]
    status, _ = await api.call("POST", "/customers", json={"wa_id": "84900000001"})
    assert status == 409
    status, tagged = await api.call("POST", "/customers/84900000001/tags",
                                    json={"add": ["cart"], "remove": ["vip"]})
    assert status == 200 and tagged["tags"] == ["cart"]
    status, _ = await api.call("POST", "/customers/84900000001/tags",
                               json={"add": ["x"], "remove": ["x"]})
    assert status == 422
    status, fields = await api.call("PATCH", "/customers/84900000001/fields",
                                    json={"set": {"points": 12}, "unset": ["city"]})
    assert fields["fields"] == {"points": 12}
    status, consented = await api.call("PUT", "/customers/84900000001/consent",
                                       json={"status": "opted_in", "source": "web form"})
    assert consented["consent"] == "opted_in" and consented["consent_source"] == "web form"
    assert consented["consent_at"] is not None
    status, got = await api.call("GET", "/customers/84900000001")
    assert status == 200 and got == consented


async def test_a_consent_change_publishes_its_event_through_the_outbox_once(api: Api) -> None:
    wa_id = "84900000001"
    await api.call("POST", "/customers", json={"wa_id": wa_id})
    status, first = await api.call("PUT", f"/customers/{wa_id}/consent",
                                   json={"status": "opted_in", "source": "web form"})
    assert status == 200 and first["consent"] == "opted_in"
    [entry] = await _outbox(api)
    assert isinstance(entry, Publish) and entry.name == "CustomerOptInChanged"
    at = datetime.fromisoformat(entry.payload.pop("at"))
    assert at == datetime.fromisoformat(first["consent_at"]) and at.tzinfo is not None
    assert entry.payload == {"wa_id": wa_id, "consent": "opted_in", "status": "opted_in",
                             "source": "web form"}

    status, again = await api.call("PUT", f"/customers/{wa_id}/consent",
                                   json={"status": "opted_in", "source": "a chat"})
    assert status == 200 and again == first, "the same status again keeps its time and source"
    assert len(await _outbox(api)) == 1

    events = Recording()
    await _dispatcher(api, events).run_once()
    await _dispatcher(api, events).run_once()
    assert [(e.name, e.payload["consent"]) for e in events.events] == [
        ("CustomerOptInChanged", "opted_in")]
    assert await _outbox(api) == []


async def test_the_apis_event_has_the_payload_a_flows_consent_step_gives(api: Api) -> None:
    program = compile_project(STOP).program
    assert program is not None
    store = PostgresStore(api.pool)
    done = await Conductor(store, {"alpha": Engine(program)}).handle(
        "alpha", Inbound("84900000002", datetime.now(UTC), "text", id="wamid.1", text="stop"))
    [flows] = [e for e in done.effects if isinstance(e, Publish)
               and e.name == "CustomerOptInChanged"]
    await api.call("POST", "/customers", json={"wa_id": "84900000001"})
    await api.call("PUT", "/customers/84900000001/consent",
                   json={"status": "opted_out", "source": "call centre"})
    events = Recording()
    await _dispatch_all(api, events)
    by_customer = {e.payload["wa_id"]: e for e in events.events
                   if e.name == "CustomerOptInChanged"}
    assert by_customer["84900000002"] == flows
    ours = by_customer["84900000001"]
    assert ours.name == flows.name == "CustomerOptInChanged"
    assert {k: v for k, v in ours.payload.items() if k not in ("status", "at", "source")} == {
        **flows.payload, "wa_id": "84900000001"}
    assert (ours.payload["status"], ours.payload["source"]) == ("opted_out", "call centre")


async def test_consent_for_no_such_customer_is_404_and_writes_nothing(api: Api) -> None:
    status, error = await api.call("PUT", "/customers/84900000009/consent",
                                   json={"status": "opted_in", "source": "web form"})
    assert status == 404 and error["error"]["code"] == "not_found"
    assert await api.pool.fetchval("SELECT count(*) FROM customers") == 0
    assert await _outbox(api) == []


async def test_the_list_filters_and_pages_with_a_cursor_each_customer_once(api: Api) -> None:
    for n in range(7):
        await api.call("POST", "/customers", json={
            "wa_id": f"8490000000{n}", "name": f"Khách {n}",
            "tags": ["even"] if n % 2 == 0 else []})
    seen: list[str] = []
    params = {"limit": "3"}
    while True:
        status, page = await api.call("GET", "/customers", params=params)
        assert status == 200
        seen += [c["wa_id"] for c in page["items"]]
        if page["next"] is None:
            break
        params = {"limit": "3", "cursor": page["next"]}
    assert seen == [f"8490000000{n}" for n in range(7)]
    _, evens = await api.call("GET", "/customers", params={"tag": "even"})
    assert [c["wa_id"] for c in evens["items"]] == [f"8490000000{n}" for n in (0, 2, 4, 6)]
    _, found = await api.call("GET", "/customers", params={"q": "khách 3"})
    assert [c["wa_id"] for c in found["items"]] == ["84900000003"]
    _, none = await api.call("GET", "/customers", params={"consent": "opted_in"})
    assert none["items"] == []


async def test_the_list_filters_by_opt_in_status_with_tag_and_text(api: Api) -> None:
    people = [("84900000001", "Mai", "opted_in", ["vip"]), ("84900000002", "Lan", "opted_out",
              ["vip"]), ("84900000003", "Mai Anh", None, []), ("84900000004", "Minh",
              "opted_in", [])]
    for wa_id, name, consent, tags in people:
        await api.call("POST", "/customers", json={"wa_id": wa_id, "name": name, "tags": tags})
        if consent is not None:
            await api.call("PUT", f"/customers/{wa_id}/consent",
                           json={"status": consent, "source": "web form"})

    async def listed(**params: str) -> list[str]:
        status, page = await api.call("GET", "/customers", params=params)
        assert status == 200, (params, page)
        return [c["wa_id"][-1] for c in page["items"]]

    assert await listed(consent="opted_in") == ["1", "4"]
    assert await listed(consent="opted_out") == ["2"]
    assert await listed(consent="unknown") == ["3"]
    assert await listed(consent="opted_in", tag="vip") == ["1"]
    assert await listed(consent="opted_in", q="mai") == ["1"]
    assert await listed(consent="unknown", q="MAI") == ["3"]
    assert await listed(consent="opted_out", q="mai") == []
    status, error = await api.call("GET", "/customers", params={"consent": "maybe"})
    assert status == 422 and error["error"]["code"] == "invalid"


async def test_sql_like_and_pattern_text_in_a_filter_is_only_text(api: Api) -> None:
    await api.call("POST", "/customers", json={"wa_id": "84900000001", "name": "100% real_name"})
    await api.call("POST", "/customers", json={"wa_id": "84900000002", "name": "1000 rea"})
    for text, expected in [("%", ["84900000001"]), ("_", ["84900000001"]),
                           ("0% r", ["84900000001"]), ("'; DROP TABLE customers; --", []),
                           ("\\", [])]:
        status, page = await api.call("GET", "/customers", params={"q": text})
        assert status == 200, text
        assert [c["wa_id"] for c in page["items"]] == expected, text
    assert await api.pool.fetchval("SELECT count(*) FROM customers") == 2


async def test_a_tampered_cursor_is_a_400_json_error(api: Api) -> None:
    for n in range(3):
        await api.call("POST", "/customers", json={"wa_id": f"8490000000{n}"})
    _, page = await api.call("GET", "/customers", params={"limit": "1"})
    payload, _, mac = page["next"].partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    for cursor in (forged, page["next"] + "x", "bm90.c2lnbmVk"):
        status, error = await api.call("GET", "/customers", params={"cursor": cursor})
        assert status == 400 and error["error"]["code"] == "bad_cursor"
    status, error = await api.call("GET", "/customers", params={"cursor": "not a cursor"})
    assert status == 422 and error["error"]["code"] == "invalid"
    status, error = await api.call("GET", "/customers", "beta",
                                   params={"cursor": page["next"]})
    assert status == 400, "a cursor of one shop's list is not another's"


async def test_export_holds_everything_and_forget_anonymises(api: Api) -> None:
    await api.call("POST", "/customers", json={"wa_id": "84900000001", "name": "Mai"})
    await api.pool.execute(
        "INSERT INTO messages (shop_id, wa_id, direction, kind, body, at) VALUES "
        "('alpha', '84900000001', 'in', 'text', 'đơn hàng 123', now()), "
        "('alpha', '84900000001', 'out', 'text', 'Cảm ơn Mai', now())")
    status, export = await api.call("GET", "/customers/84900000001/export")
    assert status == 200 and export["customer"]["name"] == "Mai"
    assert [m["body"] for m in export["messages"]] == ["đơn hàng 123", "Cảm ơn Mai"]
    status, _ = await api.call("DELETE", "/customers/84900000001")
    assert status == 204
    assert (await api.call("GET", "/customers/84900000001"))[0] == 404
    rows = await api.pool.fetch("SELECT wa_id, body FROM messages ORDER BY id")
    assert len(rows) == 2, "aggregates keep counting the messages"
    assert all(r["body"] == "" and r["wa_id"].startswith("forgotten-") for r in rows)
    names = await api.pool.fetch("SELECT name FROM customers WHERE shop_id = 'alpha'")
    assert [r["name"] for r in names] == [None]
    assert (await api.call("DELETE", "/customers/84900000001"))[0] == 404


async def test_bad_bodies_get_json_errors_and_change_nothing(api: Api) -> None:
    cases = [(b"{not json", 400, "malformed_json"),
             (b'{"wa_id": "849", "nme": "typo"}', 422, "invalid"),
             (b'{"wa_id": "84 9"}', 422, "invalid"),
             (b'{"wa_id": "849", "tags": [""]}', 422, "invalid"),
             (b"x" * (10 << 20), 413, "too_large")]
    for data, status, code in cases:
        got, error = await api.call("POST", "/customers", data=data,
                                    headers={**api.auth("alpha"),
                                             "Content-Type": "application/json"})
        assert (got, error["error"]["code"]) == (status, code), data[:40]
    assert await api.pool.fetchval("SELECT count(*) FROM customers") == 0
    got, error = await api.call("GET", "/nowhere")
    assert got == 404 and error["error"]["code"] == "not_found"


async def test_a_flows_consent_step_stamps_the_time_and_source_the_api_shows(api: Api) -> None:
    program = compile_project(STOP).program
    assert program is not None
    conductor = Conductor(PostgresStore(api.pool), {"alpha": Engine(program)})
    await api.call("POST", "/customers", json={"wa_id": "84900000003"})
    await api.call("PUT", "/customers/84900000003/consent",
                   json={"status": "opted_in", "source": "web form"})
    _, before = await api.call("GET", "/customers/84900000003")
    await conductor.handle("alpha", Inbound("84900000003", datetime.now(UTC), "text",
                                            id="wamid.stop1", text="stop"))
    _, after = await api.call("GET", "/customers/84900000003")
    assert (after["consent"], after["consent_source"]) == ("opted_out", "flow")
    assert after["consent_at"] is not None and after["consent_at"] >= before["consent_at"]
    await conductor.handle("alpha", Inbound("84900000003", datetime.now(UTC), "text",
                                            id="wamid.hello", text="hello"))
    _, unchanged = await api.call("GET", "/customers/84900000003")
    assert unchanged["consent_at"] == after["consent_at"], "no change, no new stamp"
