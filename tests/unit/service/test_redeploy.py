"""A restart with changed flows strands no run: it finishes on the version it started on.

Two services one after the other over one store, as a redeploy of `wactl serve` is:
the first asks a question with flow version 1, the second (flows changed) gets the
answer and replies from version 1, while a new customer gets version 2.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer
from fakes.webhooks import PHONE_NUMBER_ID, body, message

from wactl.compiler import compile_project
from wactl.runtime.memory import InMemoryChannel, ManualClock, MemoryStore, UnavailableHttpClient
from wactl.service.app import Service, build_service, make_app
from wactl.service.config import load_config
from wactl.service.webhook.signature import sign

SECRET = "s3cret"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _flow(version: str) -> str:
    return (f"flow: hi\ntrigger: {{keyword: [hi]}}\nsteps:\n"
            f"  - {{id: name, ask: Your name?, save: name}}\n"
            f"  - {{id: thanks, send: 'Thanks {{{{ name }}}} ({version})'}}\n")


async def _service(store: MemoryStore, version: str) -> tuple[Service, InMemoryChannel]:
    program = compile_project({"flows/hi.yaml": _flow(version)}).program
    assert program is not None
    config = load_config({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v",
                          "WACTL_ACCESS_TOKEN": "t", "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID})
    channel = InMemoryChannel()
    service = await build_service(config, program, channel=channel, clock=ManualClock(T0),
                                  http=UnavailableHttpClient(), stores=(store, store.inbox))
    return service, channel


async def _say(service: Service, wa_id: str, text: str, n: int) -> None:
    sent = message("text", {"body": text}, id=f"wamid.{wa_id}.{n}",
                   timestamp=str(int(T0.timestamp()) + n), **{"from": wa_id})
    data = body(sent)
    async with TestClient(TestServer(make_app(service))) as client:
        answer = await client.post("/webhooks", data=data,
                                   headers={"X-Hub-Signature-256": sign(SECRET, data)})
        assert answer.status == 200
    while await service.workers.round():
        pass


def _texts(channel: InMemoryChannel) -> list[str]:
    return [getattr(m, "text", "") for _, m in channel.outbox]


async def test_a_run_started_before_a_redeploy_finishes_on_its_version() -> None:
    store = MemoryStore()
    first, before = await _service(store, "v1")
    await _say(first, "84900000001", "hi", 1)
    assert _texts(before) == ["Your name?"]
    await first.close()
    second, after = await _service(store, "v2")
    await _say(second, "84900000001", "Lan", 2)
    await _say(second, "84900000002", "hi", 3)
    await _say(second, "84900000002", "Minh", 4)
    assert _texts(after) == ["Thanks Lan (v1)", "Your name?", "Thanks Minh (v2)"]
    versions = store.shop(next(iter(second.conductor.engines))).flow_versions
    kept = await versions.versions()
    assert len(kept) == 2 and await versions.active() == {"hi": kept[1].hash}
    await second.close()
