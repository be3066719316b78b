"""Secrets at rest: AES-256-GCM under a keyring of named keys, as text tokens.

A shop's access token or flow secret is stored as `v1.<key_id>.<base64url(nonce + ciphertext)>`:
a fresh random 12-byte nonce per value, and a `context` ("shop:abc/secret:crm_key") as GCM's
associated data, so a ciphertext copied into another row, number or shop fails to decrypt
instead of handing one shop another's secret.

The keyring is a mounted secret file, one `key_id:base64-of-32-bytes` per line.  The LAST
line is the current key (everything new is encrypted under it); every line decrypts.  To
rotate: append a new line and roll it out to every replica, then run the rotation job,
then (once it reports nothing left) remove the old line.  Until the old line goes, values
under either key read back, so readers never see a value they cannot decrypt.

Errors carry a code and never plaintext or key bytes: a keyring error names the line, a
cipher error the context (an identifier, not a secret).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""Key ids go into every token between dots, so neither `.` nor `:` is allowed."""
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]+")


class KeyringError(Exception):
    """The keyring cannot be used: `code` says why, `line` where (1-based; 0: the whole)."""

    def __init__(self, code: str, message: str, *, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.code, self.line = code, line


class CipherError(Exception):
    """A token does not decrypt: `unknown_key` (its key id is not in the keyring),
    `malformed` (not a token) or `forged` (authentication failed: altered, or moved
    from another context)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Keyring:
    """AES-256-GCM keys by id; `current` encrypts, all decrypt."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyringError("no_current", "the current key is not in the keyring")
        self.current = current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> Keyring:
        """The keyring in a mounted secret file (see the module's docstring)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyringError("unreadable",
                               f"{path}: cannot be read ({type(exc).__name__})") from None
        return cls._parse(enumerate(text.splitlines(), start=1))

    @classmethod
    def from_env(cls, value: str) -> Keyring:
        """For development only: the file's lines, separated by newlines or commas
        (a "line" in an error is then the entry's position)."""
        return cls._parse(enumerate(re.split(r"[\n,]", value), start=1))

    @classmethod
    def _parse(cls, lines: Iterable[tuple[int, str]]) -> Keyring:
        keys: dict[str, bytes] = {}
        current = ""
        for number, raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key_id, key = _parse_line(line, number)
            if key_id in keys:
                raise KeyringError("duplicate_key_id", f"key id {key_id!r} appears twice",
                                   line=number)
            keys[key_id], current = key, key_id
        if not keys:
            raise KeyringError("empty", "the keyring holds no key")
        return cls(keys, current)

    @staticmethod
    def generate_line(key_id: str) -> str:
        """A new keyring line with a random key, to append to the file."""
        if not _KEY_ID.fullmatch(key_id):
            raise KeyringError("bad_key_id", "a key id is 1-64 of A-Z a-z 0-9 _ -")
        return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """`plaintext` under the current key, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(
            nonce, _bytes(plaintext), _aad(self.current, context))
        payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{VERSION}.{self.current}.{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        """The text `encrypt` was given with this `context`; raises `CipherError`."""
        key_id, blob = _split(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CipherError("unknown_key", f"{context}: key id {key_id!r} is not in the "
                                             "keyring")
        try:
            plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                   _aad(key_id, context))
        except InvalidTag:
            raise CipherError("forged", f"{context}: the value does not authenticate "
                                        "(altered, or not written for this place)") from None
        return plain.decode("utf-8", "surrogatepass")

    def needs_rotation(self, token: str) -> bool:
        """Whether `token` is under a key other than the current one (`CipherError`
        `malformed` when it is not a token at all)."""
        return _split(token)[0] != self.current


def _parse_line(line: str, number: int) -> tuple[str, bytes]:
    key_id, colon, encoded = line.partition(":")
    key_id, encoded = key_id.strip(), encoded.strip()
    if not colon:
        raise KeyringError("syntax", "expected key_id:base64-of-32-bytes", line=number)
    if not _KEY_ID.fullmatch(key_id):
        raise KeyringError("bad_key_id", "a key id is 1-64 of A-Z a-z 0-9 _ -", line=number)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError("bad_base64", f"key {key_id!r} is not valid base64",
                           line=number) from None
    if len(key) != KEY_BYTES:
        raise KeyringError("bad_length", f"key {key_id!r} is {len(key)} bytes, not "
                                         f"{KEY_BYTES}", line=number)
    return key_id, key


def _split(token: str) -> tuple[str, bytes]:
    """(key id, nonce + ciphertext + tag) of a well-formed token."""
    version, _, rest = token.partition(".")
    key_id, _, payload = rest.partition(".")
    if version != VERSION or not _KEY_ID.fullmatch(key_id) or not _PAYLOAD.fullmatch(payload):
        raise CipherError("malformed", "not a v1 token")
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise CipherError("malformed", "the token's payload is not base64url") from None
    canonical = base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii")
    if canonical != payload or len(blob) < NONCE_BYTES + TAG_BYTES:
        raise CipherError("malformed", "the token's payload is too short or not canonical")
    return key_id, blob


def _aad(key_id: str, context: str) -> bytes:
    """Associated data: the format and key id (so neither can be swapped) and the context."""
    return _bytes(f"{VERSION}.{key_id}\x00{context}")


def _bytes(text: str) -> bytes:
    # surrogatepass: any Python str round-trips, even one holding a lone surrogate.
    return text.encode("utf-8", "surrogatepass")
