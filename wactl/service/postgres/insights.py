"""Runs and analytics for the management API, read from the run-step log, the message
log, the sessions and the runs in progress (all keyed by shop; nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from wactl.service.postgres.text import dec, dec_opt, enc, enc_opt


@dataclass(frozen=True, slots=True)
class StepRow:
    flow: str
    version: str
    step: str
    kind: str
    outcome: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    wa_id: str
    flow: str
    version: str
    step: str


@dataclass(frozen=True, slots=True)
class VolumeRow:
    day: date
    direction: str
    messages: int


@dataclass(frozen=True, slots=True)
class FunnelRow:
    step: str
    version: str
    runs: int


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds: how many were measured, their median, 90th percentile and average
    (None when none was)."""

    count: int
    median: float | None
    p90: float | None
    average: float | None


@dataclass(frozen=True, slots=True)
class ResponseRow:
    day: date
    sessions: int
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True, slots=True)
class EndRow:
    """Runs of one version that ended one way (`completed`, `handed_off`, `dropped`,
    `in_progress`);
    `step` is where a dropped one stopped."""

    version: str
    end: str
    step: str | None
    runs: int


COMPLETED = ("completed",)
"""Run ends (the `end` rows of the run-step log) that complete the flow: its `end` step
or falling off its graph; `linked to …` is one too (the flow passed the customer on by
design)."""
HANDED_OFF = ("handed off", "handed off to a person")
"""A person took over: a `handoff` or `agent` step of the flow handed over, or a rule
did in the middle of it.  Every other end (expired, superseded, an error) is a drop."""

_SESSIONS = """
WITH s AS (
    SELECT s.wa_id, s.number, s.opened_at, s.status, s.closed_at, fi.id AS in_id, fi.at AS in_at
    FROM sessions s LEFT JOIN LATERAL (
        SELECT m.id, m.at FROM messages m WHERE m.shop_id = s.shop_id AND m.wa_id = s.wa_id
        AND m.conversation = s.number AND m.direction = 'in' ORDER BY m.id LIMIT 1) fi ON true
    WHERE s.shop_id = $1 AND s.opened_at >= $2
), t AS (
    SELECT (opened_at AT TIME ZONE 'UTC')::date AS day,
        extract(epoch FROM (SELECT min(o.at) FROM messages o WHERE o.shop_id = $1
            AND o.wa_id = s.wa_id AND o.conversation = s.number AND o.direction = 'out'
            AND o.id > s.in_id) - s.in_at)::float8 AS answer,
        CASE WHEN status IN ('closed', 'expired')
            THEN extract(epoch FROM closed_at - opened_at)::float8 END AS resolution
    FROM s
)
SELECT day, count(*) AS sessions,
    count(answer) AS a_n, percentile_cont(0.5) WITHIN GROUP (ORDER BY answer) AS a_med,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY answer) AS a_p90, avg(answer) AS a_avg,
    count(resolution) AS r_n,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution) AS r_med,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution) AS r_p90,
    avg(resolution) AS r_avg
FROM t GROUP BY day ORDER BY day
"""

_ENDS = """
WITH runs AS (
    SELECT (array_agg(flow ORDER BY id))[1] AS flow,
        (array_agg(version ORDER BY id))[1] AS version,
        (array_agg(outcome ORDER BY id DESC)
            FILTER (WHERE kind = 'end' AND outcome <> 'ended'))[1] AS ended,
        (array_agg(step ORDER BY id DESC)
            FILTER (WHERE kind = 'end' AND outcome <> 'ended'))[1] AS end_step,
        (array_agg(step ORDER BY id DESC))[1] AS last_step, max(at) AS last_at
    FROM run_steps WHERE shop_id = $1 AND (wa_id, run_id) IN (
        SELECT wa_id, run_id FROM run_steps WHERE shop_id = $1 AND flow = $2)
    GROUP BY wa_id, run_id
), ends AS (
    SELECT version, coalesce(end_step, last_step) AS step, CASE
        WHEN ended = ANY($4::text[]) OR ended LIKE 'linked to %' THEN 'completed'
        WHEN ended = ANY($5::text[]) THEN 'handed_off'
        WHEN ended IS NOT NULL OR last_at < $6 THEN 'dropped'
        ELSE 'in_progress' END AS end_
    FROM runs WHERE flow = $2 AND ($3::text IS NULL OR version = $3)
)
SELECT version, end_, CASE WHEN end_ = 'dropped' THEN step END AS step, count(*) AS runs
FROM ends GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3
"""
"""Each run of the flow (its first step's flow and version: sub-flows it called are
not runs of theirs) by how it ended: its last `end` row (an `end` step's own row says
`ended`; the run's end follows it), else in progress, or dropped when idle since
before the threshold."""


class Insights:
    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, enc(shop_id)

    async def trace(self, wa_id: str, run_id: str, *, limit: int = 1000) -> list[StepRow]:
        rows = await self.pool.fetch(
            "SELECT flow, version, step, kind, outcome, at FROM run_steps WHERE shop_id = $1 "
            "AND wa_id = $2 AND run_id = $3 ORDER BY id LIMIT $4",
            self.shop, enc(wa_id), enc(run_id), limit)
        return [StepRow(dec(r["flow"]), dec(r["version"]), dec(r["step"]), r["kind"],
                        r["outcome"], r["at"]) for r in rows]

    async def in_progress(self, flow: str | None, *, after: str | None,
                          limit: int) -> list[RunRow]:
        rows = await self.pool.fetch(
            "SELECT run_id, wa_id, run::json->'frames'->0 AS top FROM active_runs "
            "WHERE shop_id = $1 AND ($2::text IS NULL OR wa_id > $2) "
            "AND ($3::text IS NULL OR run::json->'frames'->0->>'flow' = $3) "
            "ORDER BY wa_id LIMIT $4", self.shop, None if after is None else enc(after),
            flow, limit)
        out = []
        for r in rows:
            top = _json(r["top"])
            out.append(RunRow(dec(r["run_id"]), dec(r["wa_id"]), str(top.get("flow", "")),
                              str(top.get("version", "")), str(top.get("step", ""))))
        return out

    async def volume(self, since: datetime) -> list[VolumeRow]:
        rows = await self.pool.fetch(
            "SELECT (at AT TIME ZONE 'UTC')::date AS day, direction, count(*) AS n "
            "FROM messages WHERE shop_id = $1 AND at >= $2 GROUP BY 1, 2 ORDER BY 1, 2",
            self.shop, since)
        return [VolumeRow(r["day"], r["direction"], r["n"]) for r in rows]

    async def funnel(self, flow: str, version: str | None) -> list[FunnelRow]:
        """How many runs reached each step of the flow, per version (first reached first)."""
        rows = await self.pool.fetch(
            "SELECT step, version, count(DISTINCT (wa_id, run_id)) AS runs, min(id) AS first "
            "FROM run_steps WHERE shop_id = $1 AND flow = $2 "
            "AND ($3::text IS NULL OR version = $3) GROUP BY step, version "
            "ORDER BY version, first", self.shop, enc(flow), None if version is None
            else enc(version))
        return [FunnelRow(dec(r["step"]), dec(r["version"]), r["runs"]) for r in rows]


    async def response_times(self, since: datetime) -> list[ResponseRow]:
        """Per day a session opened (UTC): the time from its first inbound message to
        the first outbound one after it (bot or person), and from its opening to its
        close or expiry."""
        rows = await self.pool.fetch(_SESSIONS, self.shop, since)
        return [ResponseRow(r["day"], r["sessions"],
                            Durations(r["a_n"], r["a_med"], r["a_p90"], r["a_avg"]),
                            Durations(r["r_n"], r["r_med"], r["r_p90"], r["r_avg"]))
                for r in rows]

    async def run_ends(self, flow: str, version: str | None, idle_before: datetime,
                       ) -> list[EndRow]:
        """How the flow's runs ended, per version (see `_ENDS`)."""
        rows = await self.pool.fetch(_ENDS, self.shop, enc(flow), enc_opt(version),
                                     list(COMPLETED), list(HANDED_OFF), idle_before)
        return [EndRow(dec(r["version"]), r["end_"], dec_opt(r["step"]), r["runs"])
                for r in rows]


def _json(value: object) -> dict[str, object]:
    import json

    data = json.loads(value) if isinstance(value, str) else value
    return data if isinstance(data, dict) else {}
