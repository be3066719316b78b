"""Every payload kind WhatsApp sends, signed, through the service's handler and workers.

A catch-all flow (`regex: "(?s).*"`) answers any message with text.  Each body gets a
200 and its message logged; what has text starts the flow once; statuses, reactions
(and their removal), system notices and unsupported messages start nothing.  The
reference samples go through the same way.  In process (aiohttp's test server): the
handler and workers are those `wactl serve` runs; the subprocess tests
(`tests/e2e/test_serve*.py`) cover the process around them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fakes.webhooks import (
    CUSTOMER,
    PHONE_NUMBER_ID,
    SAMPLES,
    body,
    change,
    encode,
    envelope,
    message,
)

from wactl.compiler import compile_project
from wactl.runtime.memory import InMemoryChannel, MemoryStore, UnavailableHttpClient
from wactl.service.app import build_service, make_app
from wactl.service.config import load_config
from wactl.service.webhook.signature import sign

SECRET = "s3cret"
FLOW = 'flow: any\ntrigger: {regex: "(?s).*"}\nsteps:\n  - {id: s, send: "ok"}\n'
SENT = "wamid.HBgLODQ5MTIzNDU2NzgVAgARGBIwQUU3MUM1RjM5RTE5MTA5NTIA"
MEDIA = {"mime_type": "image/jpeg", "sha256": "b1", "id": "1479537139650973"}

STARTS: dict[str, dict[str, Any]] = {
    "text": message("text", {"body": "Chào, còn lịch thứ 6 không?"}),
    "image with caption": message("image", {**MEDIA, "caption": "Răng hàm bên trái"}),
    "document with caption": message("document", {
        "caption": "Kết quả X-quang", "filename": "xquang.pdf", "mime_type": "application/pdf",
        "sha256": "bb", "id": "2002"}),
    "button reply": message("interactive", {
        "type": "button_reply", "button_reply": {"id": "yes", "title": "Đồng ý"}},
        context={"from": "842873001122", "id": SENT}),
    "list reply": message("interactive", {"type": "list_reply", "list_reply": {
        "id": "svc", "title": "Cạo vôi răng", "description": "30 phút"}}),
    "template quick reply": message("button", {"payload": "CONFIRM", "text": "Xác nhận"},
                                    context={"from": "842873001122", "id": SENT}),
    "order": message("order", {"catalog_id": "C1", "text": "Giao trước 5h", "product_items": [
        {"product_retailer_id": "SKU-1", "quantity": 2, "item_price": 150000,
         "currency": "VND"}]}),
    "ad referral": message("text", {"body": "Tôi muốn biết thêm"}, referral={
        "source_url": "https://fb.me/abc", "source_id": "1", "source_type": "ad",
        "headline": "-30%", "body": "Đặt lịch", "media_type": "image", "ctwa_clid": "AR"}),
    "whatsapp flow reply": message("interactive", {"type": "nfm_reply", "nfm_reply": {
        "name": "flow", "body": "Sent", "response_json": '{"flow_token": "tok-1"}'}}),
}
"""Messages with text: the catch-all flow answers each once."""

QUIET: dict[str, dict[str, Any]] = {
    "image without caption": message("image", MEDIA),
    "voice": message("audio", {"mime_type": "audio/ogg; codecs=opus", "id": "2005",
                               "voice": True}),
    "sticker": message("sticker", {"mime_type": "image/webp", "id": "2004", "animated": False}),
    "location": message("location", {"latitude": 10.7769, "longitude": 106.7009}),
    "contacts": message("contacts", None, contacts=[{"name": {"formatted_name": "Bình"},
                                                     "phones": []}]),
    "reaction": message("reaction", {"message_id": SENT, "emoji": "\U0001f44d"}),
    "reaction removed": message("reaction", {"message_id": SENT, "emoji": ""}),
    "system": message("system", {"body": "changed number", "new_wa_id": "84987654321",
                                 "type": "user_changed_number"}),
    "unsupported": message("unsupported", None, errors=[{
        "code": 131051, "title": "Message type unknown", "message": "Message type unknown"}]),
    "a type nobody knows": message("hologram", {"id": "x"}),
}
"""Messages a text trigger cannot match, and those that never start a flow."""


async def _serve(data: bytes) -> tuple[int, InMemoryChannel, MemoryStore]:
    program = compile_project({"flows/any.yaml": FLOW}).program
    assert program is not None
    config = load_config({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v",
                          "WACTL_ACCESS_TOKEN": "t", "WACTL_PHONE_NUMBER_ID": PHONE_NUMBER_ID})
    channel, store = InMemoryChannel(), MemoryStore()
    service = await build_service(config, program, channel=channel,
                                  http=UnavailableHttpClient(), stores=(store, store.inbox))
    async with TestClient(TestServer(make_app(service))) as client:
        answer = await client.post("/webhooks", data=data,
                                   headers={"X-Hub-Signature-256": sign(SECRET, data)})
    while await service.workers.round():
        pass
    await service.close()
    return answer.status, channel, store


async def _logged(store: MemoryStore, wa_id: str = CUSTOMER) -> list[str]:
    shop = store.shop("default")
    return [m.kind for m in await shop.conversations.messages(wa_id) if m.direction == "in"]


@pytest.mark.parametrize("name", sorted(STARTS))
async def test_a_message_with_text_starts_the_flow_once(name: str) -> None:
    status, channel, store = await _serve(body(STARTS[name]))
    assert status == 200
    assert [getattr(m, "text", None) for _, m in channel.outbox] == ["ok"]
    assert len(await _logged(store)) == 1


@pytest.mark.parametrize("name", sorted(QUIET))
async def test_a_message_without_text_is_logged_and_starts_nothing(name: str) -> None:
    status, channel, store = await _serve(body(QUIET[name]))
    assert status == 200
    assert channel.outbox == []
    assert len(await _logged(store)) == 1  # every message is in the log, a notice too


async def test_statuses_start_nothing_and_store_no_message() -> None:
    statuses = [{"id": SENT, "status": s, "timestamp": "1795560100", "recipient_id": CUSTOMER}
                for s in ("sent", "delivered", "read")]
    failed = {"id": SENT, "status": "failed", "timestamp": "1795560101",
              "recipient_id": CUSTOMER, "errors": [{"code": 131026, "title": "Undeliverable"}]}
    status, channel, store = await _serve(encode(envelope(change(statuses=[*statuses, failed]))))
    assert status == 200 and channel.outbox == []
    assert await _logged(store) == []


async def test_several_entries_and_changes_and_other_fields_in_one_body() -> None:
    texts = [change(messages=[message("text", {"body": f"m{i}"}, id=f"wamid.m{i}",
                                      **{"from": f"8490000000{i}"})]) for i in range(3)]
    other = change(field="account_update")
    stranger = change(messages=[message("text", {"body": "x"}, id="wamid.s")],
                      phone_number_id="999999999999999")
    data = encode(envelope(*texts, other, stranger, entries=2))
    status, channel, store = await _serve(data)
    assert status == 200
    assert sorted(m.to for _, m in channel.outbox) == [f"8490000000{i}" for i in range(3)]
    assert await _logged(store) == []  # the number no shop owns was skipped


def _sample_paths() -> list[Path]:
    found = sorted(SAMPLES.glob("*.json"))
    assert found, f"no sample bodies in {SAMPLES}"
    return found


async def test_every_reference_sample_is_accepted_and_only_messages_are_answered() -> None:
    for path in _sample_paths():
        status, channel, _ = await _serve(path.read_bytes())
        assert status == 200, path.name
        replies = len(channel.outbox)
        if "status" in path.name:
            assert replies == 0, path.name
        else:
            assert replies >= 1, path.name
