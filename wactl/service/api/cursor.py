"""Keyset page cursors that a client cannot forge: the position, signed.

A cursor is base64url(JSON of the last row's key) + "." + an HMAC of it under a key of
the service's, bound to the list it came from; a tampered, truncated or foreign cursor
is a 400 `bad_cursor`, never a query on a made-up position.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from wactl.service.api.errors import ApiError


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cursors:
    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"wactl.api.cursor\0" + secret).digest()

    def _mac(self, scope: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{scope}\0{payload}".encode(), "sha256").digest()[:16])

    def encode(self, scope: str, position: list[Any]) -> str:
        payload = _b64(json.dumps(position, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(scope, payload)}"

    def decode(self, scope: str, cursor: str) -> list[Any]:
        payload, _, mac = cursor.partition(".")
        if not mac or len(cursor) > 2000 or not hmac.compare_digest(
                mac.encode(), self._mac(scope, payload).encode()):
            raise ApiError(400, "bad_cursor", "the page cursor is not one this list gave")
        try:
            position = json.loads(_unb64(payload))
        except ValueError as e:
            raise ApiError(400, "bad_cursor", "the page cursor is not one this list gave") from e
        if not isinstance(position, list):
            raise ApiError(400, "bad_cursor", "the page cursor is not one this list gave")
        return position

    def position(self, scope: str, cursor: str | None, kinds: tuple[type, ...]
                 ) -> list[Any] | None:
        """The decoded position of `cursor` (None for the first page), its values of
        `kinds` one by one; a 400 `bad_cursor` otherwise."""
        if cursor is None:
            return None
        position = self.decode(scope, cursor)
        if len(position) != len(kinds) or not all(
                isinstance(v, k) for v, k in zip(position, kinds, strict=True)):
            raise ApiError(400, "bad_cursor", "the page cursor is not one this list gave")
        return position
