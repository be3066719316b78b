"""One realistic body per payload kind WhatsApp sends, and what the engine gets from it.

The bodies follow Meta's Cloud API webhook reference (messages, statuses, errors,
business-scoped user ids); values are made up.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.webhooks import CUSTOMER, PHONE_NUMBER_ID, body, change, encode, envelope, message

from wactl.runtime.events import (
    FlowReply,
    Inbound,
    Location,
    Media,
    Order,
    OrderItem,
    Referral,
    StatusUpdate,
    SystemNotice,
    WaError,
)
from wactl.service.webhook.parse import MAX_ITEMS, Malformed, Parsed, parse_webhook

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SENT = "wamid.HBgLODQ5MTIzNDU2NzgVAgARGBIwQUU3MUM1RjM5RTE5MTA5NTIA"


def parse(raw: bytes) -> Parsed:
    parsed = parse_webhook(raw, NOW)
    assert isinstance(parsed, Parsed), parsed
    return parsed


def one(*messages: dict[str, Any]) -> Inbound:
    (event,) = parse(body(*messages)).events
    assert isinstance(event, Inbound)
    assert event.name == "Nguyễn Thị Mai" and event.wa_id == CUSTOMER
    return event


def codes(parsed: Parsed) -> list[str]:
    return [n.code for n in parsed.all_notes]


def test_text() -> None:
    event = one(message("text", {"body": "Chào, còn lịch thứ 6 không?"}))
    assert (event.kind, event.raw_type) == ("text", "text")
    assert event.text == "Chào, còn lịch thứ 6 không?"
    assert event.id == "wamid.HBgLTEXTAA==" and event.at == datetime.fromtimestamp(1795560000, UTC)


@pytest.mark.parametrize(("kind", "part", "media", "text"), [
    ("image", {"caption": "Răng hàm bên trái", "mime_type": "image/jpeg",
               "sha256": "b1c2d3", "id": "1479537139650973"},
     Media(id="1479537139650973", mime_type="image/jpeg", caption="Răng hàm bên trái"),
     "Răng hàm bên trái"),
    ("video", {"mime_type": "video/mp4", "sha256": "aa", "id": "2001"},
     Media(id="2001", mime_type="video/mp4"), ""),
    ("document", {"caption": "Kết quả X-quang", "filename": "xquang-2026.pdf",
                  "mime_type": "application/pdf", "sha256": "bb", "id": "2002"},
     Media(id="2002", mime_type="application/pdf", caption="Kết quả X-quang",
           filename="xquang-2026.pdf"), "Kết quả X-quang"),
    ("audio", {"mime_type": "audio/mpeg", "sha256": "cc", "id": "2003", "voice": False},
     Media(id="2003", mime_type="audio/mpeg"), ""),
    ("sticker", {"mime_type": "image/webp", "sha256": "dd", "id": "2004", "animated": False},
     Media(id="2004", mime_type="image/webp"), ""),
])
def test_media(kind: str, part: dict[str, Any], media: Media, text: str) -> None:
    event = one(message(kind, part))
    assert (event.kind, event.media, event.text) == (kind, media, text)


def test_a_voice_note_is_audio_marked_as_voice() -> None:
    event = one(message("audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "ee",
                                  "id": "2005", "voice": True}))
    assert event.kind == "audio"
    assert event.media == Media(id="2005", mime_type="audio/ogg; codecs=opus", voice=True)


def test_the_older_voice_type_is_audio_too() -> None:
    event = one(message("voice", {"mime_type": "audio/ogg; codecs=opus", "id": "2006"}))
    assert event.kind == "audio" and event.media is not None and event.media.voice
    assert event.raw_type == "voice"


def test_location() -> None:
    event = one(message("location", {"latitude": 10.7769, "longitude": 106.7009,
                                     "name": "Nha Khoa Sài Gòn", "address": "12 Lê Lợi, Q1",
                                     "url": "https://example.com"}))
    assert event.kind == "location"
    assert event.location == Location(10.7769, 106.7009, "Nha Khoa Sài Gòn", "12 Lê Lợi, Q1")


def test_a_location_without_coordinates_is_kept_with_a_note() -> None:
    parsed = parse(body(message("location", {"latitude": "north", "longitude": 1})))
    (event,) = parsed.events
    assert isinstance(event, Inbound) and event.kind == "location" and event.location is None
    assert codes(parsed) == ["bad_location"]


def test_contacts() -> None:
    card = {"name": {"formatted_name": "Trần Văn Bình", "first_name": "Bình"},
            "phones": [{"phone": "+84 90 123 4567", "wa_id": "84901234567", "type": "CELL"}],
            "emails": [{"email": "binh@example.com", "type": "WORK"}]}
    event = one(message("contacts", None, contacts=[card]))
    assert event.kind == "contacts" and event.contacts == (card,)


def test_interactive_button_reply() -> None:
    event = one(message("interactive", {"type": "button_reply",
                                        "button_reply": {"id": "yes", "title": "Đồng ý"}},
                        context={"from": "842873001122", "id": SENT}))
    assert (event.kind, event.button_id, event.text, event.reply_to) == (
        "button", "yes", "Đồng ý", SENT)


def test_interactive_list_reply() -> None:
    event = one(message("interactive", {"type": "list_reply", "list_reply": {
        "id": "svc_scaling", "title": "Cạo vôi răng", "description": "30 phút"}}))
    assert (event.kind, event.list_id, event.text) == ("list", "svc_scaling", "Cạo vôi răng")


def test_template_quick_reply_button() -> None:
    event = one(message("button", {"payload": "CONFIRM_APPT", "text": "Xác nhận"},
                        context={"from": "842873001122", "id": SENT}))
    assert (event.kind, event.button_id, event.text) == ("button", "CONFIRM_APPT", "Xác nhận")


def test_a_reaction() -> None:
    event = one(message("reaction", {"message_id": SENT, "emoji": "\U0001f44d"}))
    assert (event.kind, event.text, event.reaction_to) == ("reaction", "\U0001f44d", SENT)


@pytest.mark.parametrize("part", [{"message_id": SENT, "emoji": ""}, {"message_id": SENT}])
def test_a_reaction_removed(part: dict[str, Any]) -> None:
    event = one(message("reaction", part))
    assert (event.kind, event.text, event.reaction_to) == ("reaction", "", SENT)


def test_an_order() -> None:
    event = one(message("order", {
        "catalog_id": "CAT1", "text": "Giao giúp tôi trước 5h", "product_items": [
        {"product_retailer_id": "SKU-1", "quantity": 2, "item_price": 150000, "currency": "VND"},
        {"product_retailer_id": "SKU-2", "quantity": "1", "item_price": "99.5", "currency": "VND"},
    ]}))
    assert event.kind == "order" and event.text == "Giao giúp tôi trước 5h"
    assert event.order == Order("CAT1", "Giao giúp tôi trước 5h", (
        OrderItem("SKU-1", 2, 150000.0, "VND"), OrderItem("SKU-2", 1, 99.5, "VND")))


def test_an_ad_referral_rides_on_the_message() -> None:
    referral = {"source_url": "https://fb.me/abc", "source_id": "120208", "source_type": "ad",
                "headline": "Tẩy trắng răng -30%", "body": "Đặt lịch ngay", "media_type": "image",
                "image_url": "https://example.com/i.jpg", "ctwa_clid": "ARAkLkA8"}
    event = one(message("text", {"body": "Tôi muốn biết thêm"}, referral=referral))
    assert event.kind == "text" and event.text == "Tôi muốn biết thêm"
    assert event.referral == Referral("ad", "120208", "https://fb.me/abc", "Tẩy trắng răng -30%",
                                      "Đặt lịch ngay", "image", "ARAkLkA8")


def test_a_system_message_number_changed() -> None:
    event = one(message("system", {"body": "Mai changed from 84912345678 to 84987654321",
                                   "new_wa_id": "84987654321", "type": "user_changed_number"}))
    assert event.kind == "system" and event.text.startswith("Mai changed")
    assert event.system == SystemNotice("user_changed_number", event.text, "84987654321", None)


@pytest.mark.parametrize("kind", ["unsupported", "unknown"])
def test_unsupported_messages_keep_their_errors(kind: str) -> None:
    errors = [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown",
               "error_data": {"details": "Message type is currently not supported."}}]
    parsed = parse(body(message(kind, None, errors=errors)))
    (event,) = parsed.events
    assert isinstance(event, Inbound)
    assert (event.kind, event.raw_type) == ("unknown", kind)
    assert event.errors == (WaError("131051", "Message type unknown",
                                    "Message type is currently not supported."),)
    assert codes(parsed) == ["unknown_type"]


def test_a_type_nobody_knows_yet_is_kept_as_unknown() -> None:
    parsed = parse(body(message("hologram", {"id": "x"})))
    (event,) = parsed.events
    assert isinstance(event, Inbound) and (event.kind, event.raw_type) == ("unknown", "hologram")


def test_an_interactive_type_nobody_knows_yet_is_kept_as_unknown() -> None:
    event = one(message("interactive", {"type": "call_permission_reply",
                                        "call_permission_reply": {"response": "accept"}}))
    assert (event.kind, event.raw_type) == ("unknown", "interactive.call_permission_reply")


def test_a_whatsapp_flow_reply() -> None:
    answers = {"flow_token": "tok-1", "service": "scaling", "date": "2026-12-05"}
    event = one(message("interactive", {"type": "nfm_reply", "nfm_reply": {
        "response_json": json.dumps(answers), "body": "Sent", "name": "flow"}},
        context={"from": "842873001122", "id": SENT}))
    assert event.kind == "flow_reply" and event.text == "Sent" and event.reply_to == SENT
    assert event.flow_reply == FlowReply("flow", "Sent", answers)


def test_a_flow_reply_with_unreadable_answers_is_kept_with_a_note() -> None:
    parsed = parse(body(message("interactive", {"type": "nfm_reply", "nfm_reply": {
        "response_json": "{not json", "body": "Sent", "name": "flow"}})))
    (event,) = parsed.events
    assert isinstance(event, Inbound) and event.flow_reply == FlowReply("flow", "Sent", {})
    assert codes(parsed) == ["bad_flow_response"]


def _status(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": SENT, "status": status, "timestamp": "1795561102", "recipient_id": CUSTOMER,
            **extra}


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_statuses(status: str) -> None:
    (event,) = parse(encode(envelope(change(statuses=[_status(status)])))).events
    assert isinstance(event, StatusUpdate)
    assert (event.wa_id, event.at, event.message_id, event.status, event.error) == (
        CUSTOMER, datetime.fromtimestamp(1795561102, UTC), SENT, status, None)


def test_a_failed_status_carries_its_code() -> None:
    errors = [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
               "error_data": {"details": "More than 24 hours have passed."},
               "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]
    (event,) = parse(encode(envelope(change(statuses=[_status("failed", errors=errors)])))).events
    assert isinstance(event, StatusUpdate)
    assert (event.status, event.error, event.message_id) == ("failed", "131047", SENT)


def test_a_failed_status_with_several_errors_keeps_the_first_code() -> None:
    errors = [{"code": 131026, "title": "Message undeliverable"}, {"code": 131000}]
    (event,) = parse(encode(envelope(change(statuses=[_status("failed", errors=errors)])))).events
    assert isinstance(event, StatusUpdate) and event.error == "131026"


def test_statuses_never_become_inbound_messages() -> None:
    statuses = [_status(s) for s in ("sent", "delivered", "read", "failed", "deleted", "warning")]
    parsed = parse(encode(envelope(change(statuses=statuses))))
    assert all(isinstance(e, StatusUpdate) for e in parsed.events)
    assert len(parsed.events) == 4
    assert codes(parsed).count("unknown_status") == 2


def test_several_entries_and_changes() -> None:
    first = change(messages=[message("text", {"body": "một"})],
                   contacts=[{"profile": {"name": "A"}, "wa_id": CUSTOMER}])
    second = change(statuses=[_status("read")], phone_number_id="999000111")
    parsed = parse(encode(envelope(first, second, entries=2)))
    assert [c.phone_number_id for c in parsed.changes] == [PHONE_NUMBER_ID, "999000111"] * 2
    assert [type(e).__name__ for e in parsed.events] == ["Inbound", "StatusUpdate"] * 2
    assert all(c.account_id == "108923457710245" for c in parsed.changes)


def test_a_field_other_than_messages_is_skipped_with_a_note() -> None:
    template = {"value": {"event": "APPROVED", "message_template_id": 1234,
                          "message_template_name": "appointment_reminder",
                          "message_template_language": "vi", "reason": "NONE"},
                "field": "message_template_status_update"}
    parsed = parse(encode(envelope(template, change(messages=[message("text", {"body": "x"})]))))
    assert [c.field for c in parsed.changes] == ["message_template_status_update", "messages"]
    assert parsed.changes[0].events == () and len(parsed.changes[1].events) == 1
    assert [n.code for n in parsed.changes[0].notes] == ["field_skipped"]
    assert "message_template_status_update" in parsed.changes[0].notes[0].detail


def test_a_user_known_only_by_a_business_scoped_id() -> None:
    bsuid = "US.13491208655302741918"
    msg = message("text", {"body": "hi"}, from_user_id=bsuid)
    del msg["from"]
    contacts = [{"profile": {"name": "Jane", "username": "@jane"}, "user_id": bsuid}]
    (event,) = parse(encode(envelope(change(messages=[msg], contacts=contacts)))).events
    assert isinstance(event, Inbound)
    assert (event.wa_id, event.user_id) == (bsuid, bsuid)
    assert (event.name, event.username) == ("Jane", "@jane")


def test_a_phone_number_and_a_business_scoped_id_keep_the_phone_as_the_wa_id() -> None:
    bsuid = "VN.5520917734410086213"
    msg = message("text", {"body": "hi"}, from_user_id=bsuid)
    contacts = [{"profile": {"name": "Mai"}, "wa_id": CUSTOMER, "user_id": bsuid}]
    (event,) = parse(encode(envelope(change(messages=[msg], contacts=contacts)))).events
    assert isinstance(event, Inbound) and (event.wa_id, event.user_id) == (CUSTOMER, bsuid)


def test_a_non_numeric_from_is_kept_as_is() -> None:
    msg = message("text", {"body": "hi"}, **{"from": "BR.1502576394655843"})
    (event,) = parse(encode(envelope(change(messages=[msg])))).events
    assert isinstance(event, Inbound) and event.wa_id == "BR.1502576394655843"


def test_a_message_naming_no_sender_is_skipped_with_a_note() -> None:
    msg = message("text", {"body": "hi"})
    del msg["from"]
    parsed = parse(encode(envelope(change(messages=[msg], contacts=[{"profile": {}}, {}]))))
    assert parsed.events == () and codes(parsed) == ["no_sender"]


def test_a_status_to_a_business_scoped_id() -> None:
    item = _status("delivered", recipient_user_id="US.13491208655302741918")
    del item["recipient_id"]
    (event,) = parse(encode(envelope(change(statuses=[item])))).events
    assert isinstance(event, StatusUpdate) and event.wa_id == "US.13491208655302741918"


@pytest.mark.parametrize("stamp", ["soon", "", "-5", "99999999999999999999999", None, 1e400,
                                   "\u00b2", "\u0661\u0662", "1795560000.5", True])
def test_a_bad_timestamp_gives_the_receipt_time_and_a_note(stamp: object) -> None:
    msg = message("text", {"body": "hi"})
    msg["timestamp"] = stamp
    parsed = parse(body(msg).replace(b"Infinity", b"1e400"))
    (event,) = parsed.events
    assert event.at == NOW and codes(parsed) == ["bad_timestamp"]


def test_nul_characters_and_any_unicode_are_kept() -> None:
    text = "a\x00b \U0001f9b7 đặt lịch \u202e \ufeff"
    assert one(message("text", {"body": text})).text == text


def test_long_text_is_cut_with_a_note() -> None:
    parsed = parse(body(message("text", {"body": "x" * 10_000})))
    (event,) = parsed.events
    assert isinstance(event, Inbound) and event.text == "x" * 4096
    assert codes(parsed) == ["text_cut"]


def test_copied_data_is_bounded_with_a_note() -> None:
    cards = [{"name": {"formatted_name": "A"}, "phones": [{"phone": str(i)} for i in range(50)]}
             for i in range(500)]
    parsed = parse(body(message("contacts", None, contacts=cards)))
    (event,) = parsed.events
    assert isinstance(event, Inbound) and 100 < len(event.contacts) < 500
    assert event.contacts[0] == cards[0] and all(isinstance(c, dict) for c in event.contacts)
    assert codes(parsed) == ["too_much_data"]


def test_too_many_messages_are_cut_with_a_note() -> None:
    messages = [message("text", {"body": str(i)}, id=f"wamid.{i}") for i in range(1500)]
    parsed = parse(encode(envelope(change(messages=messages, contacts=[]))))
    assert MAX_ITEMS - 10 <= len(parsed.events) <= MAX_ITEMS
    ids = [e.id for e in parsed.events if isinstance(e, Inbound)]
    assert ids[:3] == ["wamid.0", "wamid.1", "wamid.2"]
    assert codes(parsed) == ["too_many_items"]


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "not_json"), (b"{", "not_json"), (b"\xff\xfe\x00", "not_json"),
    (b"[1, 2]", "not_object"), (b'"text"', "not_object"), (b"null", "not_object"),
    (b"[" * 100_000, "not_json"),
])
def test_a_body_that_is_not_a_json_object_is_malformed(raw: bytes, reason: str) -> None:
    result = parse_webhook(raw, NOW)
    assert isinstance(result, Malformed) and result.reason == reason


def test_an_object_without_entries_is_parsed_with_a_note() -> None:
    parsed = parse(b'{"object": "whatsapp_business_account"}')
    assert parsed.changes == () and codes(parsed) == ["no_changes"]


def test_a_change_without_a_phone_number_id_says_so() -> None:
    value = change(messages=[message("text", {"body": "x"})])
    del value["value"]["metadata"]
    parsed = parse(encode(envelope(value)))
    assert parsed.changes[0].phone_number_id is None and len(parsed.events) == 1
    assert codes(parsed) == ["no_phone_number_id"]


def test_one_bad_item_does_not_spoil_the_rest_of_the_body() -> None:
    nameless = message("text", {"body": "?"})
    del nameless["from"]
    good = message("text", {"body": "vẫn tới"})
    broken = {"value": "not an object", "field": "messages"}
    raw = encode(envelope(change(messages=[good, "junk", nameless, good],
                                 contacts=[]), broken))
    parsed = parse(raw)
    assert [e.text for e in parsed.events if isinstance(e, Inbound)] == ["vẫn tới", "vẫn tới"]
    assert codes(parsed) == ["not_an_object", "no_sender", "no_phone_number_id"]


def test_messages_that_are_not_a_list_are_noted() -> None:
    value = change(contacts=[])
    value["value"]["messages"] = {"from": CUSTOMER}
    parsed = parse(encode(envelope(value)))
    assert parsed.events == () and codes(parsed) == ["not_a_list"]


@pytest.mark.parametrize(("system", "expected"), [
    ({"body": "User Mai changed from 84912345678 to 84987654321", "wa_id": "84987654321",
      "type": "user_changed_number"},
     SystemNotice("user_changed_number", "User Mai changed from 84912345678 to 84987654321",
                  "84987654321", None)),
    ({"body": "User Mai's id changed", "user_id": "VN.99", "type": "user_changed_user_id"},
     SystemNotice("user_changed_user_id", "User Mai's id changed", None, "VN.99")),
])
def test_system_messages_in_either_form(system: dict[str, Any], expected: SystemNotice) -> None:
    msg = message("system", system, from_user_id="VN.55")
    (event,) = parse(encode(envelope(change(messages=[msg])))).events  # no contacts: as sent
    assert isinstance(event, Inbound) and event.kind == "system" and event.system == expected
    assert (event.wa_id, event.user_id, event.name) == (CUSTOMER, "VN.55", None)
