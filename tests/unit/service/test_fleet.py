"""Each shop's own outside world (`wactl.service.fleet`): its number, its token (read
again after `TOKEN_EVERY`), its egress policy, its agents; a shop that cannot send yet
gets retryable refusals.  Sends go to a fake Graph API that checks number and token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fakes.graph_server import FakeGraph

from wactl.compiler import compile_project
from wactl.compiler.ir import Program
from wactl.runtime.effects import AiRequest, SendText
from wactl.runtime.engine import Engine
from wactl.runtime.events import AiResult
from wactl.runtime.memory import UnavailableAiClient
from wactl.runtime.ports import Account, AiClient, ChannelError
from wactl.service.app import LoggedEvents
from wactl.service.config import ServiceConfig
from wactl.service.crypto import CipherError
from wactl.service.fleet import TOKEN_EVERY, Fleet
from wactl.service.http_client import AiohttpHttpClient
from wactl.service.jobs import Routes
from wactl.service.numbers import MemoryNumbers

START, OTHER, IDLE = "111", "222", "333"
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _program(shop: str, hosts: list[str]) -> Program:
    egress = f"egress: {{allow_hosts: [{', '.join(hosts)}]}}\n" if hosts else ""
    result = compile_project({"wactl.yaml": f"shop: {shop}\n{egress}",
                              "flows/hi.yaml": "flow: hi\ntrigger: {keyword: [hi]}\n"
                                               "steps:\n  - {id: a, send: \"x\"}\n"})
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program


@dataclass
class Tokens:
    kept: dict[str, str | Exception]
    reads: list[str] = field(default_factory=list)

    async def token(self, phone_number_id: str) -> str | None:
        self.reads.append(phone_number_id)
        found = self.kept.get(phone_number_id)
        if isinstance(found, Exception):
            raise found
        return found


@dataclass
class Binding:
    """An AI client that answers with the agents of the program it is bound to."""

    program: Program | None = None
    bound_to: list[str] = field(default_factory=list)

    def bound(self, program: Program) -> AiClient:
        self.bound_to.append(program.hash)
        return UnavailableAiClient()

    async def ask(self, request: AiRequest) -> AiResult:
        raise AssertionError("the shop's binding answers, not the root")


def _fleet(base: str, tokens: Tokens, engines: dict[str, Engine], now: list[float],
           ai: AiClient | None = None) -> Fleet:
    config = ServiceConfig("s", "v", "start-token", START, graph_api_base=base)
    routes = Routes({a.phone_number_id: a for a in [
        Account(START, "alpha"), Account(OTHER, "beta"),
        Account("999", "beta", status="suspended"), Account(IDLE, "gamma", status="suspended")]})
    return Fleet(config, routes, lambda: engines, LoggedEvents(), ai or UnavailableAiClient(),
                 tokens=tokens, clock=lambda: now[0])


async def test_each_shop_sends_from_its_own_number_with_its_own_token() -> None:
    async with FakeGraph(phone_number_id=START, access_token="start-token",
                         numbers={OTHER: "beta-token"}) as graph:
        tokens, now = Tokens({OTHER: "beta-token"}), [0.0]
        fleet = _fleet(graph.base_url, tokens, {}, now)
        try:
            for shop, to in (("alpha", "8401"), ("beta", "8402")):
                out = await fleet.outside(shop)
                assert (await out.channel.send(SendText(to, f"hi {shop}"))).startswith("wamid.")
            sent = [(r.path.split("/")[-2], r.headers["Authorization"]) for r in graph.posts()]
            assert sent == [(START, "Bearer start-token"), (OTHER, "Bearer beta-token")]

            tokens.kept[OTHER] = "beta-token-2"
            graph.numbers[OTHER] = "beta-token-2"
            before = len(tokens.reads)
            with pytest.raises(ChannelError) as refused:  # the old token, still cached
                await (await fleet.outside("beta")).channel.send(SendText("8402", "cached"))
            assert refused.value.code == "190" and graph.posts()[-1].status == 401
            assert len(tokens.reads) == before, "read again only after TOKEN_EVERY"
            now[0] += TOKEN_EVERY
            await (await fleet.outside("beta")).channel.send(SendText("8402", "again"))
            assert graph.posts()[-1].headers["Authorization"] == "Bearer beta-token-2"
            assert graph.posts()[-1].status == 200
        finally:
            await fleet.close()


async def test_a_shop_without_a_number_or_a_readable_token_waits() -> None:
    tokens = Tokens({OTHER: CipherError("forged", "shop:beta/number:222")})
    fleet = _fleet("http://127.0.0.1:9", tokens, {}, [0.0])
    try:
        assert fleet.number("gamma") is None and fleet.number("beta") == OTHER
        for shop, code in (("gamma", "no_number"), ("beta", "no_token"), ("nobody", "no_number")):
            out = await fleet.outside(shop)
            with pytest.raises(ChannelError) as refused:
                await out.channel.send(SendText("8401", "x"))
            assert (refused.value.code, refused.value.retryable) == (code, True)
            assert out.reads is None
        with pytest.raises(ChannelError):
            await fleet.fetch("beta", "media-1")
    finally:
        await fleet.close()


async def test_calls_go_through_the_shops_own_egress_policy_and_agents() -> None:
    alpha, beta = _program("alpha", ["api.alpha.vn"]), _program("beta", ["crm.beta.vn"])
    twin = _program("twin", ["api.alpha.vn"])
    engines = {"alpha": Engine(alpha), "beta": Engine(beta), "twin": Engine(twin)}
    ai = Binding()
    fleet = _fleet("http://127.0.0.1:9", Tokens({}), engines, [0.0], ai)
    try:
        a, b, t = [await fleet.outside(s) for s in ("alpha", "beta", "twin")]
        assert isinstance(a.http, AiohttpHttpClient) and isinstance(b.http, AiohttpHttpClient)
        assert a.http.policy.allow_hosts == frozenset({"api.alpha.vn"})
        assert b.http.policy.allow_hosts == frozenset({"crm.beta.vn"})
        assert t.http is a.http, "one client per policy"
        assert a.ai is not b.ai and ai.bound_to == [alpha.hash, beta.hash, twin.hash]
        assert (await fleet.outside("alpha")).ai is a.ai, "bound once per deploy"
        engines["alpha"] = Engine(_program("alpha", ["api2.alpha.vn"]))
        assert (await fleet.outside("alpha")).ai is not a.ai
        assert len(ai.bound_to) == 4
    finally:
        await fleet.close()


async def test_a_reply_leaves_from_the_number_the_customer_wrote_to() -> None:
    second = "444"
    async with FakeGraph(phone_number_id=START, access_token="start-token",
                         numbers={OTHER: "beta-token", second: "beta-second"}) as graph:
        now = [0.0]
        fleet = _fleet(graph.base_url, Tokens({OTHER: "beta-token", second: "beta-second"}),
                       {}, now)
        fleet.routes.accounts = {**fleet.routes.accounts, second: Account(second, "beta")}
        fleet.numbers = MemoryNumbers()
        await fleet.numbers.note([("beta", "8402", second), ("alpha", "8401", second)], T0)
        try:
            for shop, to in (("beta", "8402"), ("beta", "8403"), ("alpha", "8401")):
                await (await fleet.outside(shop, to)).channel.send(SendText(to, "x"))
            sent = [(r.path.split("/")[-2], r.headers["Authorization"]) for r in graph.posts()]
            assert sent == [(second, "Bearer beta-second"), (OTHER, "Bearer beta-token"),
                            (START, "Bearer start-token")], "noted, main, one-number shop"

            fleet.routes.accounts = {**fleet.routes.accounts,
                                     second: Account(second, "beta", status="suspended")}
            now[0] += TOKEN_EVERY
            await (await fleet.outside("beta", "8402")).channel.send(SendText("8402", "y"))
            assert graph.posts()[-1].path.split("/")[-2] == OTHER, "a number no longer served"
        finally:
            await fleet.close()
