"""The WhatsApp Cloud API client against the fake Graph API on 127.0.0.1.

Retries wait through a recording sleep and the breaker and throttle read a test clock,
so nothing here waits for real time except the timeout test's short timeouts (and
nothing asserts wall-clock time).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fakes.graph_server import Answer, FakeGraph
from pydantic import ValidationError

from wactl.runtime.effects import (
    Button,
    Row,
    Section,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)
from wactl.runtime.ports import Channel, ChannelError
from wactl.service.whatsapp import (
    DEFAULT_BASE,
    CircuitBreaker,
    GraphClient,
    GraphSettings,
    TokenBucket,
)

TOKEN = "EAAG-secret-token-0123456789"
TO = "84912345678"


@dataclass
class FakeTime:
    """A clock the test moves; `sleep` moves it too and remembers each wait."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    async with FakeGraph(access_token=TOKEN) as server:
        yield server


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def _client(fake: FakeGraph, time: FakeTime, **options: Any) -> GraphClient:
    options.setdefault("clock", time)
    options.setdefault("sleep", time.sleep)
    return GraphClient(fake.base_url, TOKEN, fake.phone_number_id, **options)


async def _send_one(fake: FakeGraph, time: FakeTime, message: Any) -> dict[str, Any]:
    async with _client(fake, time) as client:
        wamid = await client.send(message)
    [request] = fake.posts()
    assert request.path == f"/v21.0/{fake.phone_number_id}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"].startswith("application/json")
    assert wamid.startswith("wamid.HBgL")
    assert request.body is not None
    return request.body


# --------------------------------------------------------------------------- bodies


async def test_a_text_is_sent_as_meta_shapes_it_and_its_wamid_returned(
        fake: FakeGraph, time: FakeTime) -> None:
    async with _client(fake, time) as client:
        channel: Channel = client
        first = await channel.send(SendText(TO, "Chào chị Mai, lịch hẹn đã được xác nhận."))
        second = await channel.send(SendText(TO, "Hẹn gặp lại"))
    assert first != second and first.startswith("wamid.")
    assert fake.posts()[0].body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
        "type": "text",
        "text": {"preview_url": False, "body": "Chào chị Mai, lịch hẹn đã được xác nhận."}}


@pytest.mark.parametrize(("kind", "caption", "expected"), [
    ("image", "Our new menu", {"link": "https://cdn.shop.example/menu.jpg",
                               "caption": "Our new menu"}),
    ("video", None, {"link": "https://cdn.shop.example/menu.jpg"}),
    ("audio", "ignored: audio takes no caption", {"link": "https://cdn.shop.example/menu.jpg"}),
])
async def test_media_goes_by_link_with_its_caption(fake: FakeGraph, time: FakeTime, kind: Any,
                                                   caption: str | None,
                                                   expected: dict[str, str]) -> None:
    body = await _send_one(fake, time, SendMedia(TO, kind, "https://cdn.shop.example/menu.jpg",
                                                 caption))
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual",
                    "to": TO, "type": kind, kind: expected}


async def test_a_document_carries_its_file_name(fake: FakeGraph, time: FakeTime) -> None:
    link = "https://cdn.shop.example/invoices/H%C3%B3a%20%C4%91%C6%A1n-42.pdf?sig=x"
    body = await _send_one(fake, time, SendMedia(TO, "document", link, "Your invoice"))
    assert body["document"] == {"link": link, "caption": "Your invoice",
                                "filename": "Hóa đơn-42.pdf"}


async def test_reply_buttons_with_a_media_header(fake: FakeGraph, time: FakeTime) -> None:
    message = SendInteractive(TO, "Chọn giờ khám",
                              buttons=(Button("slot_0930", "9:30"), Button("slot_1400", "14:00")),
                              header_media=("image", "https://cdn.shop.example/clinic.png"))
    body = await _send_one(fake, time, message)
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "header": {"type": "image", "image": {"link": "https://cdn.shop.example/clinic.png"}},
        "body": {"text": "Chọn giờ khám"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "slot_0930", "title": "9:30"}},
                               {"type": "reply", "reply": {"id": "slot_1400", "title": "14:00"}}]}}


async def test_a_list_with_sections_rows_and_a_text_header(fake: FakeGraph,
                                                           time: FakeTime) -> None:
    message = SendInteractive(
        TO, "Dịch vụ của chúng tôi", list_button="Xem dịch vụ", header_text="Spa",
        sections=(Section("Massage", (Row("m60", "60 phút", "350.000đ"), Row("m90", "90 phút"))),
                  Section(None, (Row("nail", "Nail"),))))
    body = await _send_one(fake, time, message)
    assert body["interactive"] == {
        "type": "list", "header": {"type": "text", "text": "Spa"},
        "body": {"text": "Dịch vụ của chúng tôi"},
        "action": {"button": "Xem dịch vụ", "sections": [
            {"title": "Massage", "rows": [
                {"id": "m60", "title": "60 phút", "description": "350.000đ"},
                {"id": "m90", "title": "90 phút"}]},
            {"rows": [{"id": "nail", "title": "Nail"}]}]}}


async def test_a_template_names_its_language_and_body_parameters(fake: FakeGraph,
                                                                 time: FakeTime) -> None:
    body = await _send_one(fake, time, SendTemplate("16465550187", "appointment_reminder",
                                                    "en_US", ("Thu 27 Nov, 3pm", "Dr. Lan")))
    assert body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16465550187",
        "type": "template",
        "template": {"name": "appointment_reminder", "language": {"code": "en_US"},
                     "components": [{"type": "body", "parameters": [
                         {"type": "text", "text": "Thu 27 Nov, 3pm"},
                         {"type": "text", "text": "Dr. Lan"}]}]}}


async def test_a_template_without_parameters_has_no_components(fake: FakeGraph,
                                                               time: FakeTime) -> None:
    body = await _send_one(fake, time, SendTemplate(TO, "hello_world", "vi"))
    assert body["template"] == {"name": "hello_world", "language": {"code": "vi"}}


async def test_mark_as_read(fake: FakeGraph, time: FakeTime) -> None:
    async with _client(fake, time) as client:
        await client.mark_read("wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzQUI=")
    assert fake.posts()[0].body == {"messaging_product": "whatsapp", "status": "read",
                                    "message_id": "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzQUI="}


async def test_a_text_with_a_link_asks_for_its_preview(fake: FakeGraph, time: FakeTime) -> None:
    body = await _send_one(fake, time, SendText(TO, "Track it: https://ghn.vn/t/10423"))
    assert body["text"] == {"preview_url": True, "body": "Track it: https://ghn.vn/t/10423"}


# --------------------------------------------------------------------------- retries


async def test_two_server_errors_then_success_deliver_once_in_three_requests(
        fake: FakeGraph, time: FakeTime) -> None:
    fake.server_error().server_error(503)
    async with _client(fake, time) as client:
        wamid = await client.send(SendText(TO, "Hello"))
    assert len(fake.posts()) == 3 and len(fake.delivered()) == 1
    assert wamid.startswith("wamid.")
    assert time.waits == [0.5, 1.5]


async def test_server_errors_past_the_retries_are_retryable(fake: FakeGraph,
                                                            time: FakeTime) -> None:
    for _ in range(4):
        fake.server_error()
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("131000", True)
    assert len(fake.posts()) == 4 and time.waits == [0.5, 1.5, 4.5]


async def test_429_and_130429_are_retried(fake: FakeGraph, time: FakeTime) -> None:
    fake.too_many_requests().throughput_limited()
    async with _client(fake, time) as client:
        await client.send(SendText(TO, "Hello"))
    assert len(fake.posts()) == 3 and len(fake.delivered()) == 1


async def test_outside_the_window_is_final_with_its_code_and_not_retried(
        fake: FakeGraph, time: FakeTime) -> None:
    fake.outside_window()
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Our sale starts today"))
    assert (caught.value.code, caught.value.retryable) == ("131047", False)
    assert "24h" in str(caught.value) and len(fake.posts()) == 1 and time.waits == []


async def test_a_pair_rate_limit_is_retryable_but_not_retried_at_once(
        fake: FakeGraph, time: FakeTime) -> None:
    fake.error(400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("131056", True)
    assert len(fake.posts()) == 1 and time.waits == []


async def test_undeliverable_is_final(fake: FakeGraph, time: FakeTime) -> None:
    fake.undeliverable()
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("131026", False)
    assert len(fake.posts()) == 1


async def test_an_unknown_code_is_final_with_that_code(fake: FakeGraph, time: FakeTime) -> None:
    fake.error(400, 131009, "(#131009) Parameter value is not valid",
               details="Duplicate button id", subcode=2494010)
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("131009", False)
    assert "Duplicate button id" in str(caught.value) and "2494010" in str(caught.value)


async def test_a_bad_gateway_page_is_retried_and_named_by_its_status(
        fake: FakeGraph, time: FakeTime) -> None:
    for _ in range(4):
        fake.not_json()
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("http_502", True)


async def test_an_answer_without_a_message_id_is_final(fake: FakeGraph,
                                                        time: FakeTime) -> None:
    fake.then(Answer(200, {"messaging_product": "whatsapp", "messages": []}))
    fake.then(Answer(200, {"padding": "x" * (2 << 20)}))
    async with _client(fake, time) as client:
        for code in ("bad_response", "answer_too_large"):
            with pytest.raises(ChannelError) as caught:
                await client.send(SendText(TO, "Hello"))
            assert (caught.value.code, caught.value.retryable) == (code, False)
    assert len(fake.posts()) == 2  # it may have gone out: never sent again


async def test_timeouts_are_retried_then_retryable(fake: FakeGraph, time: FakeTime) -> None:
    for _ in range(4):
        fake.hang()
    async with _client(fake, time, timeout=0.2) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("timeout", True)
    assert len(fake.posts()) == 4 and time.waits == [0.5, 1.5, 4.5]


async def test_a_timeout_then_an_answer_delivers(fake: FakeGraph, time: FakeTime) -> None:
    fake.hang()
    async with _client(fake, time, timeout=0.2) as client:
        assert (await client.send(SendText(TO, "Hello"))).startswith("wamid.")
    assert len(fake.posts()) == 2


async def test_a_refused_connection_is_retryable_at_once(time: FakeTime) -> None:
    async with FakeGraph(access_token=TOKEN) as gone:
        base = gone.base_url
    async with GraphClient(base, TOKEN, "1", clock=time, sleep=time.sleep) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("connection", True)
    assert time.waits == []


# --------------------------------------------------------------------------- the token


async def test_an_expired_token_is_final_with_a_clear_message(fake: FakeGraph,
                                                              time: FakeTime) -> None:
    fake.expired_token()
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("190", False)
    assert "WACTL_ACCESS_TOKEN" in str(caught.value) and "463" in str(caught.value)


async def test_the_token_never_appears_in_errors_logs_or_repr(
        fake: FakeGraph, time: FakeTime, caplog: pytest.LogCaptureFixture) -> None:
    fake.error(500, 1, f"An unknown error occurred for token {TOKEN}")
    fake.error(400, 190, f"Malformed access token {TOKEN}")
    with caplog.at_level(logging.DEBUG):
        async with _client(fake, time) as client:
            with pytest.raises(ChannelError) as caught:
                await client.send(SendText(TO, "Hello"))
            assert TOKEN not in repr(client)
    assert caught.value.code == "190"
    assert "Malformed access token [redacted]" in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert caplog.records and TOKEN not in caplog.text


async def test_a_wrong_token_is_refused_by_the_fake_and_final(fake: FakeGraph,
                                                              time: FakeTime) -> None:
    async with GraphClient(fake.base_url, "EAAG-wrong", fake.phone_number_id, clock=time,
                           sleep=time.sleep) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert (caught.value.code, caught.value.retryable) == ("190", False)
    assert "EAAG-wrong" not in str(caught.value)


# --------------------------------------------------------------------------- breaker


async def test_the_breaker_opens_on_failures_and_closes_after_its_time(
        fake: FakeGraph, time: FakeTime) -> None:
    breaker = CircuitBreaker(clock=time, min_calls=4)
    for _ in range(4):
        fake.server_error()
    async with _client(fake, time, breaker=breaker, retry_delays=()) as client:
        for _ in range(4):
            with pytest.raises(ChannelError) as caught:
                await client.send(SendText(TO, "Hello"))
            assert caught.value.code == "131000"
        time.now += 29
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
        assert (caught.value.code, caught.value.retryable) == ("circuit_open", True)
        assert len(fake.posts()) == 4  # failed fast, nothing sent
        time.now += 1
        assert (await client.send(SendText(TO, "Hello"))).startswith("wamid.")
    assert len(fake.posts()) == 5


async def test_the_breaker_stops_retries_once_it_opens(fake: FakeGraph, time: FakeTime) -> None:
    breaker = CircuitBreaker(clock=time, min_calls=2)
    for _ in range(4):
        fake.server_error()
    async with _client(fake, time, breaker=breaker) as client:
        with pytest.raises(ChannelError) as caught:
            await client.send(SendText(TO, "Hello"))
    assert caught.value.code == "circuit_open" and len(fake.posts()) == 2


async def test_refusals_of_one_message_do_not_open_the_breaker(fake: FakeGraph,
                                                              time: FakeTime) -> None:
    breaker = CircuitBreaker(clock=time, min_calls=2)
    fake.outside_window().undeliverable().outside_window()
    async with _client(fake, time, breaker=breaker) as client:
        for _ in range(3):
            with pytest.raises(ChannelError):
                await client.send(SendText(TO, "Hello"))
        assert not breaker.is_open
        await client.send(SendText(TO, "Hello"))


def test_the_breaker_counts_only_its_window(time: FakeTime) -> None:
    breaker = CircuitBreaker(clock=time, min_calls=4)
    for ok in (False, False, True):
        breaker.record(ok)
    time.now += 31  # those fell out of the window
    for ok in (False, True, True):
        breaker.record(ok)
    assert not breaker.is_open
    breaker.record(False)  # 2 of 4 in the window: half
    assert breaker.is_open


# --------------------------------------------------------------------------- throughput


async def test_the_throttle_spaces_sends_past_the_burst(fake: FakeGraph,
                                                        time: FakeTime) -> None:
    throttle = TokenBucket(2, clock=time, sleep=time.sleep)
    async with _client(fake, time, throttle=throttle) as client:
        sent_at = []
        for n in range(5):
            await client.send(SendText(TO, f"#{n}"))
            sent_at.append(time.now - 1000.0)
    assert sent_at == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.5])
    assert [b["text"]["body"] for b in fake.delivered()] == ["#0", "#1", "#2", "#3", "#4"]


async def test_the_default_throttle_lets_80_a_second_through(time: FakeTime) -> None:
    throttle = TokenBucket(80, clock=time, sleep=time.sleep)
    for _ in range(80):
        await throttle.acquire()
    assert time.waits == []
    await throttle.acquire()
    assert time.waits == [pytest.approx(1 / 80)]


# --------------------------------------------------------------------------- media


async def test_media_is_downloaded_by_id_with_the_token(fake: FakeGraph, time: FakeTime) -> None:
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    fake.add_media("1037543291543636", photo, "image/jpeg")
    async with _client(fake, time) as client:
        media = await client.media("1037543291543636")
    assert (media.content, media.mime_type) == (photo, "image/jpeg")
    describe, download = fake.requests
    assert describe.path == "/v21.0/1037543291543636" and download.path.startswith("/media/")
    assert download.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_media_over_the_limit_is_refused(fake: FakeGraph, time: FakeTime) -> None:
    fake.add_media("11", b"x" * 5000, file_size="5000")  # some versions send a string
    fake.add_media("12", b"y" * 5000, file_size=10)  # the description understates it
    async with _client(fake, time, max_media=4096) as client:
        for media_id, requests in (("11", 1), ("12", 3)):
            with pytest.raises(ChannelError) as caught:
                await client.media(media_id)
            assert (caught.value.code, caught.value.retryable) == ("media_too_large", False)
            assert len(fake.requests) == requests  # "11": the file itself never fetched


async def test_media_with_a_wrong_digest_or_unknown_id_is_refused(fake: FakeGraph,
                                                                  time: FakeTime) -> None:
    fake.add_media("21", b"pdf bytes", "application/pdf", sha256="0" * 64)
    async with _client(fake, time) as client:
        with pytest.raises(ChannelError) as corrupt:
            await client.media("21")
        with pytest.raises(ChannelError) as unknown:
            await client.media("22")
        with pytest.raises(ChannelError) as bad_id:
            await client.media("../21/messages")
    assert corrupt.value.code == "media_corrupt"
    assert (unknown.value.code, unknown.value.retryable) == ("100", False)
    assert bad_id.value.code == "bad_media_id"


# --------------------------------------------------------------------------- settings


async def test_settings_from_the_environment_make_a_working_client(fake: FakeGraph) -> None:
    env = {"WACTL_GRAPH_API_BASE": fake.base_url, "WACTL_ACCESS_TOKEN": TOKEN,
           "WACTL_PHONE_NUMBER_ID": fake.phone_number_id, "WACTL_SEND_RATE": "20",
           "WACTL_GRAPH_TIMEOUT": ""}
    settings = GraphSettings.from_env(env)
    assert (settings.rate, settings.timeout) == (20.0, 10.0)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    async with settings.client() as client:
        assert (await client.send(SendText(TO, "Hello"))).startswith("wamid.")


def test_settings_name_what_is_missing_or_malformed_without_the_token() -> None:
    env = {"WACTL_ACCESS_TOKEN": TOKEN, "WACTL_PHONE_NUMBER_ID": "not-a-number",
           "WACTL_GRAPH_API_BASE": "ftp://graph"}
    with pytest.raises(ValidationError) as caught:
        GraphSettings.from_env(env)
    fields = {str(e["loc"][0]) for e in caught.value.errors()}
    assert fields == {"phone_number_id", "base_url"} and TOKEN not in str(caught.value)
    with pytest.raises(ValidationError) as missing:
        GraphSettings.from_env({})
    assert {str(e["loc"][0]) for e in missing.value.errors()} == {"access_token",
                                                                  "phone_number_id"}
    assert GraphSettings.from_env({}, access_token="t", phone_number_id="1").base_url == (
        DEFAULT_BASE)
