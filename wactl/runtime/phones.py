"""Phone numbers as WhatsApp writes them: one reader for every stage that takes a number.

WhatsApp ids (`wa_id`) are the international number in digits only, no `+`.  People
type numbers with spaces, dashes, dots and brackets; this turns such a number into a
wa_id, or says it is not one.
"""

from __future__ import annotations

SEPARATORS = frozenset("+ -().")
MIN_DIGITS, MAX_DIGITS = 6, 15
"""E.164 numbers have at most 15 digits; shorter than 6 is no phone number."""


def wa_id_of(raw: str) -> str | None:
    """A WhatsApp id (digits only) from `+84 90-123 4567`; None when it is not a number."""
    digits = "".join(ch for ch in raw if ch not in SEPARATORS)
    ok = digits.isascii() and digits.isdigit() and MIN_DIGITS <= len(digits) <= MAX_DIGITS
    return digits if ok else None
