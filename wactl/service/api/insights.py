"""`/api/runs` and `/api/analytics`: a run's trace, runs in progress, message volume,
per-flow funnels (how many runs reached each step, by stable step id and version, and
how the runs ended), sessions' first-response and resolution times, and the shop's AI
usage per day and agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    AiUsageDays,
    AiUsageOut,
    AiUsageQuery,
    Durations,
    FunnelEnd,
    FunnelOutcomeQuery,
    FunnelOutcomes,
    FunnelStep,
    FunnelVersion,
    ResponseDay,
    ResponseTimes,
    ResponseTimesQuery,
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
from wactl.service.postgres.insights import Durations as DurationRow
from wactl.service.postgres.insights import EndRow, Insights


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


async def funnel(call: Call) -> FunnelOutcomes:
    q: FunnelOutcomeQuery = call.query
    flow, insights = call.path["flow"], _insights(call)
    rows = await insights.funnel(flow, q.version)
    idle_before = datetime.now(UTC) - timedelta(hours=q.idle_hours)
    ends = await insights.run_ends(flow, q.version, idle_before)
    return FunnelOutcomes(flow=flow,
                          steps=[FunnelStep.model_validate(r, from_attributes=True)
                                 for r in rows],
                          versions=versions(ends))


def versions(ends: list[EndRow]) -> list[FunnelVersion]:
    """The end rows (ordered by version) as one answer per version."""
    by: dict[str, list[EndRow]] = {}
    for e in ends:
        by.setdefault(e.version, []).append(e)
    return [_version(version, rows) for version, rows in by.items()]


def _version(version: str, rows: list[EndRow]) -> FunnelVersion:
    def ended(end: str) -> int:
        return sum(r.runs for r in rows if r.end == end)

    return FunnelVersion(
        version=version, started=sum(r.runs for r in rows), completed=ended("completed"),
        handed_off=ended("handed_off"), dropped=ended("dropped"), in_progress=ended("in_progress"),
        dropped_at=[FunnelEnd(step=r.step, runs=r.runs) for r in rows
                    if r.end == "dropped" and r.step is not None])


async def response_times(call: Call) -> ResponseTimes:
    q: ResponseTimesQuery = call.query
    since = datetime.now(UTC) - timedelta(days=q.days)
    return ResponseTimes(items=[
        ResponseDay(day=r.day, sessions=r.sessions, first_response=_durations(r.first_response),
                    resolution=_durations(r.resolution))
        for r in await _insights(call).response_times(since)])


def _durations(d: DurationRow) -> Durations:
    return Durations.model_validate(d, from_attributes=True)


async def ai_usage(call: Call) -> AiUsageDays:
    q: AiUsageQuery = call.query
    since = (datetime.now(UTC) - timedelta(days=q.days)).date()
    rows = await context(call.request).store.shop(call.shop).runs.usage(since)
    return AiUsageDays(items=[AiUsageOut(
        day=u.day, purpose=PURPOSES.get(u.purpose, "other"),
        agent=u.agent or None, model=u.model, calls=u.calls, prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens, cost=u.cost) for u in rows])


PURPOSES: dict[str, Literal["reply", "intent", "extract", "other"]] = {
    "reply": "reply", "intent": "intent", "extract": "extract", "other": "other"}


ENDPOINTS = [
    Endpoint("GET", "/runs", in_progress, "Runs in progress (by flow)", RunPage, query=RunQuery),
    Endpoint("GET", "/customers/{wa_id}/runs/{run_id}", trace, "A run's trace", RunTrace),
    Endpoint("GET", "/analytics/messages", volume, "Messages per day and direction", Volume,
             query=VolumeQuery),
    Endpoint("GET", "/analytics/funnels/{flow}", funnel,
             "Runs that reached each step, and how they ended", FunnelOutcomes,
             query=FunnelOutcomeQuery),
    Endpoint("GET", "/analytics/response-times", response_times,
             "First-response and resolution times of sessions, per day", ResponseTimes,
             query=ResponseTimesQuery),
    Endpoint("GET", "/analytics/ai", ai_usage,
             "AI calls, tokens and cost per day, agent and model", AiUsageDays,
             query=AiUsageQuery),
]
