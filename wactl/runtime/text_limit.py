"""Long texts in WhatsApp-sized parts, and the check that a flow's text fits in one.

WhatsApp refuses a text over 4,096 characters.  A model's reply may be longer (the
service this replaces streamed long answers), so `split_text` cuts it into parts of at
most the limit, at the latest boundary that fits: a paragraph break, else a line
break, else the end of a sentence, else a space, else (one unbroken 4,096-character
word) anywhere.  The whitespace at a cut is dropped; nothing else is, so the parts
joined with that whitespace are the text again.

A flow's own text is the merchant's: one that renders too long is a mistake in the
flow or in the data it shows, so `fit_text` fails the render (an `ExprError`, which
ends the step and is logged as every other render failure is) instead of sending
half a message.
"""

from __future__ import annotations

import re

from wactl.runtime.expressions import ExprError

WHATSAPP_TEXT_LIMIT = 4096
"""Characters in one WhatsApp text body (the Cloud API's limit)."""

_BOUNDARIES = (re.compile(r"\n\s*\n\s*"), re.compile(r"\n\s*"),
               re.compile(r"(?<=[.!?…。])\s+"), re.compile(r"\s+"))
"""Cut points from the best to the worst; each match is the whitespace dropped there."""


def split_text(text: str, limit: int = WHATSAPP_TEXT_LIMIT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at the best boundaries."""
    if limit < 1:
        raise ValueError("a part holds at least one character")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        start, end = _cut(rest, limit)
        parts.append(rest[:start].rstrip())
        rest = rest[end:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where the first part ends and the next begins: the last boundary within `limit`."""
    window = text[:limit + 1]
    for boundary in _BOUNDARIES:
        cuts = [m for m in boundary.finditer(window) if m.start() > 0]
        if cuts:
            return cuts[-1].start(), cuts[-1].end()
    return limit, limit


def fit_text(text: str, what: str = "text") -> str:
    """`text` when it fits one WhatsApp text; ExprError `text_too_long` otherwise."""
    if len(text) > WHATSAPP_TEXT_LIMIT:
        raise ExprError("text_too_long", f"the {what} renders to {len(text)} characters; "
                        f"WhatsApp takes at most {WHATSAPP_TEXT_LIMIT}")
    return text
