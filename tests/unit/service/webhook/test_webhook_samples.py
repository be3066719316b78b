"""Every reference sample body parses into the right events.

The samples are tested from the copies in `tests/fakes/webhook_samples` (CI has no
`/work/shared`), and from the shared folder too when it exists, so a sample added
there and not copied here is noticed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.webhooks import CUSTOMER, PHONE_NUMBER_ID, SAMPLES, SHARED_SAMPLES

from wactl.runtime.events import Inbound, StatusUpdate
from wactl.service.webhook.parse import Parsed, parse_webhook

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
EXPECTED = {
    "01-text.json": [("in", "text", "Chào phòng khám, tôi muốn đặt lịch cạo vôi răng tuần này.")],
    "10-interactive-button-reply.json": [("in", "button", "Thứ 6, 9:30")],
    "19-status-delivered.json": [("status", "delivered", None)],
    "22-batch-multiple-messages.json": [
        ("in", "text", "Cho tôi hỏi"), ("in", "text", "giá niềng răng mắc cài sứ"),
        ("in", "text", "Running 10 min late, sorry!"),
        ("status", "delivered", None), ("status", "read", None)],
}


def _samples(folder: Path) -> list[Path]:
    found = sorted(folder.glob("*.json"))
    assert found, f"no sample bodies in {folder}"
    return found


def _shape(parsed: Parsed) -> list[tuple[str, str, str | None]]:
    return [("in", e.kind, e.text) if isinstance(e, Inbound) else ("status", e.status, e.error)
            for e in parsed.events]


def _parse(path: Path) -> Parsed:
    parsed = parse_webhook(path.read_bytes(), NOW)
    assert isinstance(parsed, Parsed)
    return parsed


def test_the_copies_are_the_samples_we_expect() -> None:
    assert [p.name for p in _samples(SAMPLES)] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_sample_parses_into_its_events(name: str) -> None:
    parsed = _parse(SAMPLES / name)
    assert _shape(parsed) == EXPECTED[name]
    assert parsed.all_notes == ()
    assert {c.phone_number_id for c in parsed.changes} == {PHONE_NUMBER_ID}
    assert all(e.at.tzinfo is UTC and e.at.year == 2026 for e in parsed.events)


def test_the_shared_samples_match_the_copies() -> None:
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("the shared reference folder is not on this machine (CI)")
    for path in _samples(SHARED_SAMPLES):
        copy = SAMPLES / path.name
        assert copy.is_file(), f"{path.name} is not copied into tests/fakes/webhook_samples"
        assert copy.read_bytes() == path.read_bytes()
        assert _shape(_parse(path)) == EXPECTED[path.name]


def test_the_button_reply_sample_keeps_its_ids() -> None:
    (event,) = _parse(SAMPLES / "10-interactive-button-reply.json").events
    assert isinstance(event, Inbound)
    assert event.button_id == "slot_2026-11-27T09:30"
    assert event.wa_id == CUSTOMER and event.user_id == "VN.5520917734410086213"
    assert event.reply_to == "wamid.HBgLODQ5MTIzNDU2NzgVAgARGBIwQUU3MUM1RjM5RTE5MTA5NTIA"
    assert event.name == "Nguyễn Thị Mai"
    assert event.at == datetime.fromtimestamp(1795560540, UTC)


def test_the_batch_names_each_sender_by_their_contact() -> None:
    parsed = _parse(SAMPLES / "22-batch-multiple-messages.json")
    inbound = [e for e in parsed.events if isinstance(e, Inbound)]
    assert [(e.wa_id, e.name) for e in inbound] == [
        (CUSTOMER, "Nguyễn Thị Mai"), (CUSTOMER, "Nguyễn Thị Mai"),
        ("447700900321", "Oliver Bennett")]
    statuses = [e for e in parsed.events if isinstance(e, StatusUpdate)]
    assert {s.wa_id for s in statuses} == {"5511987654321"}
    assert len(parsed.changes) == 2
