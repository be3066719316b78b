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

ASCII text comes back as it is (the common case costs one `isascii`).
"""

from __future__ import annotations

import unicodedata

_MARKS = frozenset({"Mn", "Me", "Mc"})


def visible(text: str) -> str:
    """`text` as its reader sees it (see the module doc); idempotent."""
    if text.isascii():
        return text
    out: list[str] = []
    base_is_letter = False
    for char in unicodedata.normalize("NFKC", text):
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
