"""What one engine outcome writes in its unit of work, and the logs it leaves after commit.

Everything is a write of the unit: customer changes, timers, the message log, the
run-step log, the state and runs, the shop's AI usage per agent and day, and an
outbox entry for whatever leaves the process (sends, HTTP and AI requests, published
events).  Nothing here does I/O beyond the unit; `Log` and `Handoff` become log
records only once the unit has committed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

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
from wactl.runtime.events import Inbound
from wactl.runtime.ports import UnitOfWork
from wactl.runtime.records import MessageRecord, RunStep, TimerRecord, usage_of
from wactl.runtime.state import ConversationState, Customer, Run

log = logging.getLogger("wactl.runtime")
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
SENDS = (SendText, SendMedia, SendInteractive, SendTemplate)
CUSTOMER_CHANGES = (TagsChanged, FieldsChanged, ConsentChanged)
OUTBOUND = (HttpRequest, AiRequest, Publish)
"""Effects that only go to the outbox (tuples, not `A | B`: no union built per check)."""


async def write_effect(u: UnitOfWork, effect: Effect, at: datetime) -> str | None:
    """One effect's writes (see the module docstring); `Log`/`Handoff` write nothing.
    A send returns our message id (the one its statuses will be recorded against)."""
    if isinstance(effect, SENDS):
        entry = await u.enqueue(effect, at=at)
        kind, text = outbound_text(effect)
        fallback = None if isinstance(effect, SendTemplate) else effect.fallback
        await u.conversations.append_message(MessageRecord(
            effect.to, "out", kind, text, entry.created_at, entry.message_id,
            status="queued", fallback=fallback))
        return entry.message_id
    if isinstance(effect, OUTBOUND):
        await u.enqueue(effect, at=at)
        usage = usage_of(effect, at.astimezone(UTC).date()) if isinstance(
            effect, Publish) else None
        if usage is not None:
            await u.runs.add_usage(usage)
    elif isinstance(effect, CUSTOMER_CHANGES):
        await u.customers.apply(effect)
    elif isinstance(effect, ScheduleTimer):
        await u.timers.schedule(TimerRecord(effect.wa_id, effect.timer_id, effect.at))
    elif isinstance(effect, CancelTimer):
        await u.timers.cancel(effect.wa_id, effect.timer_id)
    return None


async def write_outcome(u: UnitOfWork, state: ConversationState, effects: list[Effect],
                        at: datetime) -> None:
    """The engine's new state and effects, as writes of the unit.

    The runs' trace entries of this event become run-step rows and leave the runs,
    so the state saved per event holds no trace and costs the same at step 10,000
    as at step 10.
    """
    for effect in effects:
        await write_effect(u, effect, at)
    runs = [*state.finished, *state.side, *([state.run] if state.run else [])]
    steps = [step for run in runs for step in run_steps(state.wa_id, run)]
    if steps:
        await u.runs.append_steps(steps)
    for run in runs:
        run.trace = []
    await u.conversations.save(state)
    for run in state.finished:
        await u.runs.save(state.wa_id, run, finished=True)
    if state.run is not None:
        await u.runs.save(state.wa_id, state.run)


def run_steps(wa_id: str, run: Run) -> list[RunStep]:
    return [RunStep(wa_id, run.id, e.flow, e.version, e.step, e.kind, e.outcome, e.at, e.changed)
            for e in run.trace]


async def write_profile(u: UnitOfWork, customer: Customer, before: Customer | None) -> None:
    """Store profile changes (name, language, first contact) the engine made.

    Tags, fields and consent went to the store as changes; the whole customer is
    written only when it is new or its profile changed, so a tag the management API
    set meanwhile is kept.
    """
    profile = (customer.name, customer.language, customer.first_contacted_at)
    if before is not None and profile == (before.name, before.language,
                                          before.first_contacted_at):
        return
    stored = await u.customers.get(customer.wa_id) or customer.clone()
    stored.name, stored.language = customer.name, customer.language
    stored.first_contacted_at = customer.first_contacted_at
    await u.customers.save(stored)


def write_logs(wa_id: str, effects: list[Effect], shop_id: str) -> None:
    """After commit: `Log` and `Handoff` effects to the `logging` module."""
    for effect in effects:
        if isinstance(effect, Log):
            write_log(wa_id, effect, shop_id)
        elif isinstance(effect, Handoff):
            log.info("conversation handed to a person", extra={
                "code": "handoff", "shop": shop_id, "wa_id": wa_id, "team": effect.team,
                "reason": effect.reason})


def write_log(wa_id: str, effect: Log, shop_id: str = "") -> None:
    """A `Log` effect to the `logging` module, its fields as structured `extra`."""
    log.log(LEVELS.get(effect.level, logging.INFO), effect.message, extra={
        "code": effect.code, "shop": shop_id, "wa_id": wa_id, "flow": effect.flow,
        "step": effect.step})


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
