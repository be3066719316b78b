"""The per-event context: the working state, the effects so far, the scope expressions see.

One `Turn` lives for one `Engine.handle` call.  It knows the time (the event's `at`, in
the project's time zone for `now`), the customer's message if the event is one, and
counts steps for the runtime guard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from wactl.compiler.ir import Text
from wactl.runtime.effects import Effect, Log, Publish
from wactl.runtime.engine.deployed import Deployment, pick_text
from wactl.runtime.events import Event, Inbound
from wactl.runtime.expressions import evaluate_src, truthy
from wactl.runtime.state import ConversationState, Frame
from wactl.runtime.templates import render_src


class Turn:
    """Everything one event's handling shares; `engine` is the deployment, read only."""

    def __init__(self, engine: Deployment, state: ConversationState, event: Event) -> None:
        self.engine = engine
        self.state = state
        self.event = event
        self.effects: list[Effect] = []
        self.now: datetime = event.at.astimezone(engine.tz)
        self.message: Inbound | None = event if isinstance(event, Inbound) else None
        self.steps = 0
        self._roots: dict[str, Any] | None = None

    # ------------------------------------------------------------------ effects

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def log(self, level: Literal["info", "warning", "error"], code: str, message: str,
            frame: Frame | None = None) -> None:
        self.effects.append(Log(level, code, message, frame.flow if frame else None,
                                frame.step if frame else None))

    def publish(self, name: str, **payload: Any) -> None:
        self.effects.append(Publish(name, {"wa_id": self.state.wa_id, **payload}))

    # ------------------------------------------------------------------ language

    @property
    def language(self) -> str:
        """The customer's language when the project writes it, else the project default."""
        lang = self.state.customer.language
        return lang if lang in self.engine.languages else self.engine.program.project.language

    def pick(self, text: Text | None) -> str | None:
        """The variant of a per-language text for this customer (default language fallback)."""
        if text is None or isinstance(text, str):
            return text
        return pick_text(text, self.language, self.engine.program.project.language)

    # ------------------------------------------------------------------ expressions

    def scope(self, frame: Frame | None, **extra: Any) -> dict[str, Any]:
        """Names an expression may read: the frame's variables, then the roots.

        The roots are built once per event (`customer_changed` drops them after a tag,
        field or consent step); expressions never mutate what they read.
        """
        scope: dict[str, Any] = dict(frame.vars) if frame is not None else {}
        scope["vars"] = frame.vars if frame is not None else {}
        scope.update(self._roots or self._build_roots())
        if extra:
            scope.update(extra)
        return scope

    def customer_changed(self) -> None:
        self._roots = None

    def _build_roots(self) -> dict[str, Any]:
        c = self.state.customer
        project = self.engine.program.project
        self._roots = {
            "customer": {"name": c.name, "wa_id": c.wa_id, "tags": list(c.tags),
                         "fields": dict(c.fields), "consent": c.consent,
                         "language": self.language, "first_contacted_at": c.first_contacted_at},
            "shop": {"id": project.shop, "name": project.shop, "language": project.language,
                     "timezone": project.timezone},
            "now": self.now, "secrets": self.engine.secrets,
            "message": message_scope(self.message)}
        return self._roots

    def evaluate(self, src: str, scope: dict[str, Any]) -> Any:
        """The value of an expression; ExprError on failure (the caller decides the outcome)."""
        return evaluate_src(src, scope, self.engine.limits.expr_budget)

    def test(self, src: str | None, scope: dict[str, Any]) -> bool:
        return True if src is None else truthy(self.evaluate(src, scope))

    def render(self, src: str, scope: dict[str, Any]) -> str:
        """A template's text; a text without holes is itself (most button titles)."""
        if "{{" not in src:
            return src
        return render_src(src, scope, self.engine.limits.expr_budget)


def message_scope(message: Inbound | None) -> dict[str, Any]:
    """The `message` root: what the customer just sent (all null outside a message)."""
    if message is None:
        return {"text": None, "type": None, "button_id": None, "list_id": None,
                "media": None, "location": None}
    media = None if message.media is None else {
        "id": message.media.id, "url": message.media.url, "mime_type": message.media.mime_type,
        "caption": message.media.caption, "filename": message.media.filename}
    location = None if message.location is None else {
        "latitude": message.location.latitude, "longitude": message.location.longitude,
        "name": message.location.name, "address": message.location.address}
    return {"text": message.text, "type": message.kind, "button_id": message.button_id,
            "list_id": message.list_id, "media": media, "location": location}
