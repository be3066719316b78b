"""A deploy's settings and agents on PostgreSQL: the plan lists agents and settings added,
changed, removed; `/api/agents` serves what was deployed; `wactl serve`'s files deploy
only when they changed; the stamps move with every deploy and secret; the reloader
builds an engine for a shop deployed for the first time, with its secrets, and keeps
the old engine of a shop whose deploy cannot be served."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from api_kit import KEYRING, Api, api_on_postgres

from wactl.compiler.ir import Program
from wactl.compiler.project import compile_project
from wactl.runtime.driver import Conductor
from wactl.runtime.engine import Engine
from wactl.service.deploys import Reloader
from wactl.service.postgres import PostgresStore
from wactl.service.postgres.listen import RETRY, DeployListener
from wactl.service.postgres.programs import Programs
from wactl.service.postgres.secrets import PostgresSecrets

pytestmark = pytest.mark.service

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
FLOW = "flow: hello\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: hi, send: \"Chào!\"}\n"


def _agent(tone: str) -> str:
    return f"agent: sales\nmodel: gpt-4o-mini\ntone: {tone}\nprompt: Help the customer.\n"


def _program(shop: str = "alpha", *, tone: str | None = "friendly",
             language: str = "vi") -> Program:
    files = {"wactl.yaml": f"shop: {shop}\nlanguage: {language}\n", "flows/hello.yaml": FLOW}
    if tone is not None:
        files["agents/sales.yaml"] = _agent(tone)
    result = compile_project(files)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program


async def _deploy(api: Api, program: Program, *, dry_run: bool = False,
                  shop: str = "alpha") -> dict[str, Any]:
    status, plan = await api.call("POST", "/deploy", shop, json={
        "bundle": json.loads(program.to_json()), "dry_run": dry_run})
    assert status == 200, plan
    return dict(plan)


async def test_the_plan_covers_agents_and_settings_and_agents_are_served() -> None:
    async with api_on_postgres() as api:
        first = await _deploy(api, _program())
        assert first["settings"] == "add" and first["applied"]
        assert [(a["agent"], a["action"]) for a in first["agents"]] == [("sales", "add")]
        status, agents = await api.call("GET", "/agents")
        assert status == 200 and [a["agent"] for a in agents["items"]] == ["sales"]
        assert agents["items"][0]["definition"]["tone"] == "friendly"

        changed = await _deploy(api, _program(tone="professional"), dry_run=True)
        assert [(a["agent"], a["action"]) for a in changed["agents"]] == [("sales", "change")]
        assert changed["settings"] == "keep" and changed["changes"] == 1
        assert not changed["applied"]
        status, kept = await api.call("GET", "/agents/sales")
        assert status == 200 and kept["definition"]["tone"] == "friendly", "a dry run"

        removed = await _deploy(api, _program(tone=None, language="en"))
        assert [(a["agent"], a["action"]) for a in removed["agents"]] == [("sales", "remove")]
        assert removed["settings"] == "change" and removed["changes"] == 2
        assert (await api.call("GET", "/agents/sales"))[0] == 404
        assert (await api.call("GET", "/agents", "beta"))[1]["items"] == []
        again = await _deploy(api, _program(tone=None, language="en"))
        assert again["changes"] == 0 and not again["applied"]


async def test_serve_deploys_its_files_only_when_they_changed() -> None:
    async with api_on_postgres() as api:
        programs, files = Programs(api.pool), _program()
        assert await programs.deploy_files(files, T0)
        assert not await programs.deploy_files(files, T0), "the same files again"
        through_api = _program(tone="professional")
        await _deploy(api, through_api)
        assert not await programs.deploy_files(files, T0), "the API's deploy stays"
        latest = await programs.latest("alpha")
        assert latest is not None and latest.source == "api"
        assert latest.bundle_hash == through_api.hash
        assert await programs.deploy_files(_program(tone="casual"), T0), "new files deploy"
        latest = await programs.latest("alpha")
        assert latest is not None and latest.source == "serve"


async def test_the_reloader_serves_every_deployed_shop_with_its_secrets() -> None:
    async with api_on_postgres() as api:
        programs = Programs(api.pool)
        secrets = PostgresSecrets(api.pool, KEYRING)
        conductor = Conductor(PostgresStore(api.pool), {})
        start = _program()
        await programs.deploy_files(start, T0)
        reloader = Reloader(conductor, programs, {"alpha": start}, {"ENV_ONLY": "e"}, secrets)
        assert await reloader.run_due(T0) == 1
        assert set(conductor.engines) == {"alpha"}
        assert await reloader.run_due(T0) == 0, "nothing moved"

        await secrets.set_secret("beta", "CRM_KEY", "b-secret")
        await _deploy(api, _program("beta", tone="professional"), shop="beta")
        reloader.announce()
        assert await reloader.run_due(T0) == 1
        beta = conductor.engines["beta"]
        assert beta.program.agents[0].tone == "professional"
        assert [f.id for f in beta.program.flows] == ["hello"]
        assert isinstance(beta, Engine) and beta.secrets == {"CRM_KEY": "b-secret"}
        alpha = conductor.engines["alpha"]
        assert isinstance(alpha, Engine) and alpha.secrets == {"ENV_ONLY": "e"}

        stamps = await programs.stamps()
        await secrets.set_secret("beta", "CRM_KEY", "changed")
        assert (await programs.stamps())["beta"] != stamps["beta"]
        assert stamps["alpha"] == (await programs.stamps())["alpha"]

        await api.pool.execute("UPDATE shop_programs SET project = '{\"language\": 7}' "
                               "WHERE shop_id = 'alpha'")
        await api.pool.execute("UPDATE flow_versions SET active = false WHERE shop_id = 'alpha'")
        reloader.announce()
        assert await reloader.run_due(T0) == 1, "beta's secret moved; alpha's row is refused"
        assert conductor.engines["alpha"] is alpha, "the shop keeps the engine it had"
        assert await reloader.run_due(T0) == 0


@dataclass
class Hearer:
    listening: bool = False
    heard: int = 0

    def announce(self) -> None:
        self.heard += 1


async def test_a_deploy_is_heard_through_listen_and_a_lost_connection_is_noticed() -> None:
    url = os.environ["WACTL_TEST_DATABASE_URL"]
    async with api_on_postgres() as api:
        hearer = Hearer()
        listener = DeployListener(url, hearer)
        assert await listener.run_due(T0) == 0 and hearer.listening
        assert hearer.heard == 1, "what was announced while not listening"
        await _deploy(api, _program())
        for _ in range(100):
            if hearer.heard > 1:
                break
            await asyncio.sleep(0.02)
        assert hearer.heard == 2
        assert listener.conn is not None
        await api.pool.execute("SELECT pg_terminate_backend($1)",
                               listener.conn.get_server_pid())
        for _ in range(100):
            if not hearer.listening:
                break
            await asyncio.sleep(0.02)
        assert not hearer.listening, "back to polling"
        assert await listener.run_due(T0 + RETRY / 2) == 0 and not hearer.listening
        await listener.run_due(T0 + RETRY)
        assert hearer.listening and hearer.heard == 3
        await listener.close()
