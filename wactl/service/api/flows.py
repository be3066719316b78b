"""`/api/deploy` and `/api/flows`: a shop's compiled bundle planned and applied, its
flow versions listed, rolled back, activated and deactivated.

A bundle is checked before anything is planned: it is a program of the IR schema, every
flow's and the bundle's content hash is what its content gives (a bundle edited after
`wactl compile` is refused), the engine accepts it, and its project's shop is the key's.
Applying is one transaction; runs in progress stay on the version they started on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import ValidationError

from wactl.compiler.ir import Program, with_hash
from wactl.runtime.engine import Engine
from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    Activate,
    AgentPlanEntry,
    DeployPlan,
    DeployRequest,
    FlowList,
    FlowVersionOut,
    FlowVersions,
    PlanEntry,
    Rollback,
)
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.deployments import Deployments, VersionRow
from wactl.service.postgres.programs import ProgramRow, Programs, agent_hash

log = logging.getLogger("wactl.api")


def _deployments(call: Call) -> Deployments:
    return Deployments(context(call.request).pool, call.shop)


def _out(v: VersionRow) -> FlowVersionOut:
    return FlowVersionOut.model_validate(v, from_attributes=True)


def checked_bundle(data: Mapping[str, object], shop: str) -> Program:
    """The bundle's program, or the ApiError saying why it cannot be deployed."""
    try:
        program = Program.model_validate(data)
    except ValidationError as e:
        raise ApiError(422, "bad_bundle", f"not a compiled bundle: {e.error_count()} "
                       "problem(s) against the IR schema") from e
    for flow in program.flows:
        if with_hash(flow).hash != flow.hash:
            raise ApiError(422, "bad_bundle", f"flow {flow.id}: its hash does not match its "
                           "content (edited after `wactl compile`?)")
    if with_hash(program).hash != program.hash:
        raise ApiError(422, "bad_bundle", "the bundle's hash does not match its content")
    if program.project.shop != shop:
        raise ApiError(403, "wrong_shop", f"the bundle is for shop {program.project.shop!r}, "
                       "this key's shop is another")
    try:
        Engine(program)
    except Exception as e:  # the engine refuses what it could not run
        raise ApiError(422, "bad_bundle", f"the engine cannot run it: {e}") from e
    return program


def _flow_entries(program: Program, active: dict[str, str],
                  runs: dict[str, int]) -> list[PlanEntry]:
    entries = []
    for flow in program.flows:
        old = active.get(flow.id)
        action = "add" if old is None else "keep" if old == flow.hash else "change"
        entries.append(PlanEntry(flow=flow.id, action=action, old_version=old,
                                 new_version=flow.hash, runs_in_progress=runs.get(old or "", 0)))
    wanted = {f.id for f in program.flows}
    return entries + [PlanEntry(flow=flow, action="remove", old_version=old, new_version=None,
                                runs_in_progress=runs.get(old, 0))
                      for flow, old in sorted(active.items()) if flow not in wanted]


def _agent_entries(program: Program, served: ProgramRow | None) -> list[AgentPlanEntry]:
    old = {a.id: agent_hash(a) for a in (served.agents if served else [])}
    new = {a.id: agent_hash(a) for a in program.agents}
    return [AgentPlanEntry(agent=name, old_hash=old.get(name), new_hash=new.get(name),
                           action="add" if name not in old else "remove" if name not in new
                           else "keep" if old[name] == new[name] else "change")
            for name in sorted(old.keys() | new.keys())]


def _settings(program: Program, served: ProgramRow | None) -> Literal["add", "change", "keep"]:
    if served is None:
        return "add"
    return "keep" if served.project == program.project else "change"


async def deploy(call: Call) -> DeployPlan:
    b: DeployRequest = call.body
    program = checked_bundle(b.bundle, call.shop)
    deployments = _deployments(call)
    served = await Programs(context(call.request).pool).latest(call.shop)
    active = {v.flow: v.version for v in await deployments.active()}
    entries = _flow_entries(program, active, await deployments.runs_in_progress())
    agents, settings = _agent_entries(program, served), _settings(program, served)
    changes = (sum(e.action != "keep" for e in entries)
               + sum(e.action != "keep" for e in agents) + (settings != "keep"))
    if not b.dry_run and changes:
        await deployments.deploy(program, datetime.now(UTC))
        log.info("deployed %d change(s)", changes, extra={
            "code": "deployed", "shop": call.shop, "bundle": program.hash})
    return DeployPlan(shop_id=call.shop, bundle_hash=program.hash, entries=entries,
                      agents=agents, settings=settings, changes=changes,
                      applied=not b.dry_run and changes > 0)


async def list_flows(call: Call) -> FlowList:
    return FlowList(items=[_out(v) for v in await _deployments(call).active()])


async def get_flow(call: Call) -> FlowVersions:
    deployments, flow = _deployments(call), call.path["flow"]
    versions = await deployments.versions(flow)
    if not versions:
        raise ApiError(404, "not_found", "no such flow")
    runs = await deployments.runs_in_progress()
    return FlowVersions(flow=flow, versions=[_out(v) for v in versions],
                        runs_in_progress={v.version: runs[v.version] for v in versions
                                          if v.version in runs})


async def _activate(call: Call, number: int | None) -> FlowVersions:
    if not await _deployments(call).activate(call.path["flow"], number):
        raise ApiError(404, "not_found", "no such flow or version")
    log.info("flow %s", "deactivated" if number is None else f"at version {number}", extra={
        "code": "flow_activated", "shop": call.shop, "flow": call.path["flow"]})
    return await get_flow(call)


async def rollback(call: Call) -> FlowVersions:
    b: Rollback = call.body
    return await _activate(call, b.to)


async def activate(call: Call) -> FlowVersions:
    b: Activate = call.body
    number = b.version
    if number is None:
        versions = await _deployments(call).versions(call.path["flow"])
        if not versions:
            raise ApiError(404, "not_found", "no such flow")
        number = versions[-1].number  # in number order
    return await _activate(call, number)


async def deactivate(call: Call) -> FlowVersions:
    return await _activate(call, None)


_ONE = "/flows/{flow}"
ENDPOINTS = [
    Endpoint("POST", "/deploy", deploy, "Plan a bundle's deploy, and apply it unless dry_run",
             DeployPlan, body=DeployRequest, errors=(403,)),
    Endpoint("GET", "/flows", list_flows, "The active version of each flow", FlowList),
    Endpoint("GET", _ONE, get_flow, "A flow's versions and runs in progress", FlowVersions),
    Endpoint("POST", _ONE + "/rollback", rollback, "Make an earlier (or any) version active",
             FlowVersions, body=Rollback),
    Endpoint("POST", _ONE + "/activate", activate, "Make a version active (the latest by "
             "default)", FlowVersions, body=Activate, errors=(404,)),
    Endpoint("POST", _ONE + "/deactivate", deactivate, "Stop starting the flow", FlowVersions),
]
