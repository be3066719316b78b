"""The API's endpoints as data: each one's method, path, models and handler.

The same table registers the aiohttp routes (`register`) and writes the OpenAPI 3.1
document (`openapi`): the query and body a handler gets are validated with the models
the document names, and its answer is serialised through its answer model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from wactl.service.api.errors import ApiError, ErrorAnswer, invalid

SHOP = web.RequestKey("shop", str)
"""The shop of the request's API key (set by the auth middleware)."""


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the request, its shop, and its validated parts."""

    request: web.Request
    shop: str
    path: dict[str, str]
    query: Any
    body: Any


HandlerFn = Callable[[Call], Awaitable[BaseModel | None]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: HandlerFn
    summary: str
    answer: type[BaseModel] | None = None
    """None: 204 No Content."""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    """Statuses besides 400/401/413/422 this endpoint answers with."""


PATH_PARAM = re.compile(r"\{(\w+)\}")
_PATH_MAX = 200
PATH_PATTERNS = {"number": r"[0-9]{1,9}", "phone_number_id": r"[0-9]{1,64}",
                 "name": r"[A-Z][A-Z0-9_]{0,63}", "flow": r"[a-z][a-z0-9_]{0,127}"}
"""Path parameters of a fixed shape: matched by the router, stated in the document (so
`/conversations/{wa_id}/messages` is not taken for conversation number "messages")."""


def _route(path: str) -> str:
    def one(m: re.Match[str]) -> str:
        return f"{{{m[1]}:{PATH_PATTERNS[m[1]]}}}" if m[1] in PATH_PATTERNS else m[0]

    return PATH_PARAM.sub(one, path)


def _param_schema(name: str) -> dict[str, Any]:
    if name in PATH_PATTERNS:
        return {"type": "string", "pattern": f"^{PATH_PATTERNS[name]}$"}
    return {"type": "string", "minLength": 1, "maxLength": _PATH_MAX}


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        path = dict(request.match_info)
        if any(len(v) > _PATH_MAX for v in path.values()):
            raise ApiError(404, "not_found", "no such resource")
        query = body = None
        if endpoint.query is not None:
            if len(request.query) != len(set(request.query)):
                raise ApiError(422, "invalid", "a query parameter is given more than once")
            query = endpoint.query.model_validate(dict(request.query))
        if endpoint.body is not None:
            raw = await request.read()
            if not raw.strip():
                raise ApiError(422, "invalid", "the request needs a JSON body")
            try:
                body = endpoint.body.model_validate_json(raw)
            except ValidationError as e:
                if any(err["type"] == "json_invalid" for err in e.errors()):
                    raise ApiError(400, "malformed_json", "the body is not JSON") from e
                raise invalid(e) from e
        answer = await endpoint.handler(Call(request, request[SHOP], path, query, body))
        if answer is None:
            return web.Response(status=204)
        return web.json_response(text=answer.model_dump_json(), status=endpoint.status)

    return handle


def register(app: web.Application, endpoints: list[Endpoint]) -> None:
    for e in endpoints:
        app.router.add_route(e.method, _route(e.path), _wrap(e))


def openapi(endpoints: list[Endpoint], *, prefix: str = "/api") -> dict[str, Any]:
    """The OpenAPI 3.1 document of `endpoints` (served under `prefix`)."""
    models: set[type[BaseModel]] = {ErrorAnswer}
    for e in endpoints:
        models.update(m for m in (e.answer, e.body) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, schemas = models_json_schema([(m, "validation") for m in ordered],
                                    ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(prefix + e.path, {})[e.method.lower()] = _operation(e)
    return {"openapi": "3.1.0",
            "info": {"title": "wactl management API", "version": "1"},
            "servers": [{"url": "/"}],
            "security": [{"apiKey": []}],
            "paths": paths,
            "components": {"schemas": schemas.get("$defs", {}),
                           "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                                          "description": "A shop's API key"}}}}


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {
        "$ref": f"#/components/schemas/{model.__name__}"}}}}


def _operation(e: Endpoint) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _param_schema(name)}
        for name in PATH_PARAM.findall(e.path)]
    if e.query is not None:
        schema = e.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            prop = _not_null(dict(prop))
            params.append({"name": name, "in": "query", "required": name in schema.get(
                "required", []), "schema": prop})
    ok = {"description": "done"} if e.answer is None else {"description": "done", **_ref(e.answer)}
    responses: dict[str, Any] = {str(e.status if e.answer else 204): ok}
    missing = (404,) if PATH_PARAM.search(e.path) else ()
    for status in sorted({400, 401, 413, 422, *missing, *e.errors}):
        responses[str(status)] = {"description": "a JSON error", **_ref(ErrorAnswer)}
    op: dict[str, Any] = {"summary": e.summary, "operationId": _operation_id(e),
                          "parameters": params, "responses": responses}
    if e.body is not None:
        op["requestBody"] = {"required": True, **_ref(e.body)}
    return op


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without pydantic's `null` branch (an optional
    parameter is left out, never sent as null) and without its title."""
    prop.pop("title", None)
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        del prop["anyOf"]
        prop.update(branches[0])
        prop.pop("default", None)
    return prop


def _operation_id(e: Endpoint) -> str:
    words = re.sub(r"[{}]", "", e.path).strip("/").replace("/", "_")
    return f"{e.method.lower()}_{words}"


def document_json(endpoints: list[Endpoint]) -> str:
    return json.dumps(openapi(endpoints), ensure_ascii=False)
