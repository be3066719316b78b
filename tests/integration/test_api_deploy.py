"""`/api/deploy` and `/api/flows` on PostgreSQL: a plan that counts runs in progress,
those runs finishing on their version, a rollback, and bundles refused unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from api_kit import Api, api_on_postgres

from wactl.compiler.ir import Program
from wactl.compiler.project import compile_project
from wactl.runtime.driver import Conductor
from wactl.runtime.effects import SendText
from wactl.runtime.engine import Engine
from wactl.runtime.events import Inbound
from wactl.service.postgres import PostgresStore

pytestmark = pytest.mark.service

PROJECT = {"wactl.yaml": "shop: alpha\n"}


def _flow(question: str) -> str:
    return f"""
flow: hello
trigger: {{keyword: [hi]}}
steps:
  - {{id: ask, ask: "{question}", save: name}}
  - {{id: greet, send: "Chào {{{{ name }}}}."}}
"""


def _program(files: dict[str, str]) -> Program:
    result = compile_project({**PROJECT, **files})
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program


def _bundle(program: Program) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(program.to_json())
    return data


async def _deploy(api: Api, program: Program, *, dry_run: bool) -> dict[str, Any]:
    status, plan = await api.call("POST", "/deploy", json={"bundle": _bundle(program),
                                                           "dry_run": dry_run})
    assert status == 200, plan
    return dict(plan)


async def _served(api: Api, program: Program) -> Conductor:
    """A worker as the service builds it: the active flows, older versions kept."""
    flows = await PostgresStore(api.pool).shop("alpha").flow_versions.versions()
    older = [f for f in flows if f.hash not in {g.hash for g in program.flows}]
    return Conductor(PostgresStore(api.pool), {"alpha": Engine(program, versions=older)})


async def _say(conductor: Conductor, wa_id: str, text: str, n: int) -> list[str]:
    done = await conductor.handle("alpha", Inbound(wa_id, datetime.now(UTC), "text",
                                                   id=f"wamid.{wa_id}.{n}", text=text))
    return [e.text for e in done.effects if isinstance(e, SendText)]


async def test_a_deploy_is_planned_applied_and_runs_finish_on_their_version() -> None:
    async with api_on_postgres() as api:
        first = _program({"flows/hello.yaml": _flow("Tên bạn?")})
        plan = await _deploy(api, first, dry_run=True)
        assert [(e["flow"], e["action"]) for e in plan["entries"]] == [("hello", "add")]
        assert not plan["applied"] and await api.pool.fetchval(
            "SELECT count(*) FROM flow_versions") == 0
        assert (await _deploy(api, first, dry_run=False))["applied"]
        conductor = await _served(api, first)
        assert await _say(conductor, "84900000001", "hi", 1) == ["Tên bạn?"]

        second = _program({"flows/hello.yaml": _flow("Bạn tên là gì?")})
        plan = await _deploy(api, second, dry_run=True)
        assert [(e["action"], e["runs_in_progress"]) for e in plan["entries"]] == [("change", 1)]
        assert (await _deploy(api, second, dry_run=False))["applied"]
        assert (await _deploy(api, second, dry_run=False))["changes"] == 0
        conductor = await _served(api, second)
        assert await _say(conductor, "84900000001", "Mai", 2) == ["Chào Mai."]
        assert await _say(conductor, "84900000002", "hi", 1) == ["Bạn tên là gì?"]

        _, flows = await api.call("GET", "/flows")
        assert [(f["flow"], f["number"]) for f in flows["items"]] == [("hello", 2)]
        status, back = await api.call("POST", "/flows/hello/rollback", json={"to": 1})
        assert status == 200
        assert [(v["number"], v["active"]) for v in back["versions"]] == [(1, True), (2, False)]
        assert back["runs_in_progress"] == {second.flows[0].hash: 1}
        assert (await api.call("POST", "/flows/hello/rollback", json={"to": 9}))[0] == 404
        _, off = await api.call("POST", "/flows/hello/deactivate")
        assert not any(v["active"] for v in off["versions"])
        assert (await api.call("GET", "/flows/hello", "beta"))[0] == 404


async def test_activate_makes_the_latest_or_a_chosen_version_active() -> None:
    async with api_on_postgres() as api:
        for question in ("Tên bạn?", "Bạn tên là gì?"):
            await _deploy(api, _program({"flows/hello.yaml": _flow(question)}), dry_run=False)
        await api.call("POST", "/flows/hello/deactivate")

        async def active(body: dict[str, Any]) -> list[int]:
            status, got = await api.call("POST", "/flows/hello/activate", json=body)
            assert status == 200, got
            return [v["number"] for v in got["versions"] if v["active"]]

        assert await active({}) == [2], "the latest by default"
        assert await active({"version": 1}) == [1]
        assert await active({"version": 1}) == [1], "again: the same"
        _, flows = await api.call("GET", "/flows")
        assert [(f["flow"], f["number"]) for f in flows["items"]] == [("hello", 1)]
        for flow, body, shop in [("hello", {"version": 3}, "alpha"), ("nope", {}, "alpha"),
                                 ("nope", {"version": 1}, "alpha"), ("hello", {}, "beta")]:
            status, error = await api.call("POST", f"/flows/{flow}/activate", shop, json=body)
            assert (status, error["error"]["code"]) == (404, "not_found"), (flow, body, shop)
        status, error = await api.call("POST", "/flows/hello/activate", json={"version": 0})
        assert (status, error["error"]["code"]) == (422, "invalid")
        _, kept = await api.call("GET", "/flows/hello")
        assert [(v["number"], v["active"]) for v in kept["versions"]] == [(1, True), (2, False)]


async def test_a_removed_flow_is_planned_as_removed() -> None:
    async with api_on_postgres() as api:
        await _deploy(api, _program({"flows/hello.yaml": _flow("Tên?")}), dry_run=False)
        other = _program({"flows/bye.yaml": "flow: bye\ntrigger: {keyword: [bye]}\n"
                                            "steps:\n  - {id: a, send: Bye}\n"})
        plan = await _deploy(api, other, dry_run=False)
        assert sorted((e["flow"], e["action"]) for e in plan["entries"]) == [
            ("bye", "add"), ("hello", "remove")]
        _, flows = await api.call("GET", "/flows")
        assert [f["flow"] for f in flows["items"]] == ["bye"]


async def test_bundles_that_are_not_compiled_or_not_the_shops_are_refused_unchanged() -> None:
    async with api_on_postgres() as api:
        good = _bundle(_program({"flows/hello.yaml": _flow("Tên?")}))
        edited = json.loads(json.dumps(good))
        edited["flows"][0]["priority"] = 99
        theirs = _bundle(compile_project({"wactl.yaml": "shop: beta\n",
                                          "flows/hello.yaml": _flow("Tên?")}).program
                         or Program.model_validate(good))
        cases = [({"schema_version": "nope"}, 422, "bad_bundle"), (edited, 422, "bad_bundle"),
                 (theirs, 403, "wrong_shop")]
        for bundle, status, code in cases:
            got, error = await api.call("POST", "/deploy",
                                        json={"bundle": bundle, "dry_run": False})
            assert (got, error["error"]["code"]) == (status, code)
        assert await api.pool.fetchval("SELECT count(*) FROM flow_versions") == 0
