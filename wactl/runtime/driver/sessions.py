"""Sessions kept in step with the message log, and the jobs that end them.

`track` runs inside each event's unit of work, before the event's messages are logged
(the store stamps each message with the customer's current session): an inbound
message keeps the session Active or opens the next one; a send does the same for the
business side.  `expire` and `close` end sessions, each in the conversation's unit of
work, with a `ConversationClosed` event put into the outbox in the same commit; the
unit re-checks what it reads, so two replicas running the expiry job at once close a
session once and publish one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from wactl.runtime.driver.writes import SENDS
from wactl.runtime.effects import Effect, Publish
from wactl.runtime.events import Event, Inbound
from wactl.runtime.ports import Store, UnitOfWork
from wactl.runtime.sessions import WINDOW, Session, closed, expired, is_stale, on_message

CLOSED_EVENT = "ConversationClosed"


async def track(u: UnitOfWork, event: Event, effects: Sequence[Effect]) -> None:
    """Apply the session rules to the messages this event logs (inbound, then sends):
    one read and one write per session touched, however many messages the event logs
    (an inbound message with its replies: two statements, not four)."""
    directions: list[Literal["in", "out"]] = []
    if isinstance(event, Inbound):
        directions.append("in")
    if any(isinstance(e, SENDS) for e in effects):
        directions.append("out")
    if not directions:
        return
    current = await u.sessions.current(event.wa_id)
    touched: dict[int, Session] = {}
    for direction in directions:
        for session in on_message(current, event.wa_id, direction, event.at):
            touched[session.number] = current = session
    for session in touched.values():
        await u.sessions.save(session)
        if session.status == "expired":
            await u.enqueue(closed_event(session), at=event.at)


def closed_event(session: Session) -> Publish:
    """The integration event for a session that ended."""
    return Publish(CLOSED_EVENT, {
        "conversation_id": session.id, "wa_id": session.wa_id, "number": session.number,
        "reason": session.status, "closed_by": session.closed_by,
        "opened_at": session.opened_at.isoformat(),
        "closed_at": None if session.closed_at is None else session.closed_at.isoformat(),
        "assigned_to": session.assigned_to, "tags": list(session.tags)})


async def expire(store: Store, shop_id: str, now: datetime, *, window: timedelta = WINDOW,
                 limit: int = 100) -> list[Session]:
    """End the shop's sessions whose window ran out by `now` (at most `limit`)."""
    shop = store.shop(shop_id)
    ended: list[Session] = []
    for candidate in await shop.sessions.stale(now - window, limit=limit):
        async with shop.unit(candidate.wa_id) as u:
            current = await u.sessions.current(candidate.wa_id)
            if current is None or current.number != candidate.number \
                    or not is_stale(current, now, window):
                continue  # answered, closed or expired meanwhile (another replica)
            done = expired(current, window)
            await u.sessions.save(done)
            await u.enqueue(closed_event(done), at=now)
        ended.append(done)
    return ended


async def close(store: Store, shop_id: str, wa_id: str, at: datetime, *,
                by: str) -> Session | None:
    """Close the customer's Active session (a person or the API did); None if none is."""
    async with store.shop(shop_id).unit(wa_id) as u:
        current = await u.sessions.current(wa_id)
        if current is None or current.status != "active":
            return None
        done = closed(current, at, by)
        await u.sessions.save(done)
        await u.enqueue(closed_event(done), at=at)
    return done
