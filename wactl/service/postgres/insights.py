"""Runs and analytics for the management API, read from the run-step log, the message
log and the runs in progress (all keyed by shop; nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from wactl.service.postgres.text import dec, enc


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


def _json(value: object) -> dict[str, object]:
    import json

    data = json.loads(value) if isinstance(value, str) else value
    return data if isinstance(data, dict) else {}
