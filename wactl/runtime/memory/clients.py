"""The in-memory outside world: a WhatsApp channel, a publisher, offline HTTP/AI clients, clocks.

They record what reached them, so tests and `wactl simulate` can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from wactl.runtime.effects import AiRequest, HttpRequest, Publish, SendEffect
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.ports import UNSET_AT, ChannelError, http_result


class InMemoryChannel:
    """Keeps what was sent, per wa_id in order, with ids `wamid.1`, `wamid.2`, ...

    `refuse` stands for WhatsApp saying no: given a message, it returns the
    `ChannelError` to raise, or None to accept it.
    """

    def __init__(self, refuse: Callable[[SendEffect], ChannelError | None] | None = None
                 ) -> None:
        self.outbox: list[tuple[str, SendEffect]] = []
        self.refuse = refuse
        self._count = 0

    async def send(self, message: SendEffect) -> str:
        error = None if self.refuse is None else self.refuse(message)
        if error is not None:
            raise error
        self._count += 1
        message_id = f"wamid.{self._count}"
        self.outbox.append((message_id, message))
        return message_id

    def sent(self, wa_id: str) -> list[SendEffect]:
        return [m for _, m in self.outbox if m.to == wa_id]


class InMemoryEventPublisher:
    def __init__(self) -> None:
        self.published: list[Publish] = []

    async def publish(self, event: Publish) -> None:
        self.published.append(event)

    def named(self, name: str) -> list[Publish]:
        return [e for e in self.published if e.name == name]


@dataclass
class UnavailableHttpClient:
    """Answers every request with a connection error: no network in a plain simulate."""

    requests: list[HttpRequest] = field(default_factory=list)

    async def request(self, request: HttpRequest) -> HttpResult:
        self.requests.append(request)
        return http_result(request, error="connection")


@dataclass
class UnavailableAiClient:
    """Answers every AI request with `no_key`: no model configured."""

    requests: list[AiRequest] = field(default_factory=list)

    async def ask(self, request: AiRequest) -> AiResult:
        self.requests.append(request)
        return AiResult(request.wa_id, UNSET_AT, request.request_id, error="no_key")


class ManualClock:
    """A clock that only moves when told: tests and `wactl simulate` control time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 1, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware time")

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Move to `when`; the clock never goes back (an earlier time is ignored)."""
        self._now = max(self._now, when)

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
