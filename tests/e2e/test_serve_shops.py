"""Many shops on one `wactl serve`, as a subprocess on PostgreSQL: a second shop connects
its own number and token through the API and deploys its flows with `wactl deploy`;
the service answers each shop's customers with that shop's flows, from that shop's
number (the one the customer wrote to, once it has two), with that number's token.  A
restart on the same files keeps a deploy made through the API since.  The encryption
keys rotate while webhooks flow: nothing is lost, and the service reads the token under
the new key once the old one is gone."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID, change, encode, envelope, message
from serve_helpers import FLOW, SECRET, post, start_service, write_project

from wactl.service.crypto import Keyring
from wactl.service.postgres import create_pool
from wactl.service.postgres.management import Management
from wactl.service.webhook.signature import sign

pytestmark = pytest.mark.service

OTHER_NUMBER, OTHER_TOKEN = "200000000000002", "EAAG-other-shop-token"
SECOND_NUMBER, SECOND_TOKEN = "200000000000003", "EAAG-other-shop-second"
OTHER_FLOW = """
flow: welcome
trigger: {keyword: [hi]}
steps:
  - id: hello
    send: "Shop B xin chào!"
"""
ASKED, NEW_ASK = "Chào bạn! Bạn tên gì?", "Xin chào! Cho mình biết tên nhé?"


def _hi(number: str, customer: str, n: int) -> bytes:
    msg = message("text", {"body": "hi"}, id=f"wamid.shops{n}", **{"from": customer})
    contacts = [{"profile": {"name": "Khách"}, "wa_id": customer}]
    return encode(envelope(change(messages=[msg], contacts=contacts, phone_number_id=number)))


async def _signed(url: str, data: bytes) -> int:
    return await post(url, data, signature=sign(SECRET, data))


def _sent(graph: FakeGraph, number: str) -> list[tuple[str, str, str]]:
    """(customer, text, bearer token) of each message accepted from `number`."""
    return [(str(r.body["to"]), str(r.body.get("text", {}).get("body", "")),
             r.headers.get("Authorization", ""))
            for r in graph.posts() if r.status == 200 and r.body is not None
            and f"/{number}/messages" in r.path and "type" in r.body]


async def _until(graph: FakeGraph, number: str, count: int, seconds: float = 30
                 ) -> list[tuple[str, str, str]]:
    for _ in range(int(seconds / 0.1)):
        if len(_sent(graph, number)) >= count:
            break
        await asyncio.sleep(0.1)
    return _sent(graph, number)


async def _keys(url: str) -> tuple[str, str]:
    pool: asyncpg.Pool = await create_pool(url, max_size=1)
    try:
        keys = Management(pool)
        await keys.create_shop("other_shop")
        return ((await keys.create_key("test_shop", "ci"))[1],
                (await keys.create_key("other_shop", "ci"))[1])
    finally:
        await pool.close()


async def _api(url: str, key: str, method: str, path: str, data: object) -> int:
    async with aiohttp.ClientSession() as s, s.request(
            method, f"{url}/api{path}", json=data,
            headers={"Authorization": f"Bearer {key}"}) as answer:
        return answer.status


async def _wactl(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wactl.cli", *args, cwd=cwd, env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def _stored_token(url: str) -> str:
    pool: asyncpg.Pool = await create_pool(url, max_size=1)
    try:
        return str(await pool.fetchval("SELECT access_token FROM accounts "
                                       "WHERE phone_number_id = $1", OTHER_NUMBER))
    finally:
        await pool.close()


async def test_two_shops_are_served_from_their_own_numbers_and_survive_a_restart(
        tmp_path: Path, fresh_database: str) -> None:
    served_dir, repo_a, repo_b = tmp_path / "served", tmp_path / "a", tmp_path / "b"
    for d in (served_dir, repo_a, repo_b):
        d.mkdir()
    write_project(served_dir)
    write_project(repo_a, {"hello.yaml": FLOW.replace(ASKED, NEW_ASK)})
    write_project(repo_b, {"welcome.yaml": OTHER_FLOW}, "shop: other_shop\n")
    key_file = tmp_path / "keys"
    key_file.write_text(Keyring.generate_line("k1") + "\n")
    settings = {"WACTL_ENCRYPTION_KEY_FILE": str(key_file)}
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID,
                         numbers={OTHER_NUMBER: OTHER_TOKEN,
                                  SECOND_NUMBER: SECOND_TOKEN}) as graph:
        served = await start_service(served_dir, graph, fresh_database, **settings)
        try:
            key_a, key_b = await _keys(fresh_database)
            assert await _api(served.url, key_b, "POST", "/accounts", {
                "phone_number_id": OTHER_NUMBER, "display_phone": "+84 28 0000 0002",
                "access_token": OTHER_TOKEN}) == 201
            code, out = await _wactl(repo_b, {"WACTL_API_KEY": key_b}, "deploy",
                                     "--service", served.url)
            assert code == 0 and "Applied" in out, out
            await asyncio.sleep(1.0)  # heard through LISTEN; the routes refresh within 10 s
            for n in range(60):  # until the new number is routed
                assert await _signed(served.url, _hi(OTHER_NUMBER, "84900000001", n)) == 200
                if await _until(graph, OTHER_NUMBER, 1, 0.5):
                    break
            assert await _signed(served.url, _hi(PHONE_NUMBER_ID, "84900000002", 100)) == 200
            b_sent = await _until(graph, OTHER_NUMBER, 1)
            a_sent = await _until(graph, PHONE_NUMBER_ID, 1)
            assert b_sent[0] == ("84900000001", "Shop B xin chào!", f"Bearer {OTHER_TOKEN}")
            assert a_sent == [("84900000002", ASKED, f"Bearer {graph.access_token}")]

            await _a_second_number_answers_its_own_customers(served.url, graph, key_b)
            await _bad_deploys_change_nothing(served.url, key_a, key_b, repo_b)
            code, out = await _wactl(repo_a, {"WACTL_API_KEY": key_a}, "deploy",
                                     "--service", served.url)
            assert code == 0 and "Applied" in out, out
        finally:
            await served.stop()
        assert OTHER_TOKEN.encode() not in served.drain.result(), "no token in any log line"
        served = await start_service(served_dir, graph, fresh_database, **settings)
        try:  # the same files again: the deploy made through the API stays active
            assert await _signed(served.url, _hi(PHONE_NUMBER_ID, "84900000003", 101)) == 200
            assert await _signed(served.url, _hi(OTHER_NUMBER, "84900000004", 102)) == 200
            a_sent = await _until(graph, PHONE_NUMBER_ID, 2)
            assert a_sent[1][:2] == ("84900000003", NEW_ASK), a_sent
            assert ("84900000004", "Shop B xin chào!", f"Bearer {OTHER_TOKEN}") in \
                await _until(graph, OTHER_NUMBER, len(b_sent) + 2)
            await _rotate_while_webhooks_flow(served.url, graph, fresh_database, key_file,
                                              repo_b)
        finally:
            await served.stop()


async def _a_second_number_answers_its_own_customers(url: str, graph: FakeGraph,
                                                     key_b: str) -> None:
    """Shop B connects a second number: a customer who writes to it is answered from it,
    with its token, and from the first number once they write there."""
    assert await _api(url, key_b, "POST", "/accounts", {
        "phone_number_id": SECOND_NUMBER, "access_token": SECOND_TOKEN}) == 201
    for n in range(200, 260):  # until the routes are read again (every 10 s)
        assert await _signed(url, _hi(SECOND_NUMBER, "84900000005", n)) == 200
        if await _until(graph, SECOND_NUMBER, 1, 0.5):
            break
    assert _sent(graph, SECOND_NUMBER)[0] == ("84900000005", "Shop B xin chào!",
                                              f"Bearer {SECOND_TOKEN}")
    first = len(_sent(graph, OTHER_NUMBER))
    assert await _signed(url, _hi(OTHER_NUMBER, "84900000005", 300)) == 200
    assert (await _until(graph, OTHER_NUMBER, first + 1))[first] == (
        "84900000005", "Shop B xin chào!", f"Bearer {OTHER_TOKEN}")


async def _bad_deploys_change_nothing(url: str, key_a: str, key_b: str, repo_b: Path) -> None:
    """Another shop's bundle, an edited bundle, a 10 MB body, a revoked key: each a JSON
    error, and the shops' flows as they were."""
    code, out = await _wactl(repo_b, {}, "compile", "-o", "bundle.json")
    assert code == 0, out
    bundle = json.loads((repo_b / "bundle.json").read_text())
    edited = json.loads(json.dumps(bundle).replace("Shop B xin", "Shop B chào"))
    before = [await _get(url, k, "/flows") for k in (key_a, key_b)]
    for key, data, status, code_ in [
            (key_a, {"bundle": bundle}, 403, "wrong_shop"),
            (key_b, {"bundle": edited}, 422, "bad_bundle"),
            (key_b, {"bundle": {"flows": "x" * (10 << 20)}}, 413, None),
            ("wak_0000000000000000_" + "A" * 43, {"bundle": bundle}, 401, "unauthorized")]:
        async with aiohttp.ClientSession() as s, s.post(
                f"{url}/api/deploy", data=io.BytesIO(json.dumps(data).encode()),
                headers={"Authorization": f"Bearer {key}",
                         "Content-Type": "application/json"}) as answer:
            error = await answer.json()
            assert answer.status == status, error
            assert code_ is None or error["error"]["code"] == code_, error
    assert [await _get(url, k, "/flows") for k in (key_a, key_b)] == before


async def _get(url: str, key: str, path: str) -> object:
    async with aiohttp.ClientSession() as s, s.get(
            f"{url}/api{path}", headers={"Authorization": f"Bearer {key}"}) as answer:
        assert answer.status == 200
        return await answer.json()


async def _rotate_while_webhooks_flow(url: str, graph: FakeGraph, database: str,
                                      key_file: Path, cwd: Path) -> None:
    before = len(_sent(graph, OTHER_NUMBER))
    assert (await _stored_token(database)).startswith("v1.k1.")
    old = key_file.read_text()
    key_file.write_text(old + Keyring.generate_line("k2") + "\n")
    await asyncio.sleep(2.5)  # every replica reads the file again (within 2 s)

    async def flow(start: int) -> None:
        for n in range(start, start + 20):
            assert await _signed(url, _hi(OTHER_NUMBER, f"849100{n:05d}", n)) == 200
            await asyncio.sleep(0.02)

    traffic = asyncio.create_task(flow(1000))
    code, out = await _wactl(cwd, {"DATABASE_URL": database,
                                   "WACTL_ENCRYPTION_KEY_FILE": str(key_file)},
                             "keys", "rotate")
    await traffic
    assert code == 0 and "under key k2" in out, out
    assert (await _stored_token(database)).startswith("v1.k2.")
    key_file.write_text(key_file.read_text().splitlines()[1] + "\n")  # only k2 is left
    await asyncio.sleep(12)  # the file is read again, and the token (cached 10 s) too
    await flow(2000)
    sent = await _until(graph, OTHER_NUMBER, before + 40)
    customers = {to for to, _, _ in sent[before:]}
    assert len(sent) - before == 40 and len(customers) == 40, sent[before:]
    assert {token for _, _, token in sent[before:]} == {f"Bearer {OTHER_TOKEN}"}
