"""What the engine wants done, as data: the engine's output besides the new state.

The engine never performs I/O; it returns these and an adapter carries them out
(the in-memory ports in tests and `wactl simulate`, PostgreSQL/WhatsApp/OpenAI in the
service).  Effects that need an answer (`HttpRequest`, `AiRequest`) carry a
`request_id`; the run waits and the answer comes back as an `HttpResult`/`AiResult`
event with that id.  Everything else is fire-and-forget from the engine's view: the
state the engine returns already reflects it (tags, fields, consent are applied to the
state's customer copy, timers are recorded in the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Button:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    title: str | None
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class SendText:
    to: str
    text: str
    fallback: SendTemplate | None = None
    """The step's `fallback_template`: sent instead, once, if WhatsApp refuses this
    message for being outside the 24h window (error 131047)."""


@dataclass(frozen=True, slots=True)
class SendMedia:
    """An image, document, audio or video by link, with an optional caption."""

    to: str
    kind: Literal["image", "document", "audio", "video"]
    link: str
    caption: str | None = None
    fallback: SendTemplate | None = None


@dataclass(frozen=True, slots=True)
class SendInteractive:
    """Reply buttons (up to 3) or a list menu, with a text body and optional header."""

    to: str
    body: str
    buttons: tuple[Button, ...] = ()
    list_button: str | None = None
    sections: tuple[Section, ...] = ()
    header_text: str | None = None
    header_media: tuple[str, str] | None = None
    """(kind, link) for an image/video/document header on a button message."""
    fallback: SendTemplate | None = None


@dataclass(frozen=True, slots=True)
class SendTemplate:
    to: str
    name: str
    language: str
    params: tuple[str, ...] = ()


SendEffect = SendText | SendMedia | SendInteractive | SendTemplate


@dataclass(frozen=True, slots=True)
class HttpRequest:
    request_id: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    """JSON-shaped data sent as JSON; None sends no body."""
    timeout: float = 10.0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class AiRequest:
    """Ask the AI layer something; what depends on `purpose`.

    - `reply`: answer as persona `agent`, given the conversation's recent `history`
      (oldest first, (role, text) pairs with role `user` or `assistant`).
    - `intent`: classify `text` among `intents` (intent name → the names of the flow's
      declared vars the message may fill).
    - `extract`: fill `fields` (name → type: text, number, date, ...) from `text`.
    """

    request_id: str
    purpose: Literal["reply", "intent", "extract"]
    wa_id: str
    text: str
    agent: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    scope: dict[str, Any] = field(default_factory=dict)
    """customer and shop data the persona prompt's template may read."""


@dataclass(frozen=True, slots=True)
class TagsChanged:
    wa_id: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldsChanged:
    """Customer custom fields set; a None value clears the field."""

    wa_id: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConsentChanged:
    wa_id: str
    consent: Literal["opted_in", "opted_out"]


@dataclass(frozen=True, slots=True)
class Handoff:
    """Hand the conversation to a person (the engine stops answering until handed back)."""

    wa_id: str
    team: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    wa_id: str
    timer_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CancelTimer:
    wa_id: str
    timer_id: str


@dataclass(frozen=True, slots=True)
class Publish:
    """An integration event (`WhatsAppMessageReceived`, `AITokenUsage`, ...) to publish."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MarkRead:
    """Blue ticks for a customer's message.  The driver adds it after handling the
    message when the service is set to (`Conductor(mark_read=True)`); no flow emits it."""

    wa_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Log:
    """Something an operator should be able to find: why a run failed, a message dropped."""

    level: Literal["info", "warning", "error"]
    code: str
    message: str
    flow: str | None = None
    step: str | None = None


Effect = (SendText | SendMedia | SendInteractive | SendTemplate | HttpRequest | AiRequest
          | TagsChanged | FieldsChanged | ConsentChanged | Handoff | ScheduleTimer
          | CancelTimer | Publish | MarkRead | Log)
