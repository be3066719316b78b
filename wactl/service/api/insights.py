"""`/api/runs` and `/api/analytics`: a run's trace, runs in progress, message volume and
per-flow funnels (how many runs reached each step, by stable step id and version)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    Funnel,
    FunnelQuery,
    FunnelStep,
    RunOut,
    RunPage,
    RunQuery,
    RunTrace,
    StepOut,
    Volume,
    VolumeOut,
    VolumeQuery,
)
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.insights import Insights


def _insights(call: Call) -> Insights:
    return Insights(context(call.request).pool, call.shop)


async def trace(call: Call) -> RunTrace:
    wa_id, run_id = call.path["wa_id"], call.path["run_id"]
    steps = await _insights(call).trace(wa_id, run_id)
    if not steps:
        raise ApiError(404, "not_found", "no such run")
    return RunTrace(run_id=run_id, wa_id=wa_id,
                    steps=[StepOut.model_validate(s, from_attributes=True) for s in steps])


async def in_progress(call: Call) -> RunPage:
    q: RunQuery = call.query
    ctx, scope = context(call.request), f"runs:{call.shop}:{q.flow}"
    position = ctx.cursors.position(scope, q.cursor, (str,))
    after = None if position is None else str(position[0])
    rows = await _insights(call).in_progress(q.flow, after=after, limit=q.limit + 1)
    more, rows = len(rows) > q.limit, rows[:q.limit]
    cursor = ctx.cursors.encode(scope, [rows[-1].wa_id]) if more and rows else None
    return RunPage(items=[RunOut.model_validate(r, from_attributes=True) for r in rows],
                   next=cursor)


async def volume(call: Call) -> Volume:
    q: VolumeQuery = call.query
    since = datetime.now(UTC) - timedelta(days=q.days)
    return Volume(items=[VolumeOut.model_validate(v, from_attributes=True)
                         for v in await _insights(call).volume(since)])


async def funnel(call: Call) -> Funnel:
    q: FunnelQuery = call.query
    rows = await _insights(call).funnel(call.path["flow"], q.version)
    return Funnel(flow=call.path["flow"],
                  steps=[FunnelStep.model_validate(r, from_attributes=True) for r in rows])


ENDPOINTS = [
    Endpoint("GET", "/runs", in_progress, "Runs in progress (by flow)", RunPage, query=RunQuery),
    Endpoint("GET", "/customers/{wa_id}/runs/{run_id}", trace, "A run's trace", RunTrace),
    Endpoint("GET", "/analytics/messages", volume, "Messages per day and direction", Volume,
             query=VolumeQuery),
    Endpoint("GET", "/analytics/funnels/{flow}", funnel, "Runs that reached each step",
             Funnel, query=FunnelQuery),
]
