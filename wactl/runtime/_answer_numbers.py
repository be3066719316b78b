"""Reading a number out of a customer's reply, and the text folding every answer parser shares.

The rule for `expect: number` (documented in LANGUAGE.md terms in `answers.py`):

- The reply is short (at most `MAX_NUMBER_WORDS` words) and holds exactly one *number
  token*: a word that is a number once surrounding punctuation is stripped.  Other
  words are allowed ("2 người", "2 people", "mã đơn 10423"), other digits are not
  ("2 người lớn 1 trẻ em" and "28/12, 2 người" are ambiguous, so invalid).
- A word with digits glued to letters is not a number: "DH10424", "v2", "2nd".  The
  only letters allowed on a number are the suffixes `k` (×1,000), `tr` (×1,000,000)
  and a currency (`đ`, `vnd`, `usd`, `$`, `€`, `£`, `₫`); `%` and a leading `#` are
  dropped.  A scale word right after the number multiplies it: "2 triệu", "1,5 tr",
  "500 nghìn" / "ngàn", "3 tỷ", "2 thousand" / "million" / "billion".
- Separators: one kind repeated (`1.000.000`, `1,000,000`) is thousands grouping; both
  kinds (`1.234,5`, `1,234.5`): the last one is the decimal point.  A single separator
  followed by exactly three digits after a 1-3 digit non-zero head is grouping
  (`1.500` and `1,500` are 1500, as Vietnamese and English shops both write prices);
  otherwise it is the decimal point (`1,5`, `2.5`, `0.500`, `3.14159`).
- With no digits at all, a reply of up to three words holding one number word
  ("hai người", "two") counts: 1-10 in Vietnamese (with diacritics; the unambiguous
  ones without) and 0-12 in English.  "không" is never zero: it means "no".

Whole numbers come back as `int`, others as `float`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MAX_CHARS = 4096
"""WhatsApp's limit on a text message; longer input is cut before any parsing."""
MAX_NUMBER_WORDS = 10
MAX_DIGITS = 30

_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\u20e3\u200b\u200c\u200d\u2060\ufeff"))
_STRIP = " \t\n,.;:!?()[]{}\"'“”‘’…*_~"
_TOKEN = re.compile(
    r"#?(?P<cur>[$€£₫])?(?P<num>[+-]?\d[\d.,]*)"
    r"(?P<suf>k|tr|đ|d|₫|vnd|vnđ|usd|\$|€|£|%)?", re.IGNORECASE)
_SPACE_GROUPED = re.compile(r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?")
_MULTIPLIERS = {"k": 1000, "tr": 1_000_000}
_SCALE_WORDS = {"k": 1000, "nghin": 1000, "ngan": 1000, "thousand": 1000, "tr": 1_000_000,
                "trieu": 1_000_000, "million": 1_000_000, "ty": 10**9, "billion": 10**9}
_WORDS_VI = {"một": 1, "mot": 1, "hai": 2, "ba": 3, "bốn": 4, "bon": 4, "năm": 5, "sáu": 6,
             "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "chin": 9, "mười": 10, "muoi": 10}
_WORDS_EN = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBER_WORDS = {**_WORDS_VI, **_WORDS_EN}


def clean(text: str) -> str:
    """NFC text without invisible marks (keycap and variation selectors), cut and stripped."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_INVISIBLE)
    return text.replace("\u2212", "-").strip()


def fold(text: str) -> str:
    """Lowercase without diacritics (đ → d), punctuation kept: what patterns are run on."""
    lowered = clean(text).lower().replace("đ", "d")
    bare = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def parse_number(text: str) -> int | float | None:
    """The number a short reply states, by the module's rule; None when there is none."""
    plain = text.strip()
    if plain.isascii() and plain.isdigit() and len(plain) <= 15:  # the common case, fast
        return int(plain)
    text = clean(text)
    if _SPACE_GROUPED.fullmatch(text):
        return number_token(text.replace(" ", ""))
    words = [w.strip(_STRIP) for w in text.split()]
    words = [w for w in words if w]
    if not words or len(words) > MAX_NUMBER_WORDS:
        return None
    with_digits = [i for i, w in enumerate(words) if any(c.isdigit() for c in w)]
    if len(with_digits) == 1:
        at = with_digits[0]
        value = number_token(words[at])
        scale = _SCALE_WORDS.get(fold(words[at + 1]), 1) if at + 1 < len(words) else 1
        return value if value is None or scale == 1 else _plain(Decimal(str(value)) * scale)
    if not with_digits and len(words) <= 3:
        return _number_word(words)
    return None


def number_token(word: str) -> int | float | None:
    """One word as a number (`1.500`, `-2,5`, `500k`, `$20`, `#10423`), or None."""
    match = _TOKEN.fullmatch(word)
    if match is None:
        return None
    value = _decimal(match["num"])
    if value is None:
        return None
    value *= _MULTIPLIERS.get((match["suf"] or "").lower(), 1)
    return _plain(value)


def _decimal(num: str) -> Decimal | None:
    """`[+-]digits[.,digits]*` with the separator rule of the module docstring."""
    sign = "-" if num.startswith("-") else ""
    body = num.lstrip("+-")
    if sum(c.isdigit() for c in body) > MAX_DIGITS or body[-1:] in {".", ","}:
        return None
    whole, fraction = _split_separators(body)
    if whole is None:
        return None
    try:
        return Decimal(f"{sign}{whole}.{fraction or '0'}")
    except InvalidOperation:
        return None


def _split_separators(body: str) -> tuple[str | None, str]:
    """(integer digits, fraction digits) of a number written with `.`/`,` separators."""
    seps = [c for c in body if c in ".,"]
    groups = re.split(r"[.,]", body)
    if not seps:
        return body, ""
    if len(set(seps)) == 2:
        if seps.count(seps[-1]) != 1:
            return None, ""
        return (_grouped(groups[:-1]), groups[-1])
    if len(seps) > 1:
        return _grouped(groups), ""
    head, tail = groups
    if len(tail) == 3 and 1 <= len(head) <= 3 and head.lstrip("0"):
        return head + tail, ""
    return head, tail


def _grouped(groups: list[str]) -> str | None:
    """Digits of thousands groups (`1`, `000`, `000`), or None when a group is malformed."""
    if not groups or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return "".join(groups)


def _plain(value: Decimal) -> int | float:
    """`int` when whole, else `float`."""
    integral = value.to_integral_value()
    return int(integral) if value == integral else float(value)


def _number_word(words: list[str]) -> int | None:
    """The one number word in a short reply ("hai người", "two"), or None."""
    found = [_NUMBER_WORDS[w.lower()] for w in words if w.lower() in _NUMBER_WORDS]
    return found[0] if len(found) == 1 else None
