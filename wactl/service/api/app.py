"""The management API application, mounted at `/api` by `wactl serve` on PostgreSQL.

Every request but `GET /api/openapi.json` carries a shop's key
(`Authorization: Bearer wak_...`); the key's shop is the only one the request sees.
"""

from __future__ import annotations

from aiohttp import web

from wactl.service.api import accounts, agents, conversations, customers, flows, insights, search
from wactl.service.api.context import CONTEXT, ApiContext, context
from wactl.service.api.errors import ApiError, Handler, error_middleware
from wactl.service.api.models import ShopOut
from wactl.service.api.spec import SHOP, Call, Endpoint, document_json, register

BODY_LIMIT = 1 << 20
"""Bytes a request body may have (a deploy bundle of a big shop fits)."""


async def me(call: Call) -> ShopOut:
    shop = await context(call.request).management.shop(call.shop)
    assert shop is not None  # its key authenticated
    return ShopOut(shop_id=shop.shop_id, name=shop.name, created_at=shop.created_at)


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/shop", me, "The shop of this key", ShopOut),
    *customers.ENDPOINTS,
    *conversations.ENDPOINTS,
    *accounts.ENDPOINTS,
    *search.ENDPOINTS,
    *flows.ENDPOINTS,
    *agents.ENDPOINTS,
    *insights.ENDPOINTS,
]
PUBLIC = {"/api/openapi.json"}


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC:
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    shop = None
    if scheme.lower() == "bearer" and token:
        shop = await context(request).management.authenticate(token.strip())
    if shop is None:
        raise ApiError(401, "unauthorized", "a valid API key is needed (Authorization: Bearer)")
    request[SHOP] = shop
    return await handler(request)


def make_api(ctx: ApiContext) -> web.Application:
    """The `/api` sub-application."""
    api = web.Application(middlewares=[error_middleware, auth_middleware],
                          client_max_size=BODY_LIMIT)
    api[CONTEXT] = ctx
    document = document_json(ENDPOINTS)

    async def spec(request: web.Request) -> web.Response:
        return web.Response(text=document, content_type="application/json")

    api.router.add_get("/openapi.json", spec)
    register(api, ENDPOINTS)
    return api
