"""Keys: a shop's key sees its own shop only; a revoked, malformed or missing key is 401."""

from __future__ import annotations

import json

import pytest
from api_kit import HELLO, KEYRING, api_on_postgres, converse

from wactl.compiler.project import compile_project
from wactl.service.api.app import ENDPOINTS
from wactl.service.postgres.secrets import PostgresSecrets

pytestmark = pytest.mark.service

SAMPLE = {"wa_id": "84900000001"}
_ALPHA = compile_project({"wactl.yaml": "shop: alpha\n", **HELLO}).program
assert _ALPHA is not None
ALPHA_BUNDLE = json.loads(_ALPHA.to_json())


TABLES = ("customers", "sessions", "messages", "outbox", "conversation_states", "accounts",
          "shop_secrets", "flow_versions", "shop_programs")
NUMBER = "106540352242922"
CREATES = {("POST", "/customers"), ("PUT", "/secrets/{name}")}
"""Made in the caller's own shop: checked apart."""
WALKED = {("PUT", "/customers/{wa_id}/consent"), ("POST", "/flows/{flow}/activate"),
          ("POST", "/flows/{flow}/rollback"), ("POST", "/flows/{flow}/deactivate")}
"""Changes of the other shop's rows the walk must try (among all the endpoints)."""


def _path(template: str) -> str:
    return (template.replace("{wa_id}", SAMPLE["wa_id"]).replace("{number}", "1")
            .replace("{phone_number_id}", NUMBER).replace("{name}", "SHOP_TOKEN")
            .replace("{flow}", "hello"))


def _body(method: str, path: str) -> dict[str, object] | None:
    if method == "POST" and path == "/customers":
        return {"wa_id": SAMPLE["wa_id"], "name": "Intruder"}
    if method == "POST" and path == "/accounts":
        return {"phone_number_id": NUMBER, "access_token": "EAAG-intruder"}
    if method == "PATCH" and path.startswith("/accounts"):
        return {"display_phone": "+1", "access_token": "EAAG-intruder"}
    if method == "PUT" and path.startswith("/secrets"):
        return {"value": "intruder"}
    if path == "/deploy":
        return {"bundle": ALPHA_BUNDLE, "dry_run": False}
    if path.endswith("/rollback"):
        return {"to": 1}
    bodies: dict[str, dict[str, object]] = {
        "/tags": {"add": ["x"]}, "/fields": {"set": {"a": 1}}, "/assign": {"to": "x"},
        "/consent": {"status": "opted_out", "source": "x"}, "/messages": {"text": "x"}}
    for suffix, body in bodies.items():
        if path.endswith(suffix):
            return body
    return {} if method in ("POST", "PATCH", "PUT") else None


async def test_every_endpoint_with_another_shops_key_sees_and_changes_nothing_of_it() -> None:
    async with api_on_postgres() as api:
        await converse(api.pool, "alpha", SAMPLE["wa_id"], "hi")
        assert (await api.call("PATCH", _path("/customers/{wa_id}"), "alpha",
                               json={"name": "Mai"}))[0] == 200
        assert (await api.call("POST", _path("/customers/{wa_id}/tags"), "alpha",
                               json={"add": ["vip"]}))[0] == 200
        assert (await api.call("POST", "/accounts", "alpha", json={
            "phone_number_id": NUMBER, "access_token": "EAAG-alpha-token"}))[0] == 201
        assert (await api.call("PUT", "/secrets/SHOP_TOKEN", "alpha",
                               json={"value": "alpha"}))[0] == 204
        assert (await api.call("POST", "/deploy", "alpha", json={
            "bundle": ALPHA_BUNDLE, "dry_run": False}))[0] == 200
        assert (await api.call("PUT", _path("/customers/{wa_id}/consent"), "alpha", json={
            "status": "opted_in", "source": "web form"}))[0] == 200
        before = [await api.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES]
        assert all(before), "alpha has rows in every table"
        assert ENDPOINTS, "the API has endpoints"
        walked: set[tuple[str, str]] = set()
        for e in ENDPOINTS:
            if (e.method, e.path) in CREATES:
                continue  # what it makes is the other shop's own: checked below
            walked.add((e.method, e.path))
            params = {"q": "hi"} if e.path == "/messages/search" else None
            status, body = await api.call(e.method, _path(e.path), "beta",
                                          json=_body(e.method, e.path), params=params)
            if e.path == "/shop":
                assert body["shop_id"] == "beta"
            elif status == 200 and ("items" in body or "names" in body or "steps" in body):
                assert not body.get("items", body.get("names", body.get("steps"))), e.path
                assert not body.get("versions"), e.path
            else:
                assert status in (403, 404, 409), (e.method, e.path, status, body)
        assert WALKED <= walked
        after = [await api.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES]
        assert after == before
        status, made = await api.call("POST", "/customers", "beta",
                                      json=_body("POST", "/customers"))
        assert status == 201 and made["tags"] == []
        assert (await api.call("PUT", "/secrets/SHOP_TOKEN", "beta",
                               json={"value": "beta"}))[0] == 204
        assert await PostgresSecrets(api.pool, KEYRING).secrets("alpha") == {"SHOP_TOKEN": "alpha"}
        _, mine = await api.call("GET", _path("/customers/{wa_id}"), "alpha")
        assert mine["name"] == "Mai" and mine["tags"] == ["vip"]


async def test_missing_malformed_wrong_and_revoked_keys_are_401() -> None:
    async with api_on_postgres() as api:
        good = api.keys["alpha"]
        key_id = good.split("_")[1]
        wrong_secret = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        for headers in ({}, {"Authorization": good}, {"Authorization": "Bearer "},
                        {"Authorization": f"Basic {good}"},
                        {"Authorization": f"Bearer {wrong_secret}"},
                        {"Authorization": "Bearer wak_'; DROP TABLE api_keys; --"}):
            status, error = await api.call("GET", "/shop", headers=headers)
            assert status == 401 and error["error"]["code"] == "unauthorized", headers
        assert (await api.call("GET", "/shop"))[0] == 200
        assert await api.management.revoke_key(key_id)
        assert (await api.call("GET", "/shop"))[0] == 401
        assert not await api.management.revoke_key(key_id)


async def test_only_a_hash_of_the_key_is_stored() -> None:
    async with api_on_postgres() as api:
        secret = api.keys["alpha"].split("_", 2)[2]
        rows = await api.pool.fetch("SELECT * FROM api_keys")
        assert rows and all(secret.encode() not in bytes(r["hash"]) and
                            secret not in str(dict(r)) for r in rows)
