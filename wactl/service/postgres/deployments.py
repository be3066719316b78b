"""A shop's deployed flow versions as the management API works them: the active one per
flow, every version numbered 1, 2, 3... in deploy order, runs in progress per version,
and the changes (deploy, rollback, activate, deactivate), each one transaction that
ends with a `NOTIFY wactl_deploy` carrying the shop, so every replica reloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from wactl.compiler.ir import IRFlow, Program
from wactl.service.postgres.programs import CHANNEL, keep_flows, record
from wactl.service.postgres.text import dec, enc


@dataclass(frozen=True, slots=True)
class VersionRow:
    flow: str
    number: int
    version: str
    deployed_at: datetime
    active: bool


_VERSIONS = """
SELECT flow, version, deployed_at, active,
       row_number() OVER (PARTITION BY flow ORDER BY seq) AS number
  FROM flow_versions WHERE shop_id = $1"""


def _row(r: asyncpg.Record) -> VersionRow:
    return VersionRow(dec(r["flow"]), r["number"], dec(r["version"]), r["deployed_at"],
                      r["active"])


class Deployments:
    def __init__(self, pool: asyncpg.Pool, shop_id: str) -> None:
        self.pool, self.shop = pool, shop_id

    async def versions(self, flow: str | None = None) -> list[VersionRow]:
        rows = await self.pool.fetch(f"SELECT * FROM ({_VERSIONS}) v WHERE $2::text IS NULL "
                                     "OR flow = $2 ORDER BY flow, number", enc(self.shop),
                                     None if flow is None else enc(flow))
        return [_row(r) for r in rows]

    async def active(self) -> list[VersionRow]:
        return [v for v in await self.versions() if v.active]

    async def runs_in_progress(self) -> dict[str, int]:
        """Runs not finished, by the version of the flow they started in."""
        rows = await self.pool.fetch(
            "SELECT run::json->'frames'->0->>'version' AS version, count(*) AS n "
            "FROM active_runs WHERE shop_id = $1 GROUP BY 1", enc(self.shop))
        return {dec(r["version"] or ""): r["n"] for r in rows}

    async def deploy(self, program: Program, at: datetime) -> list[str]:
        """Keep every flow's version (new ones added), make exactly these the active
        ones and the program's settings and agents the served ones, in one transaction;
        the versions that were new."""
        async with self.pool.acquire() as conn, conn.transaction():
            new = await keep_flows(conn, self.shop, list(program.flows), at)
            await record(conn, program, "api", at)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, self.shop)
        return new

    async def activate(self, flow: str, number: int | None) -> bool:
        """Make version `number` of `flow` the active one (None: deactivate the flow);
        False when there is no such flow or version."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(f"SELECT * FROM ({_VERSIONS}) v WHERE flow = $2",
                                    enc(self.shop), enc(flow))
            chosen = next((r for r in rows if r["number"] == number), None)
            if not rows or (number is not None and chosen is None):
                return False
            await conn.execute(
                "UPDATE flow_versions SET active = coalesce(version = $3::text, false) "
                "WHERE shop_id = $1 "
                "AND flow = $2", enc(self.shop), enc(flow),
                None if chosen is None else chosen["version"])
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, self.shop)
        return True

    async def ir(self, version: str) -> IRFlow | None:
        text = await self.pool.fetchval("SELECT ir FROM flow_versions WHERE shop_id = $1 "
                                        "AND version = $2", enc(self.shop), enc(version))
        return None if text is None else IRFlow.model_validate_json(text)
