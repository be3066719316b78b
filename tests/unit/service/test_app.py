"""The webhook handler in process: a store that fails answers 503 and loses nothing."""

from __future__ import annotations

from datetime import datetime

from aiohttp.test_utils import TestClient, TestServer
from fakes.webhooks import PHONE_NUMBER_ID, body, message

from wactl.compiler import compile_project
from wactl.runtime.events import Event
from wactl.runtime.inbox import ForwardingInbox, InboxRow, InboxStore
from wactl.runtime.memory import InMemoryChannel, UnavailableHttpClient
from wactl.service.app import build_service, make_app
from wactl.service.config import load_config
from wactl.service.webhook.signature import sign

SECRET = "s3cret"
FLOW = "flow: hi\ntrigger: {keyword: [hi]}\nsteps:\n  - {id: s, send: Hello}\n"


class DownInbox(ForwardingInbox):
    """The database is gone while `down` is set."""

    def __init__(self, inner: InboxStore) -> None:
        super().__init__(inner)
        self.down = True

    async def put(self, items: list[tuple[str, Event]], *, at: datetime) -> list[InboxRow]:
        if self.down:
            raise ConnectionError("connection refused")
        return await self.inner.put(items, at=at)


async def test_a_store_outage_answers_503_and_the_redelivery_is_answered() -> None:
    program = compile_project({"flows/hi.yaml": FLOW}).program
    assert program is not None
    config = load_config({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v",
                          "WACTL_ACCESS_TOKEN": "t", "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID})
    channel = InMemoryChannel()
    service = await build_service(config, program, channel=channel,
                                  http=UnavailableHttpClient())
    down = DownInbox(service.inbox)
    service.inbox = service.group.inner = down
    assert service.workers.inbox is not None
    service.workers.inbox.inbox = down
    data = body(message("text", {"body": "hi"}))
    headers = {"X-Hub-Signature-256": sign(SECRET, data)}
    async with TestClient(TestServer(make_app(service))) as client:
        answer = await client.post("/webhooks", data=data, headers=headers)
        assert answer.status == 503
        assert await service.workers.round() == 0 and channel.outbox == []
        async with client.get("/readyz") as ready:
            assert ready.status == 200  # the runtime store answers; only the inbox failed
        down.down = False  # WhatsApp delivers the body again
        answer = await client.post("/webhooks", data=data, headers=headers)
        assert answer.status == 200
        while await service.workers.round():
            pass
    assert [getattr(m, "text", "") for _, m in channel.outbox] == ["Hello"]
    await service.close()
