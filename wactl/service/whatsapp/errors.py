"""Graph API answers read as outcomes: retry now, retry later, or fail the message.

Meta says to branch on the error `code` (and `error_data.details`), never on titles
(../shared/reference/whatsapp-api-facts.md, section 5).  The outcomes:

- `RETRY_NOW`: 429, any 5xx and 130429 (per-number throughput): the client tries again
  at once, a bounded number of times, then hands a retryable `ChannelError` to the
  dispatcher, which tries later with its own back-off.
- `LATER`: limits that a second attempt within seconds cannot pass (131056 pair rate,
  4 and 80007 app/account rate limits): retryable, but not retried in the client.
- `FINAL`: everything else.  131047 (outside the 24 h window) fails the message so the
  engine sends the step's fallback template; 131026 (undeliverable) fails it for good;
  190 and other auth refusals fail it with a message naming the access token; an
  unknown code fails it with that code, so an operator can look it up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from wactl.runtime.ports import ChannelError


class Outcome(Enum):
    RETRY_NOW = "retry_now"
    LATER = "later"
    FINAL = "final"


RATE_LIMIT = "130429"
OUTSIDE_WINDOW = "131047"
UNDELIVERABLE = "131026"
LATER_CODES = frozenset({"131056", "4", "80007"})
AUTH_CODES = frozenset({"190", "102", "10", "200"})
"""Token expired/invalid (190), session (102), permission (10, 200)."""
AUTH_STATUSES = frozenset({401, 403})
MAX_TEXT = 300
"""How much of Meta's message and details an error keeps (they can be long)."""


@dataclass(frozen=True, slots=True)
class GraphError:
    """One refusal as Graph sent it: the HTTP status and the `error` object's fields."""

    status: int
    code: str
    subcode: str = ""
    message: str = ""
    details: str = ""

    @property
    def outcome(self) -> Outcome:
        if self.status == 429 or self.status >= 500 or self.code == RATE_LIMIT:
            return Outcome.RETRY_NOW
        if self.code in LATER_CODES:
            return Outcome.LATER
        return Outcome.FINAL

    def describe(self) -> str:
        """A line for logs and the failed message: code, subcode, what Meta said."""
        if self.code in AUTH_CODES or (self.status in AUTH_STATUSES and not self.code):
            lead = ("the WhatsApp access token was refused (expired, revoked or lacking "
                    "permission): check WACTL_ACCESS_TOKEN")
        elif self.code == OUTSIDE_WINDOW:
            lead = "outside the 24h customer service window: a template is needed"
        elif self.code == UNDELIVERABLE:
            lead = "undeliverable: the number is not on WhatsApp or cannot receive it"
        else:
            lead = f"Graph API error (HTTP {self.status})"
        sub = f", subcode {self.subcode}" if self.subcode else ""
        said = "; ".join(s for s in (self.message, self.details) if s)
        return f"{lead} [code {self.code or '-'}{sub}]" + (f": {said}" if said else "")

    def channel_error(self, redact: Redactor) -> ChannelError:
        code = self.code or f"http_{self.status}"
        return ChannelError(code, redact(self.describe()),
                            retryable=self.outcome is not Outcome.FINAL)


class Redactor:
    """Removes a secret (the access token) from any text before it leaves the client."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]") if self._secret else text


def parse_error(status: int, text: str) -> GraphError:
    """The refusal in a non-2xx answer; a body that is not Graph's envelope keeps only
    the status (a proxy's HTML page says nothing we could branch on)."""
    error = _error_object(text)
    if error is None:
        return GraphError(status, "")
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else data
    return GraphError(status, _code(error.get("code")), _code(error.get("error_subcode")),
                      _short(error.get("message")), _short(details))


def _error_object(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def _code(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value)[:20] if isinstance(value, int | str) else ""


def _short(value: Any) -> str:
    return str(value)[:MAX_TEXT] if isinstance(value, str | int) and value != "" else ""
