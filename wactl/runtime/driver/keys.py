"""Idempotency keys: what makes two deliveries of an event the same event.

WhatsApp delivers every webhook at least once, timers and requests may be carried out
again after a crash, and two replicas may tick one schedule: the unit of work records
the key of each event it commits and does nothing for a key it has seen.  Keys are
kept per shop, so each names its conversation.
"""

from __future__ import annotations

from wactl.runtime.events import (
    AiResult,
    Event,
    HttpResult,
    Inbound,
    ScheduleTick,
    StartFlow,
    StatusUpdate,
    TimerFired,
)

_ANSWERS = (HttpResult, AiResult)


def event_key(event: Event) -> str | None:
    """The key of `event`, or None when only the caller can tell (StartFlow, ...)."""
    if isinstance(event, Inbound):
        return f"in:{event.wa_id}:{event.id}" if event.id else None
    if isinstance(event, TimerFired):
        return f"timer:{event.wa_id}:{event.timer_id}:{event.at.isoformat()}"
    if isinstance(event, _ANSWERS):
        return f"result:{event.wa_id}:{event.request_id}"
    if isinstance(event, ScheduleTick):
        return f"tick:{event.wa_id}:{event.flow}:{event.at.isoformat()}"
    if isinstance(event, StartFlow) and event.message is not None and event.message.id:
        return f"in:{event.wa_id}:{event.message.id}"
    if isinstance(event, StatusUpdate):
        return f"status:{event.wa_id}:{event.message_id}:{event.status}"
    return None
