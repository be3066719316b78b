"""One WhatsApp `messages[]` or `statuses[]` item -> one engine event.

Every message type WhatsApp documents has a reader here; a type it adds later (or one
this module does not know) still becomes an `Inbound(kind="unknown", raw_type=...)`,
so the service stores and logs it and the engine answers it with a defined outcome.

The customer is named by their phone number (`from`) when WhatsApp gives it, else by
their business-scoped user id (`from_user_id`, a BSUID such as `US.1349...`): users
who adopt a username may message without exposing a number.  Either is kept exactly
as sent (a `wa_id` need not be digits); the BSUID is also kept in `Inbound.user_id`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from wactl.runtime.events import (
    FlowReply,
    Inbound,
    Location,
    Media,
    MessageKind,
    Order,
    OrderItem,
    Referral,
    StatusUpdate,
    SystemNotice,
    WaError,
)
from wactl.service.webhook._reader import Reader, obj

Status = Literal["sent", "delivered", "read", "failed"]
STATUSES: dict[str, Status] = {
    "sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
MEDIA: dict[str, MessageKind] = {
    "image": "image", "audio": "audio", "voice": "audio", "video": "video",
    "document": "document", "sticker": "sticker"}
"""WhatsApp's media types and the kind each becomes (a voice note is audio, `voice=True`)."""

Reading = Callable[[Reader, dict[str, Any], str, Inbound], Inbound]


def read_message(r: Reader, msg: dict[str, Any], path: str,
                 contacts: list[dict[str, Any]]) -> Inbound | None:
    """The message as an `Inbound`, or None (with a note) when no sender can be named."""
    who = _sender(r, msg, path, contacts)
    if who is None:
        return None
    wa_id, user_id, name, username = who
    raw_type = r.text(msg, "type", path)
    message_id = r.text(msg, "id", path)
    if not message_id:
        r.note("no_message_id", path, "WhatsApp's retries of it cannot be told apart")
    base = Inbound(wa_id, r.timestamp(msg, path), "unknown", id=message_id or "",
                   raw_type=raw_type, name=name, user_id=user_id, username=username,
                   reply_to=r.text(obj(msg, "context"), "id", f"{path}.context"),
                   referral=_referral(r, msg, path), errors=_errors(r, msg, path))
    reading = READERS.get(raw_type or "", _unknown)
    return reading(r, msg, path, base)


def read_status(r: Reader, item: dict[str, Any], path: str) -> StatusUpdate | None:
    """A delivery status of a message we sent; None (with a note) when it cannot be used."""
    raw = r.text(item, "status", path)
    message_id = r.text(item, "id", path)
    status = STATUSES.get(raw or "")
    if status is None:
        r.note("unknown_status", f"{path}.status", repr(raw)[:80])
        return None
    if not message_id:
        r.note("no_message_id", path, "a status names no message")
        return None
    user_id = r.text(item, "recipient_user_id", path)
    wa_id = r.text(item, "recipient_id", path) or user_id or ""
    if not wa_id:
        r.note("no_recipient", path, "a status names no recipient")
    errors = _errors(r, item, path)
    error = errors[0].code if status == "failed" and errors else None
    if status == "failed" and error is None:
        r.note("failed_without_code", path, "a failed status carries no error code")
    return StatusUpdate(wa_id, r.timestamp(item, path), message_id, status, error,
                        user_id=user_id)


# --------------------------------------------------------------------------- who


def _sender(r: Reader, msg: dict[str, Any], path: str, contacts: list[dict[str, Any]]
            ) -> tuple[str, str | None, str | None, str | None] | None:
    phone = r.text(msg, "from", path)
    user_id = r.text(msg, "from_user_id", path)
    contact = _contact(r, phone, user_id, contacts)
    phone = phone or r.text(contact, "wa_id", "contact")
    user_id = user_id or r.text(contact, "user_id", "contact")
    wa_id = phone or user_id
    if not wa_id:
        r.note("no_sender", path, "neither `from` nor `from_user_id` names the customer")
        return None
    profile = obj(contact, "profile")
    username = r.text(profile, "username", "contact") or r.text(contact, "username", "contact")
    return wa_id, user_id, r.text(profile, "name", "contact.profile"), username


def _contact(r: Reader, phone: str | None, user_id: str | None,
             contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `contacts[]` entry of this sender (the only one, when none names it)."""
    for contact in contacts:
        if phone and r.text(contact, "wa_id", "contact") == phone:
            return contact
        if user_id and r.text(contact, "user_id", "contact") == user_id:
            return contact
    return contacts[0] if len(contacts) == 1 else {}


# --------------------------------------------------------------------------- kinds


def _text(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    return replace(base, kind="text", text=r.text(obj(msg, "text"), "body", f"{path}.text") or "")


def _media(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    raw = base.raw_type or ""
    part = obj(msg, raw)
    where = f"{path}.{raw}"
    caption = r.text(part, "caption", where)
    media = Media(id=r.text(part, "id", where), url=r.text(part, "url", where),
                  mime_type=r.text(part, "mime_type", where), caption=caption,
                  filename=r.text(part, "filename", where),
                  voice=raw == "voice" or part.get("voice") is True)
    return replace(base, kind=MEDIA[raw], text=caption or "", media=media)


def _location(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    part = obj(msg, "location")
    lat, lon = r.number(part, "latitude"), r.number(part, "longitude")
    where = f"{path}.location"
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        r.note("bad_location", where, "no usable latitude and longitude")
        return replace(base, kind="location")
    place = Location(lat, lon, r.text(part, "name", where), r.text(part, "address", where))
    return replace(base, kind="location", location=place)


def _contacts(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    cards = (r.copy(card, where) for where, card in r.items(msg, "contacts", path))
    return replace(base, kind="contacts", contacts=tuple(c for c in cards if isinstance(c, dict)))


def _interactive(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    part = obj(msg, "interactive")
    itype = r.text(part, "type", f"{path}.interactive") or ""
    reply = obj(part, itype)
    where = f"{path}.interactive.{itype}"
    title = r.text(reply, "title", where) or ""
    if itype == "button_reply":
        return replace(base, kind="button", text=title, button_id=r.text(reply, "id", where))
    if itype == "list_reply":
        return replace(base, kind="list", text=title, list_id=r.text(reply, "id", where))
    if itype == "nfm_reply":
        return _flow_reply(r, reply, where, base)
    return replace(base, kind="unknown", raw_type=f"interactive.{itype or '?'}")


def _flow_reply(r: Reader, reply: dict[str, Any], where: str, base: Inbound) -> Inbound:
    """A WhatsApp Flow's answers arrive as a JSON string inside the JSON body."""
    raw = reply.get("response_json")
    answers: Any = raw if isinstance(raw, dict) else None
    if isinstance(raw, str):
        try:
            answers = json.loads(raw)
        except (ValueError, RecursionError):
            answers = None
    if not isinstance(answers, dict):
        r.note("bad_flow_response", f"{where}.response_json", "not a JSON object")
        answers = {}
    body = r.text(reply, "body", where) or ""
    flow = FlowReply(r.text(reply, "name", where), body,
                     r.copy(answers, f"{where}.response_json"))
    return replace(base, kind="flow_reply", text=body, flow_reply=flow)


def _button(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    """A template's quick-reply button: WhatsApp gives its payload (our id) and its text."""
    part, where = obj(msg, "button"), f"{path}.button"
    text = r.text(part, "text", where) or ""
    return replace(base, kind="button", text=text, button_id=r.text(part, "payload", where))


def _reaction(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    """A reaction; an empty (or missing) emoji is the customer removing theirs."""
    part, where = obj(msg, "reaction"), f"{path}.reaction"
    return replace(base, kind="reaction", text=r.text(part, "emoji", where) or "",
                   reaction_to=r.text(part, "message_id", where))


def _order(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    part, where = obj(msg, "order"), f"{path}.order"
    items = tuple(_order_item(r, item, at) for at, item in r.items(part, "product_items", where))
    text = r.text(part, "text", where) or ""
    order = Order(r.text(part, "catalog_id", where), text, items)
    return replace(base, kind="order", text=text, order=order)


def _order_item(r: Reader, item: dict[str, Any], where: str) -> OrderItem:
    quantity = r.number(item, "quantity")
    return OrderItem(r.text(item, "product_retailer_id", where) or "",
                     int(quantity) if quantity is not None and quantity.is_integer() else 1,
                     r.number(item, "item_price"), r.text(item, "currency", where))


def _system(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    part, where = obj(msg, "system"), f"{path}.system"
    body = r.text(part, "body", where) or ""
    notice = SystemNotice(r.text(part, "type", where), body,
                          r.text(part, "new_wa_id", where) or r.text(part, "wa_id", where),
                          r.text(part, "new_user_id", where) or r.text(part, "user_id", where))
    return replace(base, kind="system", text=body, system=notice)


def _unknown(r: Reader, msg: dict[str, Any], path: str, base: Inbound) -> Inbound:
    """`unsupported`, `unknown` or a type this module does not know: kept, with its errors."""
    detail = ", ".join(e.code for e in base.errors)
    codes = f" ({detail})" if detail else ""
    r.note("unknown_type", path, f"{base.raw_type or 'no type'}{codes}")
    return replace(base, kind="unknown")


READERS: dict[str, Reading] = {
    "text": _text, "location": _location, "contacts": _contacts, "interactive": _interactive,
    "button": _button, "reaction": _reaction, "order": _order, "system": _system,
    **{raw: _media for raw in MEDIA},
}


# --------------------------------------------------------------------------- parts


def _referral(r: Reader, msg: dict[str, Any], path: str) -> Referral | None:
    part = msg.get("referral")
    if not isinstance(part, dict):
        return None
    where = f"{path}.referral"
    return Referral(*(r.text(part, key, where) for key in (
        "source_type", "source_id", "source_url", "headline", "body", "media_type", "ctwa_clid")))


def _errors(r: Reader, item: dict[str, Any], path: str) -> tuple[WaError, ...]:
    found: list[WaError] = []
    for where, error in r.items(item, "errors", path):
        code = r.text(error, "code", where) or "?"
        details = (r.text(obj(error, "error_data"), "details", where)
                   or r.text(error, "details", where) or r.text(error, "message", where))
        found.append(WaError(code, r.text(error, "title", where), details))
    return tuple(found)
