"""Every answer of the API that is not a success: JSON with a code and a message.

`ApiError` is raised by handlers; `error_middleware` turns it, aiohttp's own HTTP errors
(404, 405, 413), a body that is not JSON or not the model, and anything unexpected into
`{"error": {"code", "message"}}`, never an HTML page or a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel, ValidationError

log = logging.getLogger("wactl.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    """What every failing request gets."""

    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type"}


def error_response(status: int, code: str, message: str) -> web.Response:
    body = ErrorAnswer(error=ErrorBody(code=code, message=message))
    return web.json_response(body.model_dump(), status=status)


def invalid(error: ValidationError) -> ApiError:
    """A 422 naming the first few problems of a body or query (no input echoed)."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
             for e in error.errors(include_input=False, include_url=False)[:5]]
    return ApiError(422, "invalid", "; ".join(parts))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as e:
        return error_response(e.status, e.code, e.message)
    except ValidationError as e:
        failed = invalid(e)
        return error_response(failed.status, failed.code, failed.message)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        code = _HTTP_CODES.get(e.status, "error")
        answer = error_response(e.status, code, e.reason or code)
        if "Allow" in e.headers:  # a 405 names the methods there are (RFC 9110)
            answer.headers["Allow"] = e.headers["Allow"]
        return answer
    except Exception:
        log.exception("api request failed", extra={"code": "api_error",
                                                   "path": request.path})
        return error_response(500, "internal", "the request failed; it is logged")
