"""A delivery status that reached the engine: only `failed` does, with WhatsApp's code.

A free-form message WhatsApp refused for being outside the 24h window (131047) is
replaced by its step's fallback template, once: the template carries no fallback of
its own, so its failure ends there.
"""

from __future__ import annotations

from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import StatusUpdate

OUTSIDE_WINDOW = "131047"
"""WhatsApp's error code for a free-form message more than 24 hours after the customer's."""


def on_status(t: Turn, event: StatusUpdate) -> None:
    if event.status != "failed":
        return
    t.log("warning", "delivery_failed",
          f"message {event.message_id} was not delivered: {event.error or 'no reason'}")
    if event.error == OUTSIDE_WINDOW and event.fallback is not None:
        t.emit(event.fallback)
        t.log("info", "fallback_sent",
              f"sent template {event.fallback.name} instead of message {event.message_id}")
