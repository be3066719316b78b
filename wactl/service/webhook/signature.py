"""Is this POST from WhatsApp, and is this GET Meta registering our callback URL?

Both answers are values, never exceptions: the aiohttp handler turns a `Refused` into
401 without looking further, and stores nothing.  The signature is checked over the
raw body bytes exactly as received (re-serialised JSON would hash differently), and
every comparison runs in constant time so the answer leaks nothing about the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
MAX_CHALLENGE = 1024
"""The challenge is echoed back; Meta's is a run of digits, so a longer one is refused."""

RefusalReason = Literal["no_secret", "missing", "not_sha256", "malformed", "mismatch"]


@dataclass(frozen=True, slots=True)
class Verified:
    """The body was signed with our app secret."""


@dataclass(frozen=True, slots=True)
class Refused:
    """Why the body is not trusted: answer 401 and store nothing."""

    reason: RefusalReason


def sign(secret: str | bytes, body: bytes) -> str:
    """The header value WhatsApp would send for `body` (tests and the benchmark sign with it)."""
    return PREFIX + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> Verified | Refused:
    """Check `X-Hub-Signature-256: sha256=<hex>` against HMAC-SHA256(secret, body)."""
    if not secret:
        return Refused("no_secret")  # an unset secret must refuse everything, not accept it
    if header is None or not header.strip():
        return Refused("missing")
    value = header.strip()
    if not value.lower().startswith(PREFIX):
        return Refused("not_sha256")  # `sha1=` (the legacy header's scheme) or anything else
    given = value[len(PREFIX):]
    if not _HEX64.fullmatch(given):
        return Refused("malformed")
    expected = hmac.new(_key(secret), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.lower().encode("ascii"), expected.encode("ascii")):
        return Refused("mismatch")
    return Verified()


def verify_handshake(query: Mapping[str, str], verify_token: str) -> tuple[int, str]:
    """Meta's GET: 200 with `hub.challenge` as the body when the token is ours, else 403.

    The 403 body never echoes the challenge.  An empty configured token refuses every
    handshake, so a missing setting cannot register a stranger's callback.
    """
    mode = query.get("hub.mode", "")
    token = query.get("hub.verify_token", "")
    challenge = query.get("hub.challenge", "")
    token_ok = bool(verify_token) and hmac.compare_digest(
        token.encode("utf-8", "surrogatepass"), verify_token.encode("utf-8", "surrogatepass"))
    if mode != "subscribe" or not token_ok:
        return 403, "forbidden"
    if not challenge or len(challenge) > MAX_CHALLENGE:
        return 403, "forbidden"
    return 200, challenge


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret
