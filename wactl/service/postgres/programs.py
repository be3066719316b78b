"""Each shop's deployed program apart from its flows (settings and agents), one row per
deploy in `shop_programs`, the newest served; and what every shop serves, read in a few
small queries, so each replica sees a deploy of any shop (`wactl.service.deploys`).

A deploy's flows are kept in `flow_versions` (`deployments.Deployments`); a deploy writes
both tables in one transaction, so a replica never sees a shop's new agents with its old
flows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import asyncpg
from pydantic import TypeAdapter

from wactl.compiler.ir import IRAgent, IRFlow, IRProject, Program, content_hash, with_hash
from wactl.service.postgres.text import dec, enc

if TYPE_CHECKING:
    from wactl.service.postgres.db import Connection

CHANNEL = "wactl_deploy"
"""The notification every deploy ends with, its payload the shop: replicas reload."""
Source = Literal["api", "serve"]
_AGENTS = TypeAdapter(list[IRAgent])


@dataclass(frozen=True, slots=True)
class ProgramRow:
    """One deploy's settings and agents."""

    seq: int
    bundle_hash: str
    source: Source
    project: IRProject
    agents: list[IRAgent]
    deployed_at: datetime


def agent_hash(agent: IRAgent) -> str:
    """An agent's content hash: what a deploy plan compares."""
    return content_hash(agent.to_data())


def _row(r: asyncpg.Record) -> ProgramRow:
    return ProgramRow(r["seq"], dec(r["bundle_hash"]), r["source"],
                      IRProject.model_validate_json(r["project"]),
                      _AGENTS.validate_json(r["agents"]), r["deployed_at"])


async def record(conn: Connection, program: Program, source: Source,
                 at: datetime) -> None:
    """Keep `program`'s settings and agents as its shop's newest deploy (inside the
    caller's transaction, beside the flows)."""
    await conn.execute(
        "INSERT INTO shop_programs (shop_id, bundle_hash, source, project, agents, "
        "deployed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        enc(program.project.shop or "default"), enc(program.hash), source,
        program.project.model_dump_json(),
        json.dumps([a.to_data() for a in program.agents], ensure_ascii=False), at)


class Programs:
    """The `shop_programs` rows and the flows they go with, for every shop."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def latest(self, shop_id: str, source: Source | None = None) -> ProgramRow | None:
        """The shop's newest deploy (of `source`, when given)."""
        r = await self.pool.fetchrow(
            "SELECT * FROM shop_programs WHERE shop_id = $1 AND ($2::text IS NULL OR "
            "source = $2) ORDER BY seq DESC LIMIT 1", enc(shop_id), source)
        return None if r is None else _row(r)

    async def deploy_files(self, program: Program, at: datetime) -> bool:
        """Deploy the files `wactl serve` started with, unless these very files were the
        last it deployed for the shop (a deploy through the API since then stays);
        True when deployed."""
        shop = program.project.shop or "default"
        last = await self.latest(shop, "serve")
        if last is not None and last.bundle_hash == program.hash:
            return False
        async with self.pool.acquire() as conn, conn.transaction():
            await keep_flows(conn, shop, list(program.flows), at)
            await record(conn, program, "serve", at)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, shop)
        return True

    async def stamps(self) -> dict[str, str]:
        """Per shop with anything deployed, a text that changes whenever what it should
        serve does: its newest program row, its active flow versions, its secrets."""
        rows = await self.pool.fetch(
            "SELECT shop_id, string_agg(part, ',' ORDER BY part) AS stamp FROM ("
            " SELECT shop_id, 'p' || max(seq) AS part FROM shop_programs GROUP BY shop_id"
            " UNION ALL SELECT shop_id, 'f' || version FROM flow_versions WHERE active"
            " UNION ALL SELECT shop_id, 's' || count(*) || '@' || max(updated_at) "
            "   FROM shop_secrets GROUP BY shop_id) parts GROUP BY shop_id")
        return {dec(r["shop_id"]): r["stamp"] for r in rows}

    async def program(self, shop_id: str, base: Program | None
                      ) -> tuple[Program, list[IRFlow]] | None:
        """What the shop serves: its newest deploy's settings and agents (`base`'s when
        it has none) with its active flows; and every other flow version it served, for
        runs pinned to one.  None when the shop has nothing to serve."""
        row = await self.latest(shop_id)
        settings = row if row is not None else base
        if settings is None:
            return None
        rows = await self.pool.fetch(
            "SELECT ir, active FROM flow_versions WHERE shop_id = $1 ORDER BY seq",
            enc(shop_id))
        flows = [(IRFlow.model_validate_json(r["ir"]), r["active"]) for r in rows]
        program = with_hash(Program(project=settings.project, agents=settings.agents, flows=sorted(
            (f for f, active in flows if active), key=lambda f: f.id)))
        return program, [f for f, active in flows if not active]


async def keep_flows(conn: Connection, shop_id: str, flows: list[IRFlow],
                     at: datetime) -> list[str]:
    """Keep every flow's version (new ones added) and make exactly these the shop's
    active ones, inside the caller's transaction; the versions that were new."""
    new = []
    for flow in flows:
        added = await conn.fetchval(
            "INSERT INTO flow_versions (shop_id, flow, version, ir, deployed_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING version",
            enc(shop_id), enc(flow.id), enc(flow.hash), flow.model_dump_json(), at)
        if added is not None:
            new.append(flow.hash)
    await conn.execute(
        "UPDATE flow_versions SET active = (version = ANY($2::text[])) "
        "WHERE shop_id = $1 AND (active OR version = ANY($2::text[]))",
        enc(shop_id), [enc(f.hash) for f in flows])
    return new
