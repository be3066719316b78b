"""What the customer sees: rendering a step's message in their language, and the 24h window.

A message renders to one or two send effects: text alone; buttons or a list menu
(interactive, body = the text); media by link with a caption; text followed by media
when both a text and a caption are given.  Button ids are `<step>.<n>`, so a tap on an
older message's button is never taken for the current ask's button of the same
position (it still matches by title).

WhatsApp only lets a business send free-form messages within 24 hours of the
customer's last message.  Outside the window a `send` with a `fallback_template` sends
the template instead; anything else is not sent and the caller ends the run with a
`window_closed` reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal

from wactl.compiler.ir import IRListMenu, IRMessage, IRTemplateRef, Text
from wactl.runtime.answers import Option
from wactl.runtime.effects import (
    Button,
    Row,
    Section,
    SendEffect,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)
from wactl.runtime.engine.turn import Turn
from wactl.runtime.state import MAX_HISTORY
from wactl.runtime.text_limit import fit_text

WINDOW = timedelta(hours=24)


@dataclass(slots=True)
class Rendered:
    effects: list[SendEffect]
    options: list[Option] = field(default_factory=list)
    text: str = ""


def window_open(t: Turn) -> bool:
    last = t.state.last_inbound_at
    return last is not None and t.event.at - last < WINDOW


def render_message(t: Turn, msg: IRMessage, scope: dict[str, Any],
                   step_id: str) -> Rendered:
    """The send effects of a message and the options it offers; ExprError on a bad template."""
    to = t.state.wa_id
    text = _text(t, msg.text, scope)
    caption = _text(t, msg.caption, scope)
    media = _media(t, msg, scope)
    if msg.buttons:
        titles = [_text(t, b, scope) or "" for b in msg.buttons]
        buttons = tuple(Button(f"{step_id}.{i + 1}", title) for i, title in enumerate(titles))
        header = media if media is not None and media[0] != "audio" else None
        effect = SendInteractive(to, text or caption or "", buttons=buttons, header_media=header)
        options = [Option(b.id, b.title, b.title) for b in buttons]
        return Rendered([effect], options, text or caption or "")
    if msg.list_:
        return _list(t, msg.list_, text or "", scope)
    effects: list[SendEffect] = []
    if media is None:
        return Rendered([SendText(to, text or "")], [], text or "")
    if text and caption:
        effects.append(SendText(to, text))
    kind = media[0]
    cap = None if kind == "audio" else (caption or text or None)
    effects.append(SendMedia(to, kind, media[1], cap))
    return Rendered(effects, [], text or caption or f"[{kind}]")


MediaKind = Literal["image", "document", "audio", "video"]


def _media(t: Turn, msg: IRMessage, scope: dict[str, Any]) -> tuple[MediaKind, str] | None:
    """The message's media by link (the first of image, video, document, audio given)."""
    given: tuple[tuple[MediaKind, str | None], ...] = (
        ("image", msg.image), ("video", msg.video), ("document", msg.document),
        ("audio", msg.audio))
    for kind, src in given:
        if src:
            return kind, t.render(src, scope)
    return None


def _list(t: Turn, menu: IRListMenu, body: str, scope: dict[str, Any]) -> Rendered:
    sections: list[Section] = []
    options: list[Option] = []
    for sec in menu.sections:
        rows = tuple(Row(r.id, _text(t, r.title, scope) or r.id,
                         _text(t, r.description, scope)) for r in sec.rows)
        sections.append(Section(_text(t, sec.title, scope), rows))
        options.extend(Option(r.id, r.title, r.id) for r in rows)
    effect = SendInteractive(t.state.wa_id, body,
                             list_button=_text(t, menu.button, scope) or "Menu",
                             sections=tuple(sections))
    return Rendered([effect], options, body)


def _text(t: Turn, text: Text | None, scope: dict[str, Any]) -> str | None:
    src = t.pick(text)
    return None if src is None else fit_text(t.render(src, scope))


def options_of(t: Turn, msg: IRMessage, scope: dict[str, Any], step_id: str,
               version: str = "") -> list[Option]:
    """The picks an ask offers (rendered again at answer time, in the same language).

    Options whose titles hold no template are the same every time for a step version
    and language: the deploy made them (`Deployment.options`).
    """
    if not msg.buttons and not msg.list_:
        return []
    made = t.engine.options.get((version, step_id, t.language))
    if made is not None:
        return made
    return render_message(t, msg, scope, step_id).options


def template_effect(t: Turn, ref: IRTemplateRef, scope: dict[str, Any]) -> SendTemplate:
    """A template send: the step's language, else the customer's."""
    params = tuple(t.render(p, scope) for p in ref.params)
    return SendTemplate(t.state.wa_id, ref.name, ref.language or t.language, params)


def deliver(t: Turn, rendered: Rendered, fallback: SendTemplate | None = None) -> bool:
    """Send inside the 24h window, else the fallback template; False when nothing could go."""
    if window_open(t):
        t.effects.extend(with_fallback(rendered.effects, fallback))
        remember(t, "assistant", rendered.text)
        return True
    if fallback is not None:
        t.emit(fallback)
        remember(t, "assistant", f"[template {fallback.name}]")
        return True
    return False


def with_fallback(effects: list[SendEffect], fallback: SendTemplate | None
                  ) -> list[SendEffect]:
    """The first free-form message carries the step's fallback template (sent once, if
    WhatsApp refuses it for being outside the 24h window)."""
    if fallback is None or not effects or isinstance(effects[0], SendTemplate):
        return effects
    return [replace(effects[0], fallback=fallback), *effects[1:]]


def say(t: Turn, text: Text | None, scope: dict[str, Any]) -> bool:
    """Send a plain per-language text (handoff, end, retry messages); True if sent or empty."""
    body = _text(t, text, scope)
    if not body:
        return True
    return deliver(t, Rendered([SendText(t.state.wa_id, body)], [], body))


def remember(t: Turn, role: str, text: str) -> None:
    """Keep the conversation's recent messages for AI agents' context."""
    if not text:
        return
    history = t.state.history
    history.append((role, text))
    if len(history) > MAX_HISTORY:
        del history[: len(history) - MAX_HISTORY]
