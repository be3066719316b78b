"""Conversations (sessions) and their messages, read for the management API in pages.

Lists are keyset pages: conversations newest activity first by (last_message_at,
wa_id, number); a conversation's messages newest first by the log's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from wactl.service.postgres.text import dec, dec_opt, enc, enc_opt

_SESSION = ("wa_id, number, status, opened_at, last_message_at, last_inbound_at, closed_at, "
            "closed_by, assigned_to, tags")


@dataclass(frozen=True, slots=True)
class SessionRow:
    wa_id: str
    number: int
    status: str
    opened_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    assigned_to: str | None
    tags: list[str]


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    direction: str
    kind: str
    body: str
    at: datetime
    status: str
    error: str | None


def _session(r: asyncpg.Record) -> SessionRow:
    return SessionRow(dec(r["wa_id"]), r["number"], r["status"], r["opened_at"],
                      r["last_message_at"], r["last_inbound_at"], r["closed_at"],
                      dec_opt(r["closed_by"]), dec_opt(r["assigned_to"]),
                      [dec(t) for t in r["tags"]])


SessionKey = tuple[datetime, str, int]
"""A conversation's place in the list: (last_message_at, wa_id, number)."""


class ConversationsRead:
    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, shop_id

    async def page(self, status: str | None, assigned_to: str | None, *,
                   after: SessionKey | None, limit: int) -> list[SessionRow]:
        at, wa_id, number = after or (None, None, None)
        rows = await self.pool.fetch(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1"
            " AND ($2::text IS NULL OR status = $2)"
            " AND ($3::text IS NULL OR assigned_to = $3)"
            " AND ($4::timestamptz IS NULL OR (last_message_at, wa_id, number) < ($4, $5, $6))"
            " ORDER BY last_message_at DESC, wa_id DESC, number DESC LIMIT $7",
            self.shop, status, enc_opt(assigned_to), at, enc_opt(wa_id), number, limit)
        return [_session(r) for r in rows]

    async def history(self, wa_id: str, *, limit: int = 200) -> list[SessionRow]:
        rows = await self.pool.fetch(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND wa_id = $2"
            " ORDER BY number DESC LIMIT $3", self.shop, enc(wa_id), limit)
        return [_session(r) for r in rows]

    async def one(self, wa_id: str, number: int) -> SessionRow | None:
        r = await self.pool.fetchrow(
            f"SELECT {_SESSION} FROM sessions WHERE shop_id = $1 AND wa_id = $2 AND number = $3",
            self.shop, enc(wa_id), number)
        return None if r is None else _session(r)

    async def messages(self, wa_id: str, number: int, *, before: int | None,
                       limit: int) -> list[MessageRow]:
        rows = await self.pool.fetch(
            "SELECT id, direction, kind, body, at, status, error FROM messages"
            " WHERE shop_id = $1 AND wa_id = $2 AND conversation = $3"
            " AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
            self.shop, enc(wa_id), number, before, limit)
        return [MessageRow(r["id"], r["direction"], r["kind"], dec(r["body"]), r["at"],
                           r["status"], dec_opt(r["error"])) for r in rows]
