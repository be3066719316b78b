"""The encryption key file watched while the service runs, for `wactl keys rotate`.

Rotation appends a new key to the mounted file (`WACTL_ENCRYPTION_KEY_FILE`), then
re-encrypts every value under it.  Each replica reads the file again when its content
changes (looked at every `EVERY`), so it decrypts values under the new key and
encrypts new ones with it, without a restart.  A file that no longer reads (a bad line,
half written) is logged and the keyring in use is kept.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from wactl.service.crypto import Keyring, KeyringError

log = logging.getLogger("wactl.service")
EVERY = timedelta(seconds=2)


class Keyed(Protocol):
    keyring: Keyring


def _digest(path: str) -> bytes | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).digest()
    except OSError:
        return None


@dataclass
class KeyFileWatch:
    path: str
    users: list[Keyed]
    """What holds the keyring (`PostgresSecrets`): each is given the new one."""
    seen: bytes | None = None
    last: datetime | None = None
    refused: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.seen = _digest(self.path)

    async def run_due(self, now: datetime) -> int:
        """1 when the keyring was read again."""
        if self.last is not None and now - self.last < EVERY:
            return 0
        self.last = now
        digest = _digest(self.path)
        if digest is None or digest in (self.seen, self.refused):
            return 0
        try:
            keyring = Keyring.from_file(self.path)
        except KeyringError as error:  # names the line, never a key
            self.refused = digest
            log.error("the encryption key file does not read: %s; the keys in use stay",
                      error, extra={"code": "keyring_refused"})
            return 0
        self.seen = digest
        for user in self.users:
            user.keyring = keyring
        log.info("encryption keys read again: %d key(s), current %s",
                 len(keyring.key_ids), keyring.current, extra={"code": "keyring_reloaded"})
        return 1
