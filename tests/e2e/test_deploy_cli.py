"""`wactl deploy / status / rollback` against `wactl serve` on PostgreSQL, as subprocesses:
the plan counts the run in progress, that run finishes on its version while a new one
starts on the deployed one, and a rollback brings the old version back."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg
import pytest
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID, body, message
from serve_helpers import FLOW, SECRET, delivered, post, start_service, text_body, write_project

from wactl.service.postgres import create_pool
from wactl.service.postgres.management import Management
from wactl.service.webhook.signature import sign

pytestmark = pytest.mark.service

ASKED, NEW_ASK = "Chào bạn! Bạn tên gì?", "Xin chào! Cho mình biết tên nhé?"


async def _key(url: str) -> str:
    pool: asyncpg.Pool = await create_pool(url, max_size=1)
    try:
        return (await Management(pool).create_key("test_shop", "ci"))[1]
    finally:
        await pool.close()


async def _wactl(cwd: Path, key: str, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wactl.cli", *args, cwd=cwd, env={"WACTL_API_KEY": key,
                                                                "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def _signed(url: str, data: bytes) -> int:
    return await post(url, data, signature=sign(SECRET, data))


async def test_deploy_plans_applies_and_rolls_back_while_a_run_is_in_progress(
        tmp_path: Path, fresh_database: str) -> None:
    served_dir, repo = tmp_path / "served", tmp_path / "repo"
    served_dir.mkdir()
    repo.mkdir()
    write_project(served_dir)
    write_project(repo, {"hello.yaml": FLOW.replace(ASKED, NEW_ASK)})
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        served = await start_service(served_dir, graph, fresh_database)
        try:
            key, service = await _key(fresh_database), ["--service", served.url]
            assert await _signed(served.url, text_body("hi", 1)) == 200
            assert await delivered(graph, 1) == [ASKED]  # a run now waits for the name

            code, plan = await _wactl(repo, key, "deploy", "--dry-run", "--detailed-exitcode",
                                      *service)
            assert code == 2, plan
            assert "change" in plan and "Plan (not applied): 1 change(s)" in plan
            assert plan.splitlines()[1].split()[-1] == "1", "one run in progress"
            code, applied = await _wactl(repo, key, "deploy", *service)
            assert code == 0 and "Applied: 1 change(s)" in applied, applied
            code, again = await _wactl(repo, key, "deploy", "--detailed-exitcode", *service)
            assert code == 0 and "No changes" in again

            await asyncio.sleep(2.5)  # the service picks the deploy up within seconds
            assert await _signed(served.url, text_body("Mai", 2)) == 200
            newcomer = body(message("text", {"body": "hi"}, id="wamid.new",
                                    **{"from": "84900000009"}))
            assert await _signed(served.url, newcomer) == 200
            sent = await delivered(graph, 3)
            assert sent[0] == ASKED and sorted(sent[1:]) == sorted(
                ["Rất vui được gặp Mai.", NEW_ASK]), sent

            code, status = await _wactl(repo, key, "status", *service)
            assert code == 0 and "hello" in status and "version 2" in status, status
            assert "0 agent(s)" in status, status
            code, chart = await _wactl(repo, key, "stats", "hello", *service)
            assert code == 0 and "ask" in chart and "█" in chart, chart
            code, rolled = await _wactl(repo, key, "rollback", "hello", "--to", "1", *service)
            assert code == 0 and "version 1 is active" in rolled, rolled
            code, denied = await _wactl(repo, "wak_0000000000000000_" + "A" * 43, "status",
                                        *service)
            assert code == 1 and "401 unauthorized" in denied
        finally:
            await served.stop()
