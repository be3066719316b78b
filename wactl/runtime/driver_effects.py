"""One effect carried out through the port it belongs to (the driver's hands).

`carry_out` returns the event an effect is answered with (`HttpResult`, `AiResult`)
or None.  HTTP and AI clients must never raise, but a broken adapter must not lose
the conversation either: an exception becomes the error answer the engine already
handles (`connection`, `down`), and a failed send becomes a logged error.  Store
failures do propagate: the event was not handled and the caller (the service's
inbox worker) retries it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from wactl.runtime.effects import (
    AiRequest,
    CancelTimer,
    ConsentChanged,
    Effect,
    FieldsChanged,
    Handoff,
    HttpRequest,
    Log,
    Publish,
    ScheduleTimer,
    SendEffect,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
    TagsChanged,
)
from wactl.runtime.events import AiResult, Event, HttpResult, Inbound
from wactl.runtime.ports import MessageRecord, TimerRecord

if TYPE_CHECKING:  # the driver imports this module
    from wactl.runtime.driver import Ports

log = logging.getLogger("wactl.runtime")
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
SENDS = (SendText, SendMedia, SendInteractive, SendTemplate)
CUSTOMER_CHANGES = (TagsChanged, FieldsChanged, ConsentChanged)


async def carry_out(ports: Ports, wa_id: str, effect: Effect, at: datetime) -> Event | None:
    """Carry out `effect` for conversation `wa_id` at time `at`; the answer, if it has one."""
    if isinstance(effect, SENDS):
        await _send(ports, wa_id, effect, at)
    elif isinstance(effect, HttpRequest):
        return await _http(ports, wa_id, effect, at)
    elif isinstance(effect, AiRequest):
        return await _ai(ports, wa_id, effect, at)
    elif isinstance(effect, CUSTOMER_CHANGES):
        await ports.customers.apply(effect)
    elif isinstance(effect, ScheduleTimer):
        await ports.timers.schedule(TimerRecord(effect.wa_id, effect.timer_id, effect.at))
    elif isinstance(effect, CancelTimer):
        await ports.timers.cancel(effect.wa_id, effect.timer_id)
    elif isinstance(effect, Publish):
        await ports.events.publish(effect)
    elif isinstance(effect, Log):
        write_log(wa_id, effect)
    elif isinstance(effect, Handoff):
        log.info("conversation handed to a person", extra={
            "code": "handoff", "wa_id": wa_id, "team": effect.team, "reason": effect.reason})
    return None


async def _send(ports: Ports, wa_id: str, message: SendEffect, at: datetime) -> None:
    try:
        message_id = await ports.channel.send(message)
    except Exception as exc:  # an adapter bug or outage: logged, the conversation goes on
        write_log(wa_id, Log("error", "send_failed", f"{type(exc).__name__}: {exc}"))
        return
    kind, text = outbound_text(message)
    await ports.conversations.append_message(
        MessageRecord(message.to, "out", kind, text, at, message_id))


async def _http(ports: Ports, wa_id: str, request: HttpRequest, at: datetime) -> HttpResult:
    try:
        result = await ports.http.request(request)
    except Exception as exc:  # the port promised not to raise; treat it as no answer
        write_log(wa_id, Log("error", "http_client", f"{type(exc).__name__}: {exc}"))
        result = HttpResult(wa_id, at, request.request_id, error="connection")
    return replace(result, wa_id=wa_id, at=at, request_id=request.request_id)


async def _ai(ports: Ports, wa_id: str, request: AiRequest, at: datetime) -> AiResult:
    try:
        result = await ports.ai.ask(request)
    except Exception as exc:  # the port promised not to raise; treat the model as down
        write_log(wa_id, Log("error", "ai_client", f"{type(exc).__name__}: {exc}"))
        result = AiResult(wa_id, at, request.request_id, error="down")
    return replace(result, wa_id=wa_id, at=at, request_id=request.request_id)


def write_log(wa_id: str, effect: Log) -> None:
    """A `Log` effect to the `logging` module, its fields as structured `extra`."""
    log.log(LEVELS.get(effect.level, logging.INFO), effect.message, extra={
        "code": effect.code, "wa_id": wa_id, "flow": effect.flow, "step": effect.step})


def outbound_text(message: SendEffect) -> tuple[str, str]:
    """The message log's (kind, text) for a message we send."""
    if isinstance(message, SendText):
        return "text", message.text
    if isinstance(message, SendMedia):
        return "media", message.caption or message.link
    if isinstance(message, SendInteractive):
        return "interactive", message.body
    return "template", message.name


def inbound_record(event: Inbound) -> MessageRecord:
    """The message log's line for a customer's message."""
    return MessageRecord(event.wa_id, "in", event.kind, event.text, event.at, event.id)
