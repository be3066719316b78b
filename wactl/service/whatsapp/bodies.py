"""Send effects as the JSON bodies of `POST /{phone_number_id}/messages` (pure).

The shapes follow Meta's Cloud API reference (../shared/reference/whatsapp-api-facts.md,
section 4): every body names `messaging_product: whatsapp` and the recipient; a text
asks for a link preview when it holds a link (WhatsApp shows none otherwise); media
goes by link, with a caption where WhatsApp takes one (not on audio) and a file name
for documents (the last path segment of the link, so the customer does not see
"Untitled"); buttons and lists are `interactive`; a template names its language by
code and passes its parameters as body text parameters.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from wactl.runtime.effects import (
    SendEffect,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)

Body = dict[str, Any]

DEFAULT_LIST_BUTTON = "Menu"
"""The list button's label when the effect names none (as the engine's default)."""


def message_body(message: SendEffect) -> Body:
    """The request body that sends `message`."""
    if isinstance(message, SendText):
        preview = "https://" in message.text or "http://" in message.text
        return _envelope(message.to, "text", {"preview_url": preview, "body": message.text})
    if isinstance(message, SendMedia):
        return _envelope(message.to, message.kind, media_object(message))
    if isinstance(message, SendInteractive):
        return _envelope(message.to, "interactive", interactive_object(message))
    return _envelope(message.to, "template", template_object(message))


def read_body(message_id: str) -> Body:
    """Mark an inbound message as read (the customer sees blue ticks)."""
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}


def media_object(message: SendMedia) -> Body:
    media: Body = {"link": message.link}
    if message.caption and message.kind != "audio":
        media["caption"] = message.caption
    if message.kind == "document":
        name = file_name(message.link)
        if name:
            media["filename"] = name
    return media


def interactive_object(message: SendInteractive) -> Body:
    if message.sections:
        return _list(message)
    interactive: Body = {"type": "button"}
    header = _header(message)
    if header is not None:
        interactive["header"] = header
    interactive["body"] = {"text": message.body}
    interactive["action"] = {"buttons": [
        {"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in message.buttons]}
    return interactive


def template_object(message: SendTemplate) -> Body:
    template: Body = {"name": message.name, "language": {"code": message.language}}
    if message.params:
        template["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": p} for p in message.params]}]
    return template


def file_name(link: str) -> str:
    """The last segment of the link's path, decoded; empty when it has none."""
    path = urlsplit(link).path
    return unquote(path.rsplit("/", 1)[-1])


def _list(message: SendInteractive) -> Body:
    interactive: Body = {"type": "list"}
    if message.header_text:  # a list header can only be text
        interactive["header"] = {"type": "text", "text": message.header_text}
    interactive["body"] = {"text": message.body}
    sections = []
    for section in message.sections:
        rows = []
        for row in section.rows:
            item = {"id": row.id, "title": row.title}
            if row.description:
                item["description"] = row.description
            rows.append(item)
        entry: Body = {"title": section.title} if section.title else {}
        sections.append({**entry, "rows": rows})
    interactive["action"] = {"button": message.list_button or DEFAULT_LIST_BUTTON,
                             "sections": sections}
    return interactive


def _header(message: SendInteractive) -> Body | None:
    if message.header_media is not None:
        kind, link = message.header_media
        return {"type": kind, kind: {"link": link}}
    if message.header_text:
        return {"type": "text", "text": message.header_text}
    return None


def _envelope(to: str, kind: str, content: Body) -> Body:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": kind, kind: content}
