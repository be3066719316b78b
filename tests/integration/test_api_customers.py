"""`/api/customers` against the real PostgreSQL: what a shop's CRM reads and changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from api_kit import Api, api_on_postgres

pytestmark = pytest.mark.service


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
