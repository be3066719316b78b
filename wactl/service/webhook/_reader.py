"""Reading untrusted JSON: typed, bounded, and never raising.

Every getter takes a path (`entry[0].changes[1].value.messages[2]`) so a note can say
where something was cut or ignored.  Strings are kept exactly (NUL characters and any
Unicode included) up to `MAX_TEXT` characters; nested values the engine keeps as data
(a contact card, a Flow's answers) are copied with the same bounds on every string,
list and nesting level, so one body cannot make the parser copy megabytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_TEXT = 4096
"""Characters kept of any one string (WhatsApp's own limit on a text message)."""
MAX_ITEMS = 1000
"""Messages, statuses, changes and list elements kept from one body."""
MAX_PATH = 200
"""Characters kept of a note's path."""
MAX_COPIED = 20 * MAX_ITEMS
"""JSON values copied from one body into contact cards and Flow answers, all told."""
MAX_DEPTH = 16
"""Nesting kept of a copied value (a contact card is 3 deep)."""


@dataclass(frozen=True, slots=True)
class Note:
    """Something in the body the parser skipped, cut or could not read, and where."""

    code: str
    path: str
    detail: str = ""


@dataclass(slots=True)
class Reader:
    """The notes of one parse and what is left of its budget of items."""

    received_at: datetime
    notes: list[Note] = field(default_factory=list)
    items_left: int = MAX_ITEMS
    noted: int = 0
    copies_left: int = MAX_COPIED

    def note(self, code: str, path: str, detail: str = "") -> None:
        self.noted += 1
        if self.noted <= MAX_ITEMS:
            self.notes.append(Note(code, path[:MAX_PATH], self.cut(detail, path, quiet=True)))
        elif self.noted == MAX_ITEMS + 1:
            self.notes.append(Note("too_many_notes", path[:MAX_PATH], "later notes dropped"))

    def take(self, path: str) -> bool:
        """Spend one item of the body's budget; False (with one note) once it is spent."""
        if self.items_left > 0:
            self.items_left -= 1
            return True
        if self.items_left == 0:
            self.items_left = -1
            self.note("too_many_items", path, f"only the first {MAX_ITEMS} items are read")
        return False

    def cut(self, text: str, path: str, *, quiet: bool = False) -> str:
        if len(text) <= MAX_TEXT:
            return text
        if not quiet:
            self.note("text_cut", path, f"{len(text)} characters cut to {MAX_TEXT}")
        return text[:MAX_TEXT]

    def text(self, obj: object, key: str, path: str) -> str | None:
        """`obj[key]` as a string (ids that arrive as numbers included), or None."""
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, str):
            return self.cut(value, f"{path}.{key}")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return None

    def number(self, obj: object, key: str) -> float | None:
        """`obj[key]` as a finite number (WhatsApp sends numbers; some relays send strings)."""
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return None
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
        return None

    def timestamp(self, obj: object, path: str) -> datetime:
        """A unix-seconds `timestamp` as an aware UTC datetime; the receipt time if unreadable."""
        value = obj.get("timestamp") if isinstance(obj, dict) else None
        seconds: int | None = None
        digits = value.strip() if isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and len(digits) < 20:  # not "²" or "١٢"
            seconds = int(digits)
        elif isinstance(value, int) and not isinstance(value, bool):
            seconds = value
        if seconds is not None:
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                pass
        self.note("bad_timestamp", f"{path}.timestamp",
                  f"{str(value)[:40]!r} is not unix seconds; the receipt time is used")
        return self.received_at

    def items(self, obj: object, key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        """The objects of the list `obj[key]` with their paths; anything else is noted."""
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None:
            return []
        if not isinstance(value, list):
            self.note("not_a_list", f"{path}.{key}", type(value).__name__)
            return []
        found: list[tuple[str, dict[str, Any]]] = []
        for index, item in enumerate(value):
            where = f"{path}.{key}[{index}]"
            if not self.take(where):
                break
            if isinstance(item, dict):
                found.append((where, item))
            else:
                self.note("not_an_object", where, type(item).__name__)
        return found

    def copy(self, value: object, path: str, depth: int = 0) -> Any:
        """A JSON value copied with every string, list and nesting level bounded."""
        self.copies_left -= 1
        if self.copies_left < 0:
            if self.copies_left == -1:
                self.note("too_much_data", path, f"only {MAX_COPIED} values are copied")
            return None
        if isinstance(value, str):
            return self.cut(value, path)
        if value is None or isinstance(value, bool | int | float):
            return value
        if depth >= MAX_DEPTH:
            self.note("too_deep", path, f"nesting past {MAX_DEPTH} levels dropped")
            return None
        if isinstance(value, list):
            if len(value) > MAX_ITEMS:
                self.note("list_cut", path, f"{len(value)} elements cut to {MAX_ITEMS}")
            return [self.copy(v, f"{path}[{i}]", depth + 1)
                    for i, v in enumerate(value[:MAX_ITEMS])]
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                self.note("list_cut", path, f"{len(value)} keys cut to {MAX_ITEMS}")
            return {self.cut(str(k), path, quiet=True): self.copy(v, f"{path}.{k}", depth + 1)
                    for k, v in list(value.items())[:MAX_ITEMS]}
        return None


def obj(value: object, key: str) -> dict[str, Any]:
    """`value[key]` when it is an object, else an empty one (a missing part reads as empty)."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}
