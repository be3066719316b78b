"""`/api/accounts` (the shop's WhatsApp numbers) and `/api/secrets` (its flow secrets).

Access tokens and secret values go in, encrypted at rest under the service's keyring,
and never come out: answers say only whether a number has a token, and which secret
names are set.  Without a keyring the service cannot keep them: 503 `no_encryption_key`.
"""

from __future__ import annotations

import logging

from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    AccountChange,
    AccountConnect,
    AccountList,
    AccountOut,
    SecretNames,
    SecretValue,
)
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.accounts_admin import AccountRow, AccountsAdmin
from wactl.service.postgres.secrets import PostgresSecrets

log = logging.getLogger("wactl.api")
_NONE = ApiError(404, "not_found", "no such number in this shop")


def _admin(call: Call) -> AccountsAdmin:
    return AccountsAdmin(context(call.request).pool, call.shop)


def _secrets(call: Call) -> PostgresSecrets:
    secrets = context(call.request).secrets
    if secrets is None:
        raise ApiError(503, "no_encryption_key", "the service has no encryption key "
                       "(WACTL_ENCRYPTION_KEY_FILE): tokens and secrets cannot be kept")
    return secrets


def _out(row: AccountRow | None) -> AccountOut:
    if row is None:
        raise _NONE
    return AccountOut.model_validate(row, from_attributes=True)


async def list_accounts(call: Call) -> AccountList:
    return AccountList(items=[_out(a) for a in await _admin(call).all()])


async def get_account(call: Call) -> AccountOut:
    return _out(await _admin(call).get(call.path["phone_number_id"]))


async def connect(call: Call) -> AccountOut:
    b: AccountConnect = call.body
    secrets = _secrets(call)
    if not await _admin(call).connect(b.phone_number_id, b.display_phone, b.tier, b.webhook_url):
        raise ApiError(409, "connected", "this number is connected already")
    await secrets.set_token(b.phone_number_id, b.access_token)
    log.info("number connected", extra={"code": "account_connected", "shop": call.shop,
                                        "phone_number_id": b.phone_number_id})
    return _out(await _admin(call).get(b.phone_number_id))


async def change(call: Call) -> AccountOut:
    b: AccountChange = call.body
    number = call.path["phone_number_id"]
    secrets = _secrets(call) if b.access_token is not None else None
    if not await _admin(call).change(number, display_phone=b.display_phone,
                                     webhook_url=b.webhook_url, tier=b.tier):
        raise _NONE
    if secrets is not None and b.access_token is not None:
        await secrets.set_token(number, b.access_token)
    return _out(await _admin(call).get(number))


async def _status(call: Call, status: str) -> AccountOut:
    number = call.path["phone_number_id"]
    if not await _admin(call).change(number, status=status):
        raise _NONE
    log.info("number %s", status, extra={"code": f"account_{status}", "shop": call.shop,
                                         "phone_number_id": number})
    return _out(await _admin(call).get(number))


async def suspend(call: Call) -> AccountOut:
    return await _status(call, "suspended")


async def activate(call: Call) -> AccountOut:
    return await _status(call, "active")


async def disconnect(call: Call) -> None:
    if not await _admin(call).disconnect(call.path["phone_number_id"]):
        raise _NONE


async def secret_names(call: Call) -> SecretNames:
    return SecretNames(names=await _secrets(call).secret_names(call.shop))


async def set_secret(call: Call) -> None:
    b: SecretValue = call.body
    await _secrets(call).set_secret(call.shop, call.path["name"], b.value)


async def delete_secret(call: Call) -> None:
    if not await _secrets(call).delete_secret(call.shop, call.path["name"]):
        raise ApiError(404, "not_found", "no such secret")


_ONE = "/accounts/{phone_number_id}"
ENDPOINTS = [
    Endpoint("GET", "/accounts", list_accounts, "The shop's WhatsApp numbers", AccountList),
    Endpoint("POST", "/accounts", connect, "Connect a number with its access token",
             AccountOut, body=AccountConnect, status=201, errors=(409, 503)),
    Endpoint("GET", _ONE, get_account, "A connected number", AccountOut),
    Endpoint("PATCH", _ONE, change, "Change the token, display phone or webhook URL",
             AccountOut, body=AccountChange, errors=(503,)),
    Endpoint("POST", _ONE + "/suspend", suspend, "Stop serving the number", AccountOut),
    Endpoint("POST", _ONE + "/activate", activate, "Serve the number again", AccountOut),
    Endpoint("DELETE", _ONE, disconnect, "Disconnect the number"),
    Endpoint("GET", "/secrets", secret_names, "The names of the shop's flow secrets",
             SecretNames, errors=(503,)),
    Endpoint("PUT", "/secrets/{name}", set_secret, "Set a flow secret (`secrets.NAME`)",
             body=SecretValue, errors=(503,)),
    Endpoint("DELETE", "/secrets/{name}", delete_secret, "Delete a flow secret",
             errors=(503,)),
]
