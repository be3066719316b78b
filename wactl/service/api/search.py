"""`/api/messages/search`: full-text search over the shop's messages (accents folded)."""

from __future__ import annotations

from datetime import datetime

from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import SearchHit, SearchPage, SearchQuery
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.search import SearchError, search_messages


async def search(call: Call) -> SearchPage:
    q: SearchQuery = call.query
    ctx, scope = context(call.request), f"search:{call.shop}:{q.q}"
    position = ctx.cursors.position(scope, q.cursor, (str, int))
    before = None if position is None else (datetime.fromisoformat(str(position[0])),
                                            int(position[1]))
    hits = await search_messages(ctx.pool, call.shop, q.q, limit=q.limit + 1, before=before)
    if isinstance(hits, SearchError):
        raise ApiError(422, hits.code, hits.message)
    more, hits = len(hits) > q.limit, hits[:q.limit]
    cursor = ctx.cursors.encode(scope, [hits[-1].at.isoformat(), hits[-1].id]) \
        if more and hits else None
    return SearchPage(items=[SearchHit.model_validate(h, from_attributes=True) for h in hits],
                      next=cursor)


ENDPOINTS = [Endpoint("GET", "/messages/search", search, "Search the shop's messages",
                      SearchPage, query=SearchQuery)]
