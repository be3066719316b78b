"""A WhatsApp webhook body (raw bytes) -> engine events, per WhatsApp number.

`parse_webhook` never raises.  A body that is not JSON, or not a JSON object, is a
`Malformed` value (the service answers 400).  Anything else is a `Parsed`: one
`Change` per `entry[].changes[]`, carrying the `metadata.phone_number_id` that routes
it to a shop, its events in body order (an `Inbound` per message of any kind, a
`StatusUpdate` per status: a status never becomes an `Inbound`), and notes saying
what was skipped, cut or unreadable, and where.  The service answers 200 to all of
it: a 500 on one odd payload makes WhatsApp retry the whole body for days.

Bounded: at most `MAX_ITEMS` messages, statuses and changes are read from one body,
and at most `MAX_TEXT` characters of any string are copied, each cut with a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from wactl.runtime.events import Inbound, StatusUpdate
from wactl.service.webhook._messages import read_message, read_status
from wactl.service.webhook._reader import MAX_ITEMS, MAX_TEXT, Note, Reader, obj

__all__ = ["MAX_ITEMS", "MAX_TEXT", "Change", "Malformed", "Note", "Parsed", "parse_webhook"]

WebhookEvent = Inbound | StatusUpdate


@dataclass(frozen=True, slots=True)
class Malformed:
    """The body is not a JSON object: answer 400 (WhatsApp never sends one)."""

    reason: Literal["not_json", "not_object"]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One `entry[].changes[]` item: its number, its events and what was left out."""

    field: str
    phone_number_id: str | None
    """Routes the events to the shop that owns the number; None when the change has none."""
    display_phone_number: str | None
    account_id: str | None
    """The WhatsApp Business Account id (`entry[].id`)."""
    events: tuple[WebhookEvent, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class Parsed:
    changes: tuple[Change, ...]
    notes: tuple[Note, ...]
    """Notes about the body itself, outside any change."""

    @property
    def events(self) -> tuple[WebhookEvent, ...]:
        return tuple(e for change in self.changes for e in change.events)

    @property
    def all_notes(self) -> tuple[Note, ...]:
        return self.notes + tuple(n for change in self.changes for n in change.notes)


def parse_webhook(body: bytes, received_at: datetime) -> Parsed | Malformed:
    """Read a webhook body; `received_at` stands in for a timestamp that cannot be read."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 and bad JSON are ValueErrors
        return Malformed("not_json", type(exc).__name__)
    if not isinstance(data, dict):
        return Malformed("not_object", type(data).__name__)
    r = Reader(received_at)
    if data.get("object") != "whatsapp_business_account":
        r.note("unexpected_object", "body.object", repr(data.get("object"))[:80])
    changes: list[Change] = []
    for epath, entry in r.items(data, "entry", "body"):
        for cpath, change in r.items(entry, "changes", epath):
            changes.append(_change(r, r.text(entry, "id", epath), change, cpath))
    if not changes:
        r.note("no_changes", "body", "the body carries no entry[].changes[]")
    return Parsed(tuple(changes), tuple(r.notes))


def _change(r: Reader, account_id: str | None, change: dict[str, Any], path: str) -> Change:
    """Read one change, keeping the notes it gives apart from the body's."""
    body_notes, r.notes = r.notes, []
    field = r.text(change, "field", path) or ""
    value = obj(change, "value")
    vpath = f"{path}.value"
    meta = obj(value, "metadata")
    number = r.text(meta, "phone_number_id", f"{vpath}.metadata")
    events: list[WebhookEvent] = []
    if field != "messages":
        r.note("field_skipped", f"{path}.field", f"{field or 'no field'} is not read")
    else:
        if number is None:
            r.note("no_phone_number_id", f"{vpath}.metadata", "no shop can be found")
        events = _events(r, value, vpath)
    result = Change(field, number, r.text(meta, "display_phone_number", f"{vpath}.metadata"),
                    account_id, tuple(events), tuple(r.notes))
    r.notes = body_notes
    return result


def _events(r: Reader, value: dict[str, Any], vpath: str) -> list[WebhookEvent]:
    for where, error in r.items(value, "errors", vpath):
        r.note("webhook_error", where,
               f"{r.text(error, 'code', where)}: {r.text(error, 'title', where) or ''}")
    contacts = [c for _, c in r.items(value, "contacts", vpath)]
    events: list[WebhookEvent] = []
    for where, msg in r.items(value, "messages", vpath):
        if (inbound := read_message(r, msg, where, contacts)) is not None:
            events.append(inbound)
    for where, item in r.items(value, "statuses", vpath):
        if (status := read_status(r, item, where)) is not None:
            events.append(status)
    return events
