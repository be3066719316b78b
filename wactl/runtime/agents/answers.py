"""Reading the model's answers: a reply, an intent, extracted values.

Models answer nonsense now and then: JSON wrapped in a code fence, an intent that
was not offered, a confidence of "high", a date as "next Friday".  Each reader here
returns a typed answer or None ("invalid": the AI client reports `error="invalid"`
and the engine takes its fallback).  The rule is strict about the shape the prompt
asked for and forgiving inside it: a wrong *kind* of answer is invalid, while a single
value of the wrong type is dropped (as if the message had not mentioned it), because
the engine asks again for anything still missing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from wactl.runtime.agents.visible import visible
from wactl.runtime.effects import AiRequest

_MARKER = re.compile(r"\[\[\s*handoff\s*\]\]", re.IGNORECASE)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,20}$")


@dataclass(frozen=True, slots=True)
class ReplyAnswer:
    """A persona's reply: its text, or a request for a person (`handoff`)."""

    text: str | None
    handoff: bool = False


@dataclass(frozen=True, slots=True)
class IntentAnswer:
    intent: str | None
    confidence: float | None
    values: dict[str, Any] = field(default_factory=dict)


def read_reply(content: str | None) -> ReplyAnswer | None:
    """The reply; the handoff marker anywhere in it means "a person, please".

    The marker is looked for in the reply as shown (`visible`), so a zero-width space
    or full-width brackets inside it do not turn it into text sent to the customer.
    """
    if content is None:
        return None
    if _MARKER.search(visible(content)):
        return ReplyAnswer(text=None, handoff=True)
    return ReplyAnswer(text=content.strip())


def read_intent(content: str | None, request: AiRequest) -> IntentAnswer | None:
    """`{"intent", "confidence", "values"}` with an offered intent (or null)."""
    data = read_object(content)
    if data is None:
        return None
    intent = data.get("intent")
    if intent in ("", "null", "none"):
        intent = None
    if intent is not None and intent not in request.intents:
        return None
    confidence = data.get("confidence", 1.0 if intent is not None else None)
    if confidence is not None and not _is_unit(confidence):
        return None
    values = data.get("values") or {}
    if not isinstance(values, Mapping):
        return None
    wanted = request.intents.get(intent, ()) if intent is not None else ()
    kept = {k: v for k, v in values.items() if k in wanted and _present(v)}
    return IntentAnswer(intent=intent,
                        confidence=None if confidence is None else float(confidence),
                        values=kept)


def read_extract(content: str | None, request: AiRequest) -> dict[str, Any] | None:
    """`{"values": {...}}`: the requested fields, each coerced to its type or dropped."""
    data = read_object(content)
    if data is None:
        return None
    values = data.get("values", {})
    if not isinstance(values, Mapping):
        return None
    found: dict[str, Any] = {}
    for name, kind in request.fields.items():
        value = coerce(values.get(name), kind)
        if value is not None:
            found[name] = value
    return found


def read_object(content: str | None) -> dict[str, Any] | None:
    """A JSON object, tolerating a Markdown code fence around it; None otherwise."""
    if content is None:
        return None
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def coerce(value: Any, kind: str) -> Any:
    """`value` as an extract type (text, number, email, phone, date, time); None if not one."""
    if not _present(value):
        return None
    if kind == "number":
        return _number(value)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if kind == "email":
        return text if _EMAIL.match(text) else None
    if kind == "phone":
        return re.sub(r"[^\d+]", "", text) if _PHONE.match(text) else None
    if kind == "date":
        return _date(text)
    if kind == "time":
        return _time(text)
    return text


def _number(value: Any) -> int | float | None:
    """A JSON number, or a plain numeric string ("2", "2.5"); whole floats become ints."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _date(text: str) -> str | None:
    """An ISO date (`2026-11-27`), as the prompt asked; anything else is dropped."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _time(text: str) -> str | None:
    """A 24-hour `HH:MM` (seconds, when given, are dropped)."""
    try:
        return time.fromisoformat(text).strftime("%H:%M")
    except ValueError:
        return None


def _is_unit(value: Any) -> bool:
    """A number from 0 to 1 (bool is not a number here)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and 0.0 <= float(value) <= 1.0)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}
