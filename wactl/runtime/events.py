"""What happens to a conversation, as data: the engine's input.

Every event carries `at`, the time it happened (timezone-aware UTC); the engine has
no clock of its own, so a test or `wactl simulate` controls time by the events it
feeds.  Events are frozen slotted dataclasses: cheap to build on the hot path (the
engine handles tens of thousands per second) and safe to share.

An inbound WhatsApp message of any kind becomes one `Inbound`; the service's webhook
parser and the simulator both build it, so the engine sees one shape whatever
WhatsApp sent.  A kind the engine does not know is kept (`kind="unknown"`, with the
type WhatsApp gave in `raw_type`) so it can be answered with a defined outcome
instead of being dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from wactl.runtime.effects import SendTemplate

MessageKind = Literal[
    "text", "button", "list", "image", "audio", "video", "document", "sticker",
    "location", "contacts", "reaction", "order", "flow_reply", "system", "unknown",
]
"""`button` covers interactive button replies and template quick-reply buttons; `order` a
cart sent from a catalog; `flow_reply` a submitted WhatsApp Flow; `system` WhatsApp's own
notice (the customer changed number)."""

MEDIA_KINDS: frozenset[str] = frozenset({"image", "audio", "video", "document", "sticker"})


@dataclass(frozen=True, slots=True)
class Media:
    """A media attachment: WhatsApp's media id, or a link (tests, simulate)."""

    id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool = False
    """An audio recorded as a voice note (WhatsApp's `audio.voice`), not a sent file."""


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_retailer_id: str
    quantity: int = 1
    item_price: float | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """A cart the customer sent from the shop's catalog."""

    catalog_id: str | None = None
    text: str = ""
    items: tuple[OrderItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Referral:
    """The click-to-WhatsApp ad (or post) the customer came from."""

    source_type: str | None = None
    source_id: str | None = None
    source_url: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


@dataclass(frozen=True, slots=True)
class FlowReply:
    """A submitted WhatsApp Flow: its answers (`response_json`, decoded) and name."""

    name: str | None = None
    body: str = ""
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SystemNotice:
    """WhatsApp's own notice about the customer, e.g. `user_changed_number`."""

    type: str | None = None
    body: str = ""
    new_wa_id: str | None = None
    new_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class WaError:
    """An error WhatsApp attached to a webhook item (an unsupported message, a failed send)."""

    code: str
    title: str | None = None
    details: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """A customer's message.

    `text` is what a person would read as the message's text: the body of a text
    message, the title of a tapped button or list row, a media caption, the emoji of
    a reaction.  `button_id`/`list_id` are the ids of what was tapped (for a template
    quick reply WhatsApp gives only the payload, which is also the id).
    """

    wa_id: str
    at: datetime
    kind: MessageKind = "text"
    id: str = ""
    text: str = ""
    button_id: str | None = None
    list_id: str | None = None
    media: Media | None = None
    location: Location | None = None
    contacts: tuple[dict[str, Any], ...] = ()
    reaction_to: str | None = None
    raw_type: str | None = None
    name: str | None = None
    """The customer's WhatsApp profile name, when the webhook carried it."""
    user_id: str | None = None
    """WhatsApp's business-scoped user id (BSUID, `US.1349...`), when the webhook carried it;
    `wa_id` is the phone number when known, else this id."""
    username: str | None = None
    reply_to: str | None = None
    """The id of the message this one replies to (`context.id`), e.g. a tapped button's."""
    referral: Referral | None = None
    order: Order | None = None
    flow_reply: FlowReply | None = None
    system: SystemNotice | None = None
    errors: tuple[WaError, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery status of a message we sent: sent, delivered, read or failed."""

    wa_id: str
    at: datetime
    message_id: str
    status: Literal["sent", "delivered", "read", "failed"]
    error: str | None = None
    """WhatsApp's error code of a failed message (`131047`: outside the 24h window)."""
    fallback: SendTemplate | None = None
    """The failed message's fallback template, which the engine sends instead, once."""
    user_id: str | None = None
    """The recipient's business-scoped user id (BSUID), when the webhook carried it."""


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A durable timer the engine asked for (a `wait`, an `ask` timeout) came due."""

    wa_id: str
    at: datetime
    timer_id: str


@dataclass(frozen=True, slots=True)
class ScheduleTick:
    """A `schedule` trigger's cron came due for this customer (the audience is checked here)."""

    wa_id: str
    at: datetime
    flow: str


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    """A business event about the customer (`customer.tagged`, `order.shipped`, ...)."""

    wa_id: str
    at: datetime
    name: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StartFlow:
    """Start a flow at once, without a trigger (tests with `flow:`, the management API)."""

    wa_id: str
    at: datetime
    flow: str
    vars: dict[str, Any] = field(default_factory=dict)
    message: Inbound | None = None
    """The customer's message the flow starts on, read as `message` as if its trigger had
    matched (a conversation test whose first turn is the customer's)."""


@dataclass(frozen=True, slots=True)
class HttpResult:
    """The answer to an `HttpRequest` effect: a status and body, or an error."""

    wa_id: str
    at: datetime
    request_id: str
    status: int = 0
    body: str = ""
    content_type: str = ""
    error: str | None = None
    """`timeout`, `connection`, `refused` (by the egress policy) ...: no HTTP answer at all."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one AI call used, and what they cost (computed by the AI layer)."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class AiResult:
    """The answer to an `AiRequest` effect.

    For `reply`: `text`, or `handoff=True` when the model asked for a person.  For
    `intent`: `intent` and `confidence` (None when nothing matched) and `values` (the
    flow's declared vars the message mentions).  For `extract`: `values`.  `error` is
    set (and the rest empty) when the model could not be used: `down`, `timeout`,
    `quota`, `invalid`, `no_key`.
    """

    wa_id: str
    at: datetime
    request_id: str
    text: str | None = None
    intent: str | None = None
    confidence: float | None = None
    values: dict[str, Any] = field(default_factory=dict)
    handoff: bool = False
    usage: Usage | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HandbackToBot:
    """A person finished with a handed-off conversation: automation may answer again."""

    wa_id: str
    at: datetime


Event = (Inbound | StatusUpdate | TimerFired | ScheduleTick | CustomerEvent | StartFlow
         | HttpResult | AiResult | HandbackToBot)
