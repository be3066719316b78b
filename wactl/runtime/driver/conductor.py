"""One event, one unit of work: load, run the pure engine, commit everything together.

`Conductor.handle(shop_id, event)` opens the conversation's unit (which holds the
conversation: one event per (shop, wa_id) at a time), returns at once for an event
whose idempotency key it has committed before, loads the state with the stored
customer, runs the shop's engine, and writes the new state, the runs and their
steps, customer changes, timers, the message log and outbox entries for everything
that leaves the process, and the event's key.  An exception anywhere commits nothing,
so the caller (a webhook worker, a dispatcher, a timer worker) may simply retry.
Nothing leaves the process here: dispatchers (`driver.dispatch`) carry out the outbox.

A business-initiated message (from a schedule, a business event or the management
API, to a customer whose 24h window is closed) counts against the account's
messaging tier: a customer past the cap is left out, counted and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from wactl.compiler.ir import Program
from wactl.runtime.driver import sessions
from wactl.runtime.driver.faults import NO_FAULTS, Faults
from wactl.runtime.driver.keys import event_key
from wactl.runtime.driver.writes import (
    SENDS,
    inbound_record,
    write_log,
    write_logs,
    write_outcome,
    write_profile,
)
from wactl.runtime.effects import Effect, Log, MarkRead
from wactl.runtime.engine import Outcome
from wactl.runtime.events import (
    AiResult,
    CustomerEvent,
    Event,
    HttpResult,
    Inbound,
    ScheduleTick,
    StartFlow,
    StatusUpdate,
    TimerFired,
)
from wactl.runtime.ports import Store, UnitOfWork
from wactl.runtime.records import MessageRecord, StatusChange
from wactl.runtime.state import ConversationState, Customer
from wactl.runtime.tiers import UNLIMITED

log = logging.getLogger("wactl.runtime")
WINDOW = timedelta(hours=24)
_ANSWERS = (HttpResult, AiResult)
_BUSINESS_INITIATED = (ScheduleTick, CustomerEvent, StartFlow)

Verdict = Literal["handled", "duplicate", "unknown_shop", "unknown_request", "stale_timer",
                  "left_out"]


class EngineLike(Protocol):
    """What the driver uses of `wactl.runtime.engine.Engine` (tests may pass a stub)."""

    @property
    def program(self) -> Program: ...

    def handle(self, state: ConversationState, event: Event) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of one event: the engine's effects (committed) and the verdict."""

    verdict: Verdict
    effects: list[Effect] = field(default_factory=list)


Also = Callable[[UnitOfWork], Awaitable[None]]
"""More writes for an event's unit of work (see `Conductor.handle`)."""


class Conductor:
    """Handles events for every shop whose engine it holds; see the module docstring."""

    def __init__(self, store: Store, engines: Mapping[str, EngineLike], *,
                 tiers: Mapping[str, int] | None = None, faults: Faults = NO_FAULTS,
                 mark_read: bool = False) -> None:
        self.store, self.engines = store, engines
        self.tiers = dict(tiers or {})
        """Each shop's messaging tier: distinct customers reached per rolling 24 h."""
        self.faults = faults
        self.mark_read = mark_read
        """Put a `MarkRead` for each customer's message into the outbox, before the
        replies (the service's blue ticks; off in tests and simulate)."""

    async def handle(self, shop_id: str, event: Event, *, key: str | None = None,
                     also: Also | None = None) -> Handled:
        """Handle `event` for `shop_id` in one unit of work; `key` overrides its own key;
        `also` writes more in the same unit, whatever the verdict (the inbox ends the
        event's row in it, so the row's end and the event's effects commit together)."""
        engine = self.engines.get(shop_id)
        if engine is None:
            write_log(event.wa_id, Log("warning", "unknown_shop",
                                       f"{type(event).__name__} for shop {shop_id!r}, "
                                       "which is not loaded: not handled"), shop_id)
            return Handled("unknown_shop")
        key = key or event_key(event)
        async with self.store.shop(shop_id).unit(event.wa_id) as u:
            self.faults.reach("begin")
            handled = await self._in_unit(u, engine, shop_id, event, key)
            if key is not None:
                await u.mark_handled(key)
            if also is not None:
                await also(u)
            self.faults.reach("written")
        self.faults.reach("committed")
        write_logs(event.wa_id, handled.effects, shop_id)
        return handled

    async def _in_unit(self, u: UnitOfWork, engine: EngineLike, shop_id: str, event: Event,
                       key: str | None) -> Handled:
        if key is not None and await u.handled(key):
            return Handled("duplicate")
        verdict = await self._precheck(u, event)
        if verdict is not None:
            return Handled(verdict, [_refusal(verdict, event)])
        state, before = await _load(u, event.wa_id)
        self.faults.reach("loaded")
        outcome = engine.handle(state, event)
        self.faults.reach("decided")
        if not await self._within_tier(u, shop_id, state, event, outcome):
            return Handled("left_out", [Log("warning", "tier_cap", _left_out(event))])
        await sessions.track(u, event, outcome.effects)
        if isinstance(event, Inbound):
            await u.conversations.append_message(inbound_record(event))
            if self.mark_read and event.id and event.kind != "system":
                await u.enqueue(MarkRead(event.wa_id, event.id), at=event.at)
        await write_outcome(u, outcome.state, outcome.effects, event.at)
        await write_profile(u, outcome.state.customer, before)
        return Handled("handled", outcome.effects)

    async def _precheck(self, u: UnitOfWork, event: Event) -> Verdict | None:
        """Events that must match something stored: a request's answer, a timer."""
        if isinstance(event, _ANSWERS):
            return None if await u.complete(event.request_id) else "unknown_request"
        if isinstance(event, TimerFired):
            timer = await u.timers.get(event.wa_id, event.timer_id)
            if timer is None or timer.at != event.at:
                return "stale_timer"
            await u.timers.cancel(event.wa_id, event.timer_id)
        return None

    async def _within_tier(self, u: UnitOfWork, shop_id: str, before: ConversationState,
                           event: Event, outcome: Outcome) -> bool:
        """Record a business-initiated reach; False when the tier leaves the customer out."""
        if not isinstance(event, _BUSINESS_INITIATED):
            return True
        if _window_open(before, event.at) or not any(
                isinstance(e, SENDS) for e in outcome.effects):
            return True
        cap = self.tiers.get(shop_id, UNLIMITED)
        if cap != UNLIMITED:
            reached, count = await u.reach(event.at - WINDOW, event.at)
            if not reached and count >= cap:
                await u.left_out(getattr(event, "flow", type(event).__name__), event.at)
                return False
        await u.reached(event.at)
        return True

    async def status(self, shop_id: str, event: StatusUpdate) -> StatusChange:
        """A delivery status from WhatsApp (`message_id` is WhatsApp's id).

        It moves the message's state forward without loading the conversation; only a
        `failed` one that changed something reaches the engine, with the message's
        fallback template.
        """
        if shop_id not in self.engines:
            write_log(event.wa_id, Log("warning", "unknown_shop",
                                       f"status for shop {shop_id!r}, which is not loaded"))
            return StatusChange(None, False)
        shop = self.store.shop(shop_id)
        change = await shop.conversations.status(event.message_id, event.status, event.at,
                                                 event.error)
        message = change.message
        if message is None:
            write_log(event.wa_id, Log("info", "unknown_message",
                                       f"status {event.status} for unknown message "
                                       f"{event.message_id}"), shop_id)
        elif change.changed and event.status == "failed":
            await self.failed(shop_id, message, event.error or "", event.at)
        return change

    async def failed(self, shop_id: str, message: MessageRecord, error: str,
                     at: datetime) -> Handled:
        """Our message failed for good: tell the engine, with its fallback template."""
        return await self.handle(shop_id, StatusUpdate(
            message.wa_id, at, message.message_id, "failed", error, message.fallback))


async def _load(u: UnitOfWork, wa_id: str) -> tuple[ConversationState, Customer | None]:
    """The conversation (new if none) with the stored customer, and that customer."""
    state = await u.conversations.load(wa_id) or ConversationState.new(wa_id)
    customer = await u.customers.get(wa_id)
    if customer is not None:
        state.customer = customer
    return state, None if customer is None else customer.clone()


def _window_open(state: ConversationState, at: datetime) -> bool:
    last = state.last_inbound_at
    return last is not None and at - last < WINDOW


def _refusal(verdict: Verdict, event: Event) -> Log:
    if verdict == "unknown_request":
        request = getattr(event, "request_id", "")
        return Log("warning", "unknown_request",
                   f"an answer to request {request}, which this conversation is not "
                   "waiting for (answered already, or never made): ignored")
    return Log("info", "stale_timer", f"timer {getattr(event, 'timer_id', '')} was "
               "cancelled or moved before it fired: ignored")


def _left_out(event: Event) -> str:
    return (f"{type(event).__name__} for {event.wa_id} not sent: the messaging tier's "
            "cap of customers reached in 24 h is used up")
