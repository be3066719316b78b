"""`/api/accounts` and `/api/secrets`: numbers connected, tokens and secrets encrypted at
rest, never shown, and another shop's number never reachable."""

from __future__ import annotations

import logging

import pytest
from api_kit import KEYRING, api_on_postgres

from wactl.service.postgres.secrets import PostgresSecrets

pytestmark = pytest.mark.service

TOKEN = "EAAG-secret-token.0123456789"
NUMBER = "106540352242922"


async def test_a_number_is_connected_changed_suspended_and_disconnected(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with api_on_postgres() as api:
        status, made = await api.call("POST", "/accounts", json={
            "phone_number_id": NUMBER, "access_token": TOKEN, "display_phone": "+84 90 000"})
        assert status == 201 and made["has_token"] and made["status"] == "active"
        stored = await api.pool.fetchval("SELECT access_token FROM accounts")
        assert TOKEN not in stored and stored.startswith("v1.")
        assert await PostgresSecrets(api.pool, KEYRING).token(NUMBER) == TOKEN
        status, error = await api.call("POST", "/accounts", "beta", json={
            "phone_number_id": NUMBER, "access_token": "EAAG-other-shop"})
        assert status == 409 and error["error"]["code"] == "connected"
        assert (await api.call("POST", f"/accounts/{NUMBER}/suspend", "beta"))[0] == 404
        _, theirs = await api.call("GET", "/accounts", "beta")
        assert theirs["items"] == []
        status, changed = await api.call("PATCH", f"/accounts/{NUMBER}", json={
            "webhook_url": "https://shop.example/hook", "access_token": TOKEN + "-new"})
        assert status == 200 and changed["webhook_url"] == "https://shop.example/hook"
        assert await PostgresSecrets(api.pool, KEYRING).token(NUMBER) == TOKEN + "-new"
        _, tiered = await api.call("PATCH", f"/accounts/{NUMBER}", json={"tier": 1000})
        assert tiered["tier"] == 1000 and tiered["webhook_url"] == "https://shop.example/hook"
        assert (await api.call("PATCH", f"/accounts/{NUMBER}", json={"tier": 7}))[0] == 422
        for url in ("https://shop.example/\u0000hook", "https://shop .example", "http://x.vn"):
            status, error = await api.call("PATCH", f"/accounts/{NUMBER}",
                                           json={"webhook_url": url})
            assert status == 422 and error["error"]["code"], error
        _, kept = await api.call("PATCH", f"/accounts/{NUMBER}", json={})
        assert kept["tier"] == 1000
        _, unlimited = await api.call("PATCH", f"/accounts/{NUMBER}", json={"tier": "unlimited"})
        assert unlimited["tier"] is None
        _, suspended = await api.call("POST", f"/accounts/{NUMBER}/suspend")
        assert suspended["status"] == "suspended"
        _, active = await api.call("POST", f"/accounts/{NUMBER}/activate")
        assert active["status"] == "active"
        _, listed = await api.call("GET", "/accounts")
        assert TOKEN not in str(listed) and [a["phone_number_id"] for a in listed["items"]] == [
            NUMBER]
        assert (await api.call("DELETE", f"/accounts/{NUMBER}"))[0] == 204
        assert (await api.call("GET", f"/accounts/{NUMBER}"))[0] == 404
    assert TOKEN not in caplog.text


async def test_secrets_are_set_listed_by_name_and_deleted_per_shop() -> None:
    async with api_on_postgres() as api:
        assert (await api.call("PUT", "/secrets/SHOP_API_TOKEN", json={"value": "s3cr3t"}))[0] \
            == 204
        _, names = await api.call("GET", "/secrets")
        assert names == {"names": ["SHOP_API_TOKEN"]}
        _, theirs = await api.call("GET", "/secrets", "beta")
        assert theirs == {"names": []}
        assert (await api.call("DELETE", "/secrets/SHOP_API_TOKEN", "beta"))[0] == 404
        raw = await api.pool.fetchval("SELECT value FROM shop_secrets")
        assert "s3cr3t" not in raw
        assert await PostgresSecrets(api.pool, KEYRING).secrets("alpha") == {
            "SHOP_API_TOKEN": "s3cr3t"}
        assert (await api.call("PUT", "/secrets/lower", json={"value": "x"}))[0] == 404
        assert (await api.call("DELETE", "/secrets/SHOP_API_TOKEN"))[0] == 204
        assert (await api.call("DELETE", "/secrets/SHOP_API_TOKEN"))[0] == 404


async def test_without_an_encryption_key_nothing_secret_is_stored() -> None:
    async with api_on_postgres(encrypted=False) as api:
        status, error = await api.call("POST", "/accounts", json={
            "phone_number_id": NUMBER, "access_token": TOKEN})
        assert status == 503 and error["error"]["code"] == "no_encryption_key"
        assert (await api.call("PUT", "/secrets/A", json={"value": "x"}))[0] == 503
        assert await api.pool.fetchval("SELECT count(*) FROM accounts") == 0
