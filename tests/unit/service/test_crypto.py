"""The keyring: AES-256-GCM tokens that only read back in the place they were written."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wactl.service.crypto import CipherError, Keyring, KeyringError

CTX = "shop:abc/account:123/token"
KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()


def _ring(*lines: str) -> Keyring:
    return Keyring.from_env("\n".join(lines))


OLD = _ring(f"old:{KEY_A}")
BOTH = _ring(f"old:{KEY_A}", f"new:{KEY_B}")


def _cipher_error(ring: Keyring, token: str, context: str = CTX) -> CipherError:
    with pytest.raises(CipherError) as caught:
        ring.decrypt(token, context=context)
    return caught.value


def _keyring_error(tmp_path: Path, text: str) -> KeyringError:
    path = tmp_path / "keyring"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KeyringError) as caught:
        Keyring.from_file(path)
    return caught.value


def test_a_value_reads_back_in_its_context() -> None:
    text = "Mã truy cập của cửa hàng: Nguyễn Thị Ánh — 🔑"
    token = OLD.encrypt(text, context=CTX)
    assert token.startswith("v1.old.")
    assert text not in token
    assert OLD.decrypt(token, context=CTX) == text


def test_each_encryption_differs_by_its_random_nonce() -> None:
    tokens = {OLD.encrypt("same", context=CTX) for _ in range(50)}
    assert len(tokens) == 50
    assert {OLD.decrypt(t, context=CTX) for t in tokens} == {"same"}


def test_a_token_moved_to_another_context_is_forged() -> None:
    token = OLD.encrypt("secret", context="shop:abc/secret:crm")
    for other in ("shop:xyz/secret:crm", "shop:abc/secret:crm2", "", "shop:abc/secret:cr"):
        assert _cipher_error(OLD, token, other).code == "forged"


def test_any_flipped_byte_is_forged() -> None:
    token = OLD.encrypt("secret", context=CTX)
    head, payload = token.rsplit(".", 1)
    blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for i in range(len(blob)):
        flipped = bytearray(blob)
        flipped[i] ^= 0x01
        altered = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
        assert _cipher_error(OLD, f"{head}.{altered}").code == "forged", i


def test_a_token_under_another_key_id_is_forged() -> None:
    # Same bytes, relabelled: the key id is authenticated too.
    same = _ring(f"old:{KEY_A}", f"alias:{KEY_A}")
    token = same.encrypt("secret", context=CTX)
    assert token.startswith("v1.alias.")
    assert _cipher_error(same, token.replace("v1.alias.", "v1.old.", 1)).code == "forged"


def test_an_unknown_key_id() -> None:
    token = BOTH.encrypt("secret", context=CTX)
    error = _cipher_error(OLD, token)
    assert error.code == "unknown_key" and "new" in str(error)


@pytest.mark.parametrize("token", [
    "", "v1", "v1.old", "v1.old.", "v2.old.AAAA", "v1..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "v1.old.AAAA",                                        # shorter than nonce + tag
    "v1.old.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",    # padding is not written
    "v1.old.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/A",    # not the url alphabet
    "v1.old.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",      # unused bits set: not canonical
    "v1.o:d.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "plaintext token",
])
def test_what_is_not_a_token_is_malformed(token: str) -> None:
    assert _cipher_error(OLD, token).code == "malformed"
    with pytest.raises(CipherError):
        OLD.needs_rotation(token)


def test_the_last_line_encrypts_and_every_line_decrypts() -> None:
    under_old = OLD.encrypt("a", context=CTX)
    under_new = BOTH.encrypt("b", context=CTX)
    assert under_new.startswith("v1.new.")
    assert BOTH.decrypt(under_old, context=CTX) == "a"
    assert BOTH.needs_rotation(under_old) and not BOTH.needs_rotation(under_new)
    assert not OLD.needs_rotation(under_old)


def test_a_file_with_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "keyring"
    path.write_text(f"# rotated 2026-12\n\n  old:{KEY_A}  \n# next\nnew:{KEY_B}\n\n")
    ring = Keyring.from_file(path)
    assert ring.current == "new" and ring.key_ids == ["old", "new"]
    assert ring.decrypt(OLD.encrypt("x", context=CTX), context=CTX) == "x"


@pytest.mark.parametrize(("line", "code"), [
    (f"nocolon{KEY_B}", "syntax"),
    (f"bad.id:{KEY_B}", "bad_key_id"),
    (f":{KEY_B}", "bad_key_id"),
    (f"k2:{KEY_B[:-4]}!!!=", "bad_base64"),
    (f"k2:{base64.b64encode(bytes(16)).decode()}", "bad_length"),
    (f"old:{KEY_B}", "duplicate_key_id"),
])
def test_a_malformed_line_is_named_by_its_number_and_never_echoed(
        tmp_path: Path, line: str, code: str) -> None:
    error = _keyring_error(tmp_path, f"# keys\nold:{KEY_A}\n\n{line}\n")
    assert (error.code, error.line) == (code, 4)
    assert str(error).startswith("line 4: ")
    for material in (KEY_A, KEY_B, KEY_B[:-4], line[-12:]):
        assert material not in str(error) and material not in repr(error)


def test_an_empty_or_missing_keyring(tmp_path: Path) -> None:
    assert _keyring_error(tmp_path, "# nothing yet\n\n").code == "empty"
    with pytest.raises(KeyringError) as caught:
        Keyring.from_file(tmp_path / "absent")
    assert caught.value.code == "unreadable"


def test_the_environment_form_takes_commas() -> None:
    ring = Keyring.from_env(f"old:{KEY_A},new:{KEY_B}")
    assert ring.current == "new"
    with pytest.raises(KeyringError) as caught:
        Keyring.from_env(f"old:{KEY_A},new:{KEY_B[:10]}")
    assert (caught.value.code, caught.value.line) == ("bad_base64", 2)
    assert KEY_B[:10] not in str(caught.value)


def test_a_generated_line_is_a_working_key() -> None:
    line = Keyring.generate_line("k-2026_12")
    assert line != Keyring.generate_line("k-2026_12")
    ring = Keyring.from_env(f"old:{KEY_A}\n{line}")
    assert ring.current == "k-2026_12"
    assert ring.decrypt(ring.encrypt("x", context=CTX), context=CTX) == "x"
    with pytest.raises(KeyringError):
        Keyring.generate_line("no.dots")


def test_errors_hold_neither_plaintext_nor_key() -> None:
    plaintext = "EAAG-very-secret-access-token"
    token = BOTH.encrypt(plaintext, context=CTX)
    errors = [_cipher_error(BOTH, token, "shop:other"), _cipher_error(OLD, token),
              _cipher_error(BOTH, token[:-3])]
    for error in errors:
        for material in (plaintext, KEY_A, KEY_B, token):
            assert material not in str(error) and material not in repr(error)


@given(st.text(), st.text(max_size=40))
def test_any_text_reads_back(plaintext: str, context: str) -> None:
    token = BOTH.encrypt(plaintext, context=context)
    assert BOTH.decrypt(token, context=context) == plaintext


@given(st.text(alphabet=st.characters(categories=["Cs"]), min_size=1))
def test_even_lone_surrogates_read_back(plaintext: str) -> None:
    assert OLD.decrypt(OLD.encrypt(plaintext, context=CTX), context=CTX) == plaintext
