"""Text PostgreSQL can keep: an escape for NUL that keeps code-point order.

PostgreSQL's `text` refuses the NUL character, and text from outside (a customer's
message, a name) may hold one.  Every text value goes in through `enc` and comes out
through `dec`: NUL becomes U+0001 U+0001 and U+0001 becomes U+0001 U+0002; nothing
else changes.  The escape keeps code-point order (a NUL still sorts before every other
character, U+0001 next), so keys compared under `COLLATE "C"` order as Python's
`sorted` does, and keyset paging over escaped ids walks them all.
"""

from __future__ import annotations

import re

_ESCAPED = re.compile("\x01([\x01\x02])")


def enc(text: str) -> str:
    """`text` with NUL (and the escape character) escaped, ready for a text column."""
    if "\x00" not in text and "\x01" not in text:
        return text
    return text.replace("\x01", "\x01\x02").replace("\x00", "\x01\x01")


def dec(text: str) -> str:
    """The text `enc` was given."""
    if "\x01" not in text:
        return text
    return _ESCAPED.sub(lambda m: "\x00" if m.group(1) == "\x01" else "\x01", text)


def enc_opt(text: str | None) -> str | None:
    return None if text is None else enc(text)


def dec_opt(text: str | None) -> str | None:
    return None if text is None else dec(text)
