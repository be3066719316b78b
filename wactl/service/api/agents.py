"""`/api/agents`: the AI personas a shop serves, as its newest deploy gave them."""

from __future__ import annotations

from wactl.compiler.ir import IRAgent
from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import AgentList, AgentOut
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.programs import Programs, agent_hash


def _out(agent: IRAgent) -> AgentOut:
    return AgentOut(agent=agent.id, hash=agent_hash(agent), model=agent.model,
                    definition=agent.to_data())


async def list_agents(call: Call) -> AgentList:
    served = await Programs(context(call.request).pool).latest(call.shop)
    if served is None:
        return AgentList(items=[], deployed_at=None)
    return AgentList(items=[_out(a) for a in served.agents], deployed_at=served.deployed_at)


async def get_agent(call: Call) -> AgentOut:
    served = await Programs(context(call.request).pool).latest(call.shop)
    found = next((a for a in served.agents if a.id == call.path["agent"]), None) \
        if served is not None else None
    if found is None:
        raise ApiError(404, "not_found", "no such agent")
    return _out(found)


ENDPOINTS = [
    Endpoint("GET", "/agents", list_agents, "The agents the shop serves", AgentList),
    Endpoint("GET", "/agents/{agent}", get_agent, "One agent as deployed", AgentOut),
]
