"""The lines typed into `wactl simulate` (and replayed by `--script`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from wactl.cli.sim_input import (
    Bad,
    Help,
    Pick,
    Quit,
    Reset,
    Say,
    SendImage,
    SendLocation,
    SetTime,
    Show,
    Start,
    parse_line,
)


@pytest.mark.parametrize("line", ["", "   ", "# a comment", "  # indented comment"])
def test_blank_lines_and_comments_are_nothing(line: str) -> None:
    assert parse_line(line) is None


def test_text_numbers_and_escaped_slashes() -> None:
    assert parse_line("  where is my order?  ") == Say("where is my order?")
    assert parse_line("order #10423") == Say("order #10423")
    assert parse_line("10423") == Pick(10423, explicit=False, line="10423")
    assert parse_line("²") == Say("²")
    assert parse_line("//start is a word") == Say("/start is a word")


@pytest.mark.parametrize(("line", "expected"), [
    ("/pick 2", Pick(2, explicit=True)),
    ("/image https://x.test/a.png", SendImage("https://x.test/a.png")),
    ("/image https://x.test/a.png my skin today", SendImage("https://x.test/a.png",
                                                           "my skin today")),
    ("/location 10.77 106.70", SendLocation(10.77, 106.70)),
    ("/location 10.77, 106.70", SendLocation(10.77, 106.70)),
    ("/start order_status", Start("order_status")),
    ("/time", SetTime()),
    ("/time +2h", SetTime(delta=timedelta(hours=2))),
    ("/time +1h30m", SetTime(delta=timedelta(minutes=90))),
    ("/time +2 days", SetTime(delta=timedelta(days=2))),
    ("/time 2026-12-01T09:00", SetTime(at=datetime(2026, 12, 1, 9, 0))),
    ("/state", Show("state")), ("/vars", Show("vars")), ("/customer", Show("customer")),
    ("/trace", Show("trace")), ("/RESET", Reset()), ("/help", Help()), ("/quit", Quit()),
    ("/exit", Quit()),
])
def test_commands(line: str, expected: object) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(("line", "says"), [
    ("/pick", "/pick takes the number"), ("/pick 0", "/pick takes the number"),
    ("/pick two", "/pick takes the number"), ("/image", "/image takes a URL"),
    ("/location 10.7", "/location takes a latitude"),
    ("/location 100 10", "latitude is -90..90"), ("/start", "/start takes one flow"),
    ("/start a b", "/start takes one flow"), ("/time +2 fortnights", "is not a duration"),
    ("/time tomorrow", "neither +DURATION nor a date-time"),
    ("/vars x", "/vars takes no arguments"), ("/teleport", "unknown command /teleport"),
])
def test_bad_lines_say_why(line: str, says: str) -> None:
    result = parse_line(line)
    assert isinstance(result, Bad)
    assert says in result.message
