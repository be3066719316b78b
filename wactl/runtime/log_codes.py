"""The runtime's log codes: one table, as the compiler's diagnostic codes are one table.

Every `Log` effect the engine or the driver makes carries one of these codes, so an
operator can search logs, count them and alert on them by a stable name; the message
beside it says what happened in that case.  The level is chosen where the log is made
(`busy` is `info` for a schedule skipped and `warning` for a customer's message kept
aside).  `tests/unit/runtime/test_log_codes.py` checks that every code used in
`wactl/runtime` is here, that every code here is used, and that docs/log-codes.md
lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LOG_CODES: Mapping[str, str] = MappingProxyType({
    # the engine's guards
    "internal": "a bug in the engine: the event was dropped and the state kept as it was",
    "step_limit": "one event took more steps than the per-event limit; the run ended",
    "max_visits": "a step was entered more often than its `max_visits`; the run ended",
    "run_expired": "a run older than the maximum run age ended when its next event came",
    # flows and versions
    "run_started": "a flow started (trigger, event, schedule or test)",
    "unknown_flow": "a `run`, `link` or start named a flow the program does not have",
    "version_missing": "a run is pinned to a flow version that is not loaded",
    "expression_error": "an expression or template failed at run time (missing value, bad "
                        "type, a text rendered over WhatsApp's 4,096 characters: "
                        "`text_too_long`)",
    "window_closed": "a message could not be sent: the 24h window is closed and no template fits",
    "call_failed": "a `call` step's request got no usable answer and there was no error branch",
    # inbound messages and events
    "busy": "an event or message was kept aside: the conversation waits for something else",
    "ruled": "only rule flows acted on a message",
    "unanswered": "nothing automated took a message; the conversation is pending for a person",
    "unsupported_message": "a message of a kind the flows cannot take",
    "inbound_cut": "a message over the engine's size limits was cut to them (see docs/limits.md)",
    "reaction": "a reaction to a message, kept in the history only",
    "system_message": "WhatsApp's own notice about the customer (a new number): no flow takes it",
    "unknown_event": "an event of a type the engine does not know",
    "stale_timer": "a timer fired for a run that no longer waits for it",
    "stale_result": "an HTTP or AI answer came for a request nobody waits for",
    "delivery_failed": "WhatsApp reported that a message was not delivered",
    # the AI layer
    "ai_unavailable": "the AI layer could not answer (down, quota, nonsense)",
    "reply_blocked": "the safety layer blocked an AI reply; the conversation was handed off",
    # the driver and its ports
    "send_failed": "the WhatsApp channel failed to send a message",
    "http_client": "the HTTP client raised instead of answering (treated as no connection)",
    "ai_client": "the AI client raised instead of answering (treated as the model down)",
    "driver_rounds": "one event led to more dispatch rounds than the sandbox's limit",
    "driver_firings": "one `advance_to` fired more timers than the driver's limit",
    "unknown_shop": "an event or status for a shop whose program is not loaded",
    "unknown_request": "an HTTP or AI answer for a request not waiting in the outbox: ignored",
    "unknown_message": "a delivery status for a message id we never recorded: ignored",
    "tier_cap": "the messaging tier's cap of customers per 24 h left a customer out",
    "schedule_missed": "a schedule time missed by more than the catch-up window: skipped",
    "send_retry": "WhatsApp refused a send for now (rate limit, outage): tried again later",
    "fallback_sent": "a message failed outside the 24h window: its fallback template went instead",
    "read_receipt": "WhatsApp refused to mark a customer's message read: the tick is dropped",
})
