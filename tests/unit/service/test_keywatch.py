"""The encryption key file read again when it changes (`wactl.service.keywatch`): a key
added for rotation reaches the secrets store without a restart; a file that does not
read leaves the keys in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wactl.service.crypto import Keyring
from wactl.service.keywatch import EVERY, KeyFileWatch

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@dataclass
class Holder:
    keyring: Keyring


async def test_a_key_added_to_the_file_is_used_and_a_bad_file_is_not(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(Keyring.generate_line("k1") + "\n")
    first = Keyring.from_file(path)
    sealed = first.encrypt("EAAG-token", context="shop:a/number:1")
    holder = Holder(first)
    watch = KeyFileWatch(str(path), [holder])
    assert await watch.run_due(T0) == 0 and holder.keyring is first, "unchanged"

    path.write_text(path.read_text() + Keyring.generate_line("k2") + "\n")
    assert await watch.run_due(T0 + EVERY / 2) == 0, "looked at every EVERY only"
    assert await watch.run_due(T0 + EVERY) == 1
    assert holder.keyring.current == "k2" and holder.keyring.key_ids == ["k1", "k2"]
    assert holder.keyring.decrypt(sealed, context="shop:a/number:1") == "EAAG-token"

    good = holder.keyring
    path.write_text(path.read_text() + "k3:not-base64!\n")
    assert await watch.run_due(T0 + 2 * EVERY) == 0 and holder.keyring is good
    assert await watch.run_due(T0 + 3 * EVERY) == 0, "the bad file is not read twice"
    path.unlink()
    assert await watch.run_due(T0 + 4 * EVERY) == 0 and holder.keyring is good
    path.write_text(Keyring.generate_line("k4") + "\n")
    assert await watch.run_due(T0 + 5 * EVERY + timedelta(seconds=1)) == 1
    assert holder.keyring.current == "k4"
