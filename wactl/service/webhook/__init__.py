"""WhatsApp's webhook, as pure functions: is a request genuine, and what does its body say.

The aiohttp handler (the service app) calls `verify_handshake` on the GET,
`verify_signature` on every POST before anything is stored, and `parse_webhook` on
every stored body; none of them does I/O or raises.
"""

from wactl.service.webhook.parse import Change, Malformed, Note, Parsed, parse_webhook
from wactl.service.webhook.signature import (
    HEADER,
    Refused,
    Verified,
    sign,
    verify_handshake,
    verify_signature,
)

__all__ = ["HEADER", "Change", "Malformed", "Note", "Parsed", "Refused", "Verified",
           "parse_webhook", "sign", "verify_handshake", "verify_signature"]
