"""Dispatchers: carry out committed outbox entries, in order per conversation.

A dispatcher claims entries with a lease (`Store.claim_outbox`: per conversation only
its oldest entry, and only when none of that conversation's is in flight), carries
each out and records that it did:
- a send goes to the channel; WhatsApp's id is recorded against ours and the entry is
  done in one write.  A retryable refusal (rate limit, outage) is tried again later;
  another fails the message, and the engine hears of it (`StatusUpdate` failed).
- an HTTP or AI request is made and its answer handled as a new event of its
  conversation (`HttpResult`/`AiResult`), whose unit of work also ends the entry.
- a published event goes to the publisher, then the entry is done.
A process that dies mid-way leaves its entries leased; when the lease runs out
another dispatcher takes them again (docs/guarantees.md says what that means per kind).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from wactl.runtime.driver.conductor import Conductor, Handled
from wactl.runtime.driver.faults import NO_FAULTS, Faults
from wactl.runtime.driver.writes import SENDS, write_log
from wactl.runtime.effects import AiRequest, HttpRequest, Log, MarkRead, Publish
from wactl.runtime.events import AiResult, HttpResult
from wactl.runtime.ports import (
    AiClient,
    Channel,
    ChannelError,
    Clock,
    EventPublisher,
    HttpClient,
    ReadReceipts,
    Store,
)
from wactl.runtime.records import OutboxEntry

log = logging.getLogger("wactl.runtime")


@dataclass
class Outside:
    """The outside world a dispatcher talks to."""

    channel: Channel
    http: HttpClient
    ai: AiClient
    events: EventPublisher
    reads: ReadReceipts | None = None
    """Where `MarkRead` entries go (None: they are done without a call)."""


class ShopWays(Protocol):
    """A shop's own outside world, in a service that serves many shops at once."""

    async def outside(self, shop_id: str, wa_id: str) -> Outside:
        """The channel, HTTP client, AI and read receipts for `shop_id`'s entries of the
        conversation with `wa_id` (its channel: the number the customer writes to).
        Never raises: a shop that cannot send yet gets a channel whose sends are refused."""
        ...


class Dispatcher:
    """Carries out outbox entries for every shop; see the module docstring."""

    def __init__(self, store: Store, conductor: Conductor, outside: Outside | ShopWays,
                 clock: Clock, *,
                 owner: str = "dispatcher", lease: timedelta = timedelta(seconds=60),
                 max_attempts: int = 5, backoff: timedelta = timedelta(seconds=5),
                 faults: Faults = NO_FAULTS, parallel: int = 1) -> None:
        self.store, self.conductor, self.outside, self.clock = store, conductor, outside, clock
        self.owner, self.lease = owner, lease
        self.max_attempts, self.backoff = max_attempts, backoff
        self.faults = faults
        self.parallel = parallel
        """Entries carried out at once: a claim holds one entry per conversation, so the
        entries of a batch may go side by side without breaking any conversation's order
        (1: one after another, as tests and `wactl simulate` want)."""

    async def run_once(self, limit: int = 100) -> list[Handled]:
        """Claim a batch and carry it out; the events the answers made, in order."""
        return (await self.run_batch(limit))[1]

    async def run_batch(self, limit: int = 100) -> tuple[int, list[Handled]]:
        """Claim a batch and carry it out: how many entries it held, and the events the
        answers made, in order."""
        now = self.clock.now()
        entries = await self.store.claim_outbox(self.owner, now=now, lease=self.lease,
                                                limit=limit)
        if self.parallel <= 1:
            found = [await self.dispatch(entry) for entry in entries]
        else:
            gate = asyncio.Semaphore(self.parallel)

            async def gated(entry: OutboxEntry) -> Handled | None:
                async with gate:
                    return await self.dispatch(entry)

            found = list(await asyncio.gather(*(gated(entry) for entry in entries)))
        return len(entries), [handled for handled in found if handled is not None]

    async def _ways(self, entry: OutboxEntry) -> Outside:
        """The outside world of the entry (one for all, or its shop's own)."""
        if isinstance(self.outside, Outside):
            return self.outside
        return await self.outside.outside(entry.shop_id, entry.wa_id)

    async def dispatch(self, entry: OutboxEntry) -> Handled | None:
        self.faults.reach("claimed")
        effect = entry.effect
        if isinstance(effect, HttpRequest):
            return await self._answer(entry, await self._http(entry, effect))
        if isinstance(effect, AiRequest):
            return await self._answer(entry, await self._ai(entry, effect))
        if isinstance(effect, MarkRead):
            await self._mark_read(entry, effect)
            return None
        if isinstance(effect, Publish):
            await (await self._ways(entry)).events.publish(effect)
            self.faults.reach("carried_out")
            await self.store.done(entry.id)
            self.faults.reach("recorded")
            return None
        return await self._send(entry)

    async def _mark_read(self, entry: OutboxEntry, effect: MarkRead) -> None:
        """Blue ticks, tried once (the client retries outages itself): a refusal is
        logged and the entry ends, so a missing tick never holds the replies behind it."""
        try:
            reads = (await self._ways(entry)).reads
            if reads is not None:
                await reads.mark_read(effect.message_id)
        except ChannelError as err:
            write_log(entry.wa_id, Log("warning", "read_receipt",
                                       f"message {effect.message_id} not marked read: "
                                       f"{err.code}"), entry.shop_id)
        self.faults.reach("carried_out")
        await self.store.done(entry.id)
        self.faults.reach("recorded")

    async def _send(self, entry: OutboxEntry) -> Handled | None:
        assert isinstance(entry.effect, SENDS)
        try:
            channel = (await self._ways(entry)).channel
            wa_message_id = await channel.send(entry.effect)
        except ChannelError as err:
            return await self._refused(entry, err.code, str(err), err.retryable)
        except Exception as exc:  # an adapter bug or an outage: try again later
            return await self._refused(entry, "channel", f"{type(exc).__name__}: {exc}", True)
        self.faults.reach("carried_out")  # see docs/guarantees.md, "The one window"
        await self.store.sent(entry.id, wa_message_id)
        self.faults.reach("recorded")
        log.info("sent %s", entry.message_id, extra={  # no body: customers' words stay out
            "code": "sent", "shop": entry.shop_id, "wa_id": entry.wa_id,
            "message_id": entry.message_id, "wa_message_id": wa_message_id})
        return None

    async def _refused(self, entry: OutboxEntry, code: str, message: str,
                       retryable: bool) -> Handled | None:
        if retryable and entry.attempts + 1 < self.max_attempts:
            wait = self.backoff * (2 ** entry.attempts)
            write_log(entry.wa_id, Log("warning", "send_retry",
                                       f"send {entry.message_id} refused ({message}); "
                                       f"trying again in {wait}"), entry.shop_id)
            await self.store.retry(entry.id, not_before=self.clock.now() + wait)
            return None
        write_log(entry.wa_id, Log("error", "send_failed",
                                   f"send {entry.message_id} failed: {message}"), entry.shop_id)
        shop = self.store.shop(entry.shop_id)
        change = await shop.conversations.fail(entry.message_id, code)
        handled = None
        if change.message is not None and change.changed:
            handled = await self.conductor.failed(entry.shop_id, change.message, code,
                                                  self._at(entry))
        await self.store.done(entry.id)
        return handled

    async def _http(self, entry: OutboxEntry, request: HttpRequest) -> HttpResult:
        try:
            result = await (await self._ways(entry)).http.request(request)
        except Exception as exc:  # the port promised not to raise: treat it as no answer
            write_log(entry.wa_id, Log("error", "http_client", f"{type(exc).__name__}: {exc}"),
                      entry.shop_id)
            result = HttpResult(entry.wa_id, entry.created_at, request.request_id,
                                error="connection")
        return replace(result, wa_id=entry.wa_id, at=self._at(entry),
                       request_id=request.request_id)

    async def _ai(self, entry: OutboxEntry, request: AiRequest) -> AiResult:
        try:
            result = await (await self._ways(entry)).ai.ask(request)
        except Exception as exc:  # the port promised not to raise: treat the model as down
            write_log(entry.wa_id, Log("error", "ai_client", f"{type(exc).__name__}: {exc}"),
                      entry.shop_id)
            result = AiResult(entry.wa_id, entry.created_at, request.request_id, error="down")
        return replace(result, wa_id=entry.wa_id, at=self._at(entry),
                       request_id=request.request_id)

    async def _answer(self, entry: OutboxEntry, answer: HttpResult | AiResult) -> Handled:
        self.faults.reach("carried_out")
        handled = await self.conductor.handle(entry.shop_id, answer)
        self.faults.reach("recorded")
        return handled

    def _at(self, entry: OutboxEntry) -> datetime:
        """The time of an answer: now, but never before the request was made."""
        return max(self.clock.now(), entry.created_at)
