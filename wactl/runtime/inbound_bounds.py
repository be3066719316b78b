"""What the engine considers of a customer's message: every customer-controlled field cut
to a fixed size before anything reads it.

A message is matched against every trigger, parsed as an answer, sent to the AI layer,
kept in the history (MAX_HISTORY messages, stored with every save) and readable by
expressions as `message.text`; so its size multiplies into the work of every event and
every later save.  WhatsApp's own text limit is 4,096 characters (outbound, and what
its apps let a customer type in practice); anything longer reaching the engine is a
forged or broken webhook, and only its first MAX_INBOUND_TEXT characters count.  The cut
is logged (`inbound_cut`), so an operator can see it happened.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from wactl.runtime.events import Inbound, Location, Media

if TYPE_CHECKING:
    from wactl.runtime.engine.turn import Turn

MAX_INBOUND_TEXT = 4_096
"""The text (body, caption, tapped title) the engine matches, parses and remembers."""
MAX_PROFILE_NAME = 256
"""The WhatsApp profile name (WhatsApp itself allows 25 characters)."""
MAX_ID = 256
"""A tapped button's or list row's id (WhatsApp allows 256 characters), a media id."""
MAX_DETAIL = 2_048
"""A media URL, MIME type or file name; a shared location's name and address."""
MAX_CONTACT_CARDS = 20
"""Contact cards of one `contacts` message."""

_MESSAGE_LIMITS = {"text": MAX_INBOUND_TEXT, "name": MAX_PROFILE_NAME, "button_id": MAX_ID,
                   "list_id": MAX_ID}
_MEDIA_LIMITS = {"id": MAX_ID, "url": MAX_DETAIL, "mime_type": MAX_DETAIL,
                 "caption": MAX_INBOUND_TEXT, "filename": MAX_DETAIL}
_PLACE_LIMITS = {"name": MAX_DETAIL, "address": MAX_DETAIL}


def bounded(msg: Inbound) -> tuple[Inbound, list[str]]:
    """`msg` with each customer-controlled field cut to its limit, and the fields cut."""
    changes = _cuts(msg, _MESSAGE_LIMITS)
    if len(msg.contacts) > MAX_CONTACT_CARDS:
        changes["contacts"] = msg.contacts[:MAX_CONTACT_CARDS]
    if msg.media is not None and (media := _cuts(msg.media, _MEDIA_LIMITS)):
        changes["media"] = replace(msg.media, **media)
    if msg.location is not None and (place := _cuts(msg.location, _PLACE_LIMITS)):
        changes["location"] = replace(msg.location, **place)
    return (replace(msg, **changes) if changes else msg), sorted(changes)


def _cuts(obj: Inbound | Media | Location, limits: dict[str, int]) -> dict[str, Any]:
    """{field: cut value} for the string fields of `obj` longer than their limit."""
    out: dict[str, Any] = {}
    for field, limit in limits.items():
        value = getattr(obj, field)
        if isinstance(value, str) and len(value) > limit:
            out[field] = value[:limit]
    return out


def bound_inbound(t: Turn, msg: Inbound) -> Inbound:
    """`bounded(msg)`, logging `inbound_cut` when anything was cut."""
    cut, fields = bounded(msg)
    if fields:
        t.log("warning", "inbound_cut", f"message {msg.id}: {', '.join(fields)} cut to the "
              f"engine's limits (text: {MAX_INBOUND_TEXT:,} characters; was "
              f"{len(msg.text):,})")
    return cut
