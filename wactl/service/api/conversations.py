"""`/api/conversations`: the shop's conversations, read and worked by its people.

Changes go through the runtime's unit of work for the conversation (the same
transaction and lock a webhook's event takes), so a person's action and the bot's never
interleave: assign, close, hand back to the bot, send.  A text goes out only inside the
24 h window; outside it, only a template (409 `window_closed` otherwise).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from wactl.runtime.driver.sessions import close as close_session
from wactl.runtime.driver.writes import write_effect
from wactl.runtime.effects import SendTemplate, SendText
from wactl.runtime.sessions import WINDOW
from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    Assign,
    ConversationList,
    ConversationOut,
    ConversationPage,
    ConversationQuery,
    ConversationWithMessages,
    HandedBack,
    MessageOut,
    OutgoingMessage,
    PageQuery,
    Queued,
)
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.conversations_read import ConversationsRead, SessionRow

_NONE = ApiError(404, "not_found", "no such conversation")


def _out(s: SessionRow) -> ConversationOut:
    return ConversationOut.model_validate(s, from_attributes=True)


def _read(call: Call) -> ConversationsRead:
    return ConversationsRead(context(call.request).pool, call.shop)


async def list_conversations(call: Call) -> ConversationPage:
    q: ConversationQuery = call.query
    ctx, scope = context(call.request), f"conversations:{call.shop}:{q.status}:{q.assigned_to}"
    position = ctx.cursors.position(scope, q.cursor, (str, str, int))
    after = None if position is None else (
        datetime.fromisoformat(str(position[0])), str(position[1]), int(str(position[2])))
    rows = await _read(call).page(q.status, q.assigned_to, after=after, limit=q.limit + 1)
    more, rows = len(rows) > q.limit, rows[:q.limit]
    last = rows[-1] if rows else None
    cursor = ctx.cursors.encode(scope, [last.last_message_at.isoformat(), last.wa_id,
                                        last.number]) if more and last else None
    return ConversationPage(items=[_out(r) for r in rows], next=cursor)


async def customer_history(call: Call) -> ConversationList:
    return ConversationList(items=[_out(s) for s in await _read(call).history(
        call.path["wa_id"])])


def _number(call: Call) -> int:
    text = call.path["number"]
    if not text.isdigit() or len(text) > 9:
        raise _NONE
    return int(text)


async def get_conversation(call: Call) -> ConversationWithMessages:
    q: PageQuery = call.query
    ctx, wa_id, number = context(call.request), call.path["wa_id"], _number(call)
    found = await _read(call).one(wa_id, number)
    if found is None:
        raise _NONE
    scope = f"messages:{call.shop}:{wa_id}:{number}"
    position = ctx.cursors.position(scope, q.cursor, (int,))
    before = None if position is None else int(str(position[0]))
    rows = await _read(call).messages(wa_id, number, before=before, limit=q.limit + 1)
    more, rows = len(rows) > q.limit, rows[:q.limit]
    cursor = ctx.cursors.encode(scope, [rows[-1].id]) if more and rows else None
    return ConversationWithMessages(
        conversation=_out(found), next=cursor,
        messages=[MessageOut.model_validate(m, from_attributes=True) for m in rows])


async def _current(call: Call) -> ConversationOut:
    history = await _read(call).history(call.path["wa_id"], limit=1)
    if not history:
        raise _NONE
    return _out(history[0])


async def assign(call: Call) -> ConversationOut:
    b: Assign = call.body
    store, wa_id = context(call.request).store, call.path["wa_id"]
    async with store.shop(call.shop).unit(wa_id) as u:
        current = await u.sessions.current(wa_id)
        if current is None or current.status != "active":
            raise ApiError(409, "not_active", "the customer has no active conversation")
        await u.sessions.save(replace(current, assigned_to=b.to))
    return await _current(call)


async def close(call: Call) -> ConversationOut:
    done = await close_session(context(call.request).store, call.shop, call.path["wa_id"],
                               datetime.now(UTC), by="api")
    if done is None:
        raise ApiError(409, "not_active", "the customer has no active conversation")
    return await _current(call)


async def hand_back(call: Call) -> HandedBack:
    """The bot answers again: a person's handoff is over."""
    store, wa_id = context(call.request).store, call.path["wa_id"]
    async with store.shop(call.shop).unit(wa_id) as u:
        state = await u.conversations.load(wa_id)
        if state is None:
            raise _NONE
        state.handed_off, state.team, state.needs_human = False, None, False
        await u.conversations.save(state)
    return HandedBack(wa_id=wa_id, handed_off=False)


async def send(call: Call) -> Queued:
    b: OutgoingMessage = call.body
    store, wa_id, now = context(call.request).store, call.path["wa_id"], datetime.now(UTC)
    async with store.shop(call.shop).unit(wa_id) as u:
        if await u.customers.get(wa_id) is None:
            raise ApiError(404, "not_found", "no such customer")
        if b.template is not None:
            t = b.template
            effect: SendText | SendTemplate = SendTemplate(wa_id, t.name, t.language,
                                                           tuple(t.params))
        else:
            state = await u.conversations.load(wa_id)
            last = None if state is None else state.last_inbound_at
            if last is None or now - last >= WINDOW:
                raise ApiError(409, "window_closed", "the customer has not written in the last "
                               "24 hours: only a template may be sent")
            assert b.text is not None  # the model holds exactly one
            effect = SendText(wa_id, b.text)
        message_id = await write_effect(u, effect, now)
    assert message_id is not None  # a send is always logged
    return Queued(message_id=message_id)


_ONE = "/conversations/{wa_id}"
ENDPOINTS = [
    Endpoint("GET", "/conversations", list_conversations,
             "List conversations (active ones by default), newest activity first",
             ConversationPage, query=ConversationQuery),
    Endpoint("GET", "/customers/{wa_id}/conversations", customer_history,
             "A customer's conversations, newest first", ConversationList),
    Endpoint("GET", _ONE + "/{number}", get_conversation, "A conversation with its messages",
             ConversationWithMessages, query=PageQuery, errors=(404,)),
    Endpoint("POST", _ONE + "/assign", assign, "Assign the active conversation to a person",
             ConversationOut, body=Assign, errors=(409,)),
    Endpoint("POST", _ONE + "/close", close, "Close the active conversation", ConversationOut,
             errors=(409,)),
    Endpoint("POST", _ONE + "/handback", hand_back, "Hand the conversation back to the bot",
             HandedBack, errors=(404,)),
    Endpoint("POST", _ONE + "/messages", send, "Send a message (text in the 24 h window, "
             "else a template)", Queued, body=OutgoingMessage, status=202, errors=(404, 409)),
]
