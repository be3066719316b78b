"""What simulate plugs into the driver: mocks files, the AI port, secrets, the phone number."""

from __future__ import annotations

from pathlib import Path

from wactl.cli.sim_setup import (
    ai_client,
    http_client,
    parse_mocks,
    read_mocks,
    secrets_from_env,
)
from wactl.compiler.ir import IRProject, Program
from wactl.runtime.memory import UnavailableAiClient, UnavailableHttpClient
from wactl.runtime.mocks import MockAi, MockHttp

FLOWS = Path(__file__).parents[3] / "flows"
MOCKS = """\
http:
  - {method: GET, url: "https://shop.test/o/1", json: {status: shipped}, delay: 2s}
ai:
  - {agent: sales_assistant, reply: "Hello!"}
"""
PROGRAM = Program(project=IRProject(secrets=["SHOP_API_TOKEN", "OTHER"]))


def test_a_mocks_file_reads_like_a_tests_mocks() -> None:
    mocks, diags = parse_mocks("m.yaml", MOCKS)
    assert diags == []
    assert mocks is not None
    assert [(m.method, m.url, m.json_, m.delay.seconds if m.delay else None)
            for m in mocks.http] == [("GET", "https://shop.test/o/1", {"status": "shipped"}, 2)]
    assert [(m.agent, m.reply) for m in mocks.ai] == [("sales_assistant", "Hello!")]


def test_mistakes_point_at_the_mocks_file_itself() -> None:
    text = "http:\n  - method: GET\n    url: https://shop.test/o/1\n    stauts: 500\n"
    _, diags = parse_mocks("m.yaml", text)
    assert [(d.code, d.span.line, d.span.col, d.hint) for d in diags] == [
        ("WA103", 4, 5, "did you mean `status`?")]


def test_a_whole_test_file_works_as_a_mocks_file() -> None:
    path = FLOWS / "tests" / "order_status_shipped.yaml"
    mocks, diags, _ = read_mocks(str(path))
    assert diags == []
    assert mocks is not None
    assert mocks.http[0].url == "https://shop.example/api/orders/10423"


def test_an_unreadable_mocks_file_is_a_diagnostic(tmp_path: Path) -> None:
    mocks, diags, _ = read_mocks(str(tmp_path / "nope.yaml"))
    assert mocks is None
    assert diags[0].code == "WA100"
    assert "cannot read mocks file" in diags[0].message


def test_http_port_choice() -> None:
    mocks, _ = parse_mocks("m.yaml", MOCKS)
    assert isinstance(http_client(mocks, live=False), MockHttp)
    assert isinstance(http_client(None, live=False), UnavailableHttpClient)


def test_ai_port_choice() -> None:
    mocks, _ = parse_mocks("m.yaml", MOCKS)
    ai, off = ai_client(PROGRAM, mocks, env={})
    assert isinstance(ai, MockAi) and not off
    ai, off = ai_client(PROGRAM, None, env={})
    assert isinstance(ai, UnavailableAiClient) and off


def test_secrets_come_from_the_environment_when_declared() -> None:
    env = {"SHOP_API_TOKEN": "t0k", "UNDECLARED": "x"}
    assert secrets_from_env(PROGRAM, env) == {"SHOP_API_TOKEN": "t0k"}


def test_ai_is_real_with_a_key_and_mocks_win_over_it() -> None:
    from wactl.service.openai_ai import OpenAiClient

    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    ai, off = ai_client(PROGRAM, None, env=env)
    assert isinstance(ai, OpenAiClient) and not off
    mocks, _ = parse_mocks("m.yaml", MOCKS)
    assert isinstance(ai_client(PROGRAM, mocks, env=env)[0], MockAi)


def test_live_http_uses_aiohttp() -> None:
    from wactl.service.http_client import AiohttpHttpClient

    assert isinstance(http_client(None, live=True), AiohttpHttpClient)


def test_live_http_goes_under_the_projects_egress_policy() -> None:
    from wactl.compiler.egress import EgressPolicy
    from wactl.compiler.ir import IREgress
    from wactl.service.http_client import AiohttpHttpClient

    program = Program(project=IRProject(egress=IREgress(allow_hosts=["api.shop.example"])))
    client = http_client(None, True, program)
    assert isinstance(client, AiohttpHttpClient)
    assert client.policy == EgressPolicy(frozenset({"api.shop.example"}))
    local = http_client(None, True, program, allow_local=True)
    assert isinstance(local, AiohttpHttpClient) and local.policy.allow_local
