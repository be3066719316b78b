"""X-Hub-Signature-256 and the GET handshake: refusals are values with a reason."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from fakes.webhooks import SAMPLES

from wactl.service.webhook.signature import (
    Refused,
    Verified,
    sign,
    verify_handshake,
    verify_signature,
)

SECRET = "app-secret-0123"
BODY = (SAMPLES / "01-text.json").read_bytes()


def test_the_outside_vector() -> None:
    """HMAC-SHA256(key="secret", msg="test") from jeffhuen/whatsapp_sdk's docs."""
    expected = "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    assert sign("secret", b"test") == "sha256=" + expected
    assert verify_signature(b"secret", b"test", "sha256=" + expected) == Verified()


def test_a_good_signature_is_verified() -> None:
    header = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert verify_signature(SECRET, BODY, header) == Verified()


def test_upper_case_hex_and_surrounding_spaces_are_accepted() -> None:
    header = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest().upper()
    assert verify_signature(SECRET, BODY, f"  {header} ") == Verified()


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_header_is_refused(header: str | None) -> None:
    assert verify_signature(SECRET, BODY, header) == Refused("missing")


def test_a_sha1_header_is_refused_even_when_it_is_right() -> None:
    sha1 = "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()
    assert verify_signature(SECRET, BODY, sha1) == Refused("not_sha256")


@pytest.mark.parametrize("hexpart", ["", "abc", "z" * 64, "0" * 63, "0" * 65, "é" * 64])
def test_malformed_hex_is_refused(hexpart: str) -> None:
    assert verify_signature(SECRET, BODY, "sha256=" + hexpart) == Refused("malformed")


def test_a_wrong_signature_is_a_mismatch() -> None:
    assert verify_signature(SECRET, BODY, "sha256=" + "0" * 64) == Refused("mismatch")


def test_the_wrong_secret_is_a_mismatch() -> None:
    assert verify_signature(SECRET, BODY, sign("another-secret", BODY)) == Refused("mismatch")


def test_a_body_changed_by_one_byte_is_a_mismatch() -> None:
    header = sign(SECRET, BODY)
    changed = BODY[:-1] + bytes([BODY[-1] ^ 1])
    assert verify_signature(SECRET, changed, header) == Refused("mismatch")
    assert verify_signature(SECRET, BODY + b" ", header) == Refused("mismatch")


def test_an_unset_secret_refuses_everything() -> None:
    assert verify_signature("", BODY, sign("", BODY)) == Refused("no_secret")


def test_the_handshake_echoes_the_challenge() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert verify_handshake(query, "tok") == (200, "1158201444")


@pytest.mark.parametrize("query", [
    {"hub.mode": "subscribe", "hub.verify_token": "WRONG", "hub.challenge": "42"},
    {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "42"},
    {"hub.verify_token": "tok", "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.verify_token": "tok"},
    {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "4" * 2000},
    {},
])
def test_a_bad_handshake_is_403_without_the_challenge(query: dict[str, str]) -> None:
    status, body = verify_handshake(query, "tok")
    assert status == 403
    assert "42" not in body


def test_an_unset_verify_token_refuses_the_handshake() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"}
    assert verify_handshake(query, "")[0] == 403
