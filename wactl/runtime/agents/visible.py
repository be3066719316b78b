"""What a reply shows a reader, as plain text: the form the safety checks read.

A model (or a customer who talks it into something) can hide a phone number or a
name from a naive check and still show it to the reader: full-width or bold digits
(`０９０１`, `𝟎𝟗𝟎𝟏`), zero-width spaces or joiners between the digits, combining marks
on them, a soft hyphen inside a name.  `visible` folds all of these away, so the
finders in `claims` and the name rule see what the customer will read:

- NFKC (compatibility forms: full-width, mathematical, circled and super/subscript
  digits and letters become plain ones; Vietnamese letters keep their marks, composed);
- every format character (Unicode category Cf: zero-width space/joiner/non-joiner,
  word joiner, soft hyphen, bidi controls, BOM) removed;
- combining marks that sit on anything but a letter removed (`0̲9̲0̲1̲` is `0901`);
- decimal digits of other scripts (`٠٩٠١`) written as ASCII digits.

ASCII text comes back as it is (the common case costs one `isascii`), and text with
nothing to fold after NFKC (composed Vietnamese, say) costs one `str.translate`.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_MARKS = frozenset({"Mn", "Me", "Mc"})
_PLANES = (range(0x30000), range(0xE0000, 0xE1000))
"""Where format characters, marks and digits are: the first three planes and plane 14."""


def visible(text: str) -> str:
    """`text` as its reader sees it (see the module doc); idempotent."""
    if text.isascii():
        return text
    composed = unicodedata.normalize("NFKC", text)
    if len(composed.translate(_hidden())) == len(composed):
        return composed
    out: list[str] = []
    base_is_letter = False
    for char in composed:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category in _MARKS:
            if base_is_letter:
                out.append(char)
            continue
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
        base_is_letter = category.startswith("L")
    return unicodedata.normalize("NFKC", "".join(out))




@cache
def _hidden() -> dict[int, None]:
    """A `str.translate` table deleting what the loop in `visible` changes after NFKC.

    Format characters, marks and non-ASCII digits, from `unicodedata` (so the table and
    the loop agree on the Unicode version); built once, on the first non-ASCII text.
    A text the table leaves as long as it was has nothing to fold.
    """
    return {c: None for plane in _PLANES for c in plane if _changes(chr(c))}


def _changes(char: str) -> bool:
    category = unicodedata.category(char)
    return (category == "Cf" or category in _MARKS
            or (not char.isascii() and unicodedata.decimal(char, None) is not None))
