"""Answers to an `ask`: what each `expect` accepts from real customers, and what it saves."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from wactl.runtime.answers import Answer, Option, answer_text, e164, options_of, parse_answer
from wactl.runtime.effects import Button, Row, Section, SendInteractive
from wactl.runtime.events import Inbound, Location, Media

TODAY = date(2024, 5, 10)  # a Friday
AT = datetime(2024, 5, 10, 9, 30, tzinfo=UTC)
AM, PM, EVE = "Sáng (9-12h)", "Chiều (13-17h)", "Tối (18-20h)"
YES, OTHER = "Đúng rồi", "Đổi số khác"
SLOTS = [Option("b1", AM, AM), Option("b2", PM, PM), Option("b3", EVE, EVE)]
CONFIRM = [Option("yes", YES, YES), Option("other", OTHER, OTHER)]
SIZES = [Option("size_s", "Size S", "size_s"), Option("size_m", "Size M", "size_m"),
         Option("size_l", "Size L", "size_l")]
ENGLISH = [Option("y", "Yes, that's right", "Yes, that's right"),
           Option("n", "Use another number", "Use another number")]


def msg(text: str = "", **kw: Any) -> Inbound:
    return Inbound("84900000000", AT, text=text, **kw)


def parse(expect: str, text: str, options: list[Option] | None = None, **kw: Any) -> Answer:
    return parse_answer(expect, msg(text, **kw), options or [], today=TODAY)


def value(expect: str, text: str, options: list[Option] | None = None) -> Any:
    answer = parse(expect, text, options)
    assert answer.ok, (text, answer)
    assert answer.reason == ""
    return answer.value


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(("text", "saved"), [
    ("Giao giờ hành chính giúp mình", "Giao giờ hành chính giúp mình"),
    ("  ok  ", "ok"), ("👍", "👍"), ("0", "0"), ("Không", "Không"),
])
def test_text_is_any_nonempty_text_stripped(text: str, saved: str) -> None:
    assert value("text", text) == saved


def test_text_refuses_empty_media_and_location_but_takes_a_caption() -> None:
    assert parse("text", "   ") == Answer(False, reason="not_text")
    assert parse("text", "", kind="image", media=Media(id="m1")).reason == "not_text"
    assert parse("text", "", kind="location", location=Location(10.77, 106.7)).reason == "not_text"
    caption = parse("text", "", kind="image", media=Media(id="m1", caption=" Áo bị rách chỗ này "))
    assert caption == Answer(True, "Áo bị rách chỗ này")


def test_a_reaction_is_never_an_answer() -> None:
    assert parse("text", "👍", kind="reaction", reaction_to="wamid.1").reason == "not_text"
    assert parse("choice", "1", SLOTS, kind="reaction").reason == "not_an_option"


def test_a_tapped_button_is_a_text_answer_with_its_title() -> None:
    assert value("text", "Chiều (13-17h)") == "Chiều (13-17h)"
    assert parse("text", "Gặp nhân viên", kind="button", button_id="b2").value == "Gặp nhân viên"


# --------------------------------------------------------------------------- number


@pytest.mark.parametrize(("text", "number"), [
    ("10423", 10423), ("10424", 10424), (" 42 ", 42), ("42.", 42), ("#10423", 10423),
    ("1,5", 1.5), ("2.5", 2.5), ("0.5", 0.5), ("0,500", 0.5), ("3.14159", 3.14159),
    ("-3", -3), ("−3", -3), ("+7", 7), ("2.0", 2), ("007", 7),
    ("1.000.000", 1_000_000), ("1,000,000", 1_000_000), ("1 000 000", 1_000_000),
    ("1.500", 1500), ("1,500", 1500), ("10.424", 10424), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("1.000.000,75", 1_000_000.75),
    ("500k", 500_000), ("2tr", 2_000_000), ("1,5tr", 1_500_000), ("150.000đ", 150_000),
    ("150000 VND", 150_000), ("$20", 20), ("20$", 20), ("50%", 50),
    ("2 triệu", 2_000_000), ("1,5 tr", 1_500_000), ("500 nghìn", 500_000), ("300 ngàn", 300_000),
    ("3 tỷ", 3_000_000_000), ("2 thousand", 2000),
    ("2 người", 2), ("2 people", 2), ("mình đi 3 người", 3), ("Tầm 4 người ạ", 4),
    ("mã đơn 10423", 10423), ("đơn của mình là 10423 nhé", 10423), ("order #10423 please", 10423),
    ("(10423)", 10423), ("“10423”", 10423), ("2️⃣", 2), ("１２", 12),
    ("hai người", 2), ("Hai", 2), ("năm người", 5), ("một", 1), ("mười", 10), ("two", 2),
    ("Three people", 3), ("zero", 0),
])
def test_number_accepts(text: str, number: float) -> None:
    got = value("number", text)
    assert got == number
    assert isinstance(got, int) == isinstance(number, int)


@pytest.mark.parametrize("text", [
    "DH10424", "dh10424", "10424DH", "v2", "2nd", "1e5", "0x1F", "", "   ", "mười hai người?!"[:0],
    "Thứ bảy 28/12/2030, mình đi 2 người", "2 người lớn 1 trẻ em", "2-3 người", "2/3",
    "1.2.3", "1,2,3", "1.00.000", "12,34,567", "không", "không biết", "nhiều người",
    "hai hoặc ba", "một hai", "9" * 40,
    "tôi muốn hỏi về đơn hàng số 10423 mà mình đã đặt từ tuần trước rồi",
])
def test_number_refuses(text: str) -> None:
    assert parse("number", text) == Answer(False, reason="not_a_number")


def test_number_from_a_media_caption_but_not_from_a_bare_image() -> None:
    assert parse("number", "", kind="image", media=Media(id="m", caption="10423")).value == 10423
    assert parse("number", "", kind="image", media=Media(id="m")).reason == "not_a_number"


# --------------------------------------------------------------------------- email


@pytest.mark.parametrize(("text", "email"), [
    ("lan@shop.vn", "lan@shop.vn"), ("An.Nguyen@Example.COM", "An.Nguyen@example.com"),
    (" minh+don@gmail.com ", "minh+don@gmail.com"), ("mailto:ops@shop.example", "ops@shop.example"),
    ("email mình là lan.tran@shop.com.vn nhé", "lan.tran@shop.com.vn"),
    ("<bao_le-99@mail.co.uk>", "bao_le-99@mail.co.uk"),
    ("Email: hoa@xn--t-1ga.vn.", "hoa@xn--t-1ga.vn"),
])
def test_email_accepts(text: str, email: str) -> None:
    assert value("email", text) == email


@pytest.mark.parametrize("text", [
    "lan", "lan@", "@shop.vn", "lan@shop", "lan@@shop.vn", "lan@shop..vn", "lan@.shop.vn",
    "lan@shop.v", "lan..tran@shop.vn", "lan@-shop.vn", "lan@shop.vn, hoa@shop.vn", "lan @ shop.vn",
    "", "0903111222",
])
def test_email_refuses(text: str) -> None:
    assert parse("email", text) == Answer(False, reason="not_an_email")


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(("text", "phone"), [
    ("0903 111 222", "+84903111222"), ("0903111222", "+84903111222"),
    ("0912345678", "+84912345678"),
    ("0903.111.222", "+84903111222"), ("0903-111-222", "+84903111222"),
    ("(090) 3111 222", "+84903111222"), ("+84 903 111 222", "+84903111222"),
    ("+84903111222", "+84903111222"), ("(+84) 903-111-222", "+84903111222"),
    ("84903111222", "+84903111222"), ("0084 903 111 222", "+84903111222"),
    ("903111222", "+84903111222"), ("028 3822 1234", "+842838221234"),
    ("+1 (415) 555-0100", "+14155550100"), ("+44 (0) 20 7946 0018", "+442079460018"),
    ("số mình là 0903 111 222 nha", "+84903111222"),
    ("Gọi mình qua 0903111222 nhé", "+84903111222"),
    ("my number: +65 6123 4567", "+6561234567"), ("0️⃣9️⃣0️⃣3️⃣111222", "+84903111222"),
])
def test_phone_accepts(text: str, phone: str) -> None:
    assert value("phone", text) == phone


@pytest.mark.parametrize("text", [
    "12345", "0903", "090311", "", "không có", "DH0903111222", "0903111222abc",
    "+1234567890123456", "1234 5678 9012 3456 78", "28/12/2030", "000000000",
])
def test_phone_refuses(text: str) -> None:
    assert parse("phone", text) == Answer(False, reason="not_a_phone")


def test_phone_from_a_shared_contact_card() -> None:
    card = {"name": {"formatted_name": "Lan"},
            "phones": [{"phone": "+1 (940) 555-1234", "wa_id": "19405551234", "type": "CELL"}]}
    assert parse("phone", "", kind="contacts", contacts=(card,)).value == "+19405551234"
    no_wa = {"phones": [{"phone": "0903 111 222"}]}
    assert parse("phone", "", kind="contacts", contacts=(no_wa,)).value == "+84903111222"
    assert parse("phone", "", kind="contacts", contacts=({"phones": "?"},)).reason == "not_a_phone"


def test_phone_region_is_the_callers() -> None:
    answer = parse_answer("phone", msg("020 7946 0018"), [], today=TODAY, default_region="44")
    assert answer.value == "+442079460018"
    assert e164("07700 900123", "44") == "+447700900123"


# --------------------------------------------------------------------------- date


@pytest.mark.parametrize(("text", "day"), [
    ("28/12/2030", date(2030, 12, 28)), ("3/1/2020", date(2020, 1, 3)),
    ("28-12-2030", date(2030, 12, 28)), ("28.12.2030", date(2030, 12, 28)),
    ("28/12/30", date(2030, 12, 28)), ("2030-12-28", date(2030, 12, 28)),
    ("2030/12/28", date(2030, 12, 28)), ("Thứ bảy 28/12/2030, mình đi 2 người", date(2030, 12, 28)),
    ("ngày 28/12/2030 nhé.", date(2030, 12, 28)), ("25/12", date(2024, 12, 25)),
    ("10/5", date(2024, 5, 10)), ("9/5", date(2025, 5, 9)), ("1/5", date(2025, 5, 1)),
    ("29/02", date(2028, 2, 29)), ("ngày 25-12 được không", date(2024, 12, 25)),
    ("28 tháng 12", date(2024, 12, 28)), ("ngày 28 tháng 12 năm 2030", date(2030, 12, 28)),
    ("28 thang 12, 2030", date(2030, 12, 28)), ("Dec 28, 2030", date(2030, 12, 28)),
    ("December 28th", date(2024, 12, 28)), ("28 Dec 2030", date(2030, 12, 28)),
    ("the 28th of December", date(2024, 12, 28)), ("sept 3", date(2024, 9, 3)),
    ("today", date(2024, 5, 10)), ("Hôm nay", date(2024, 5, 10)), ("tối nay", date(2024, 5, 10)),
    ("tomorrow", date(2024, 5, 11)), ("ngày mai", date(2024, 5, 11)),
    ("mai nhé", date(2024, 5, 11)),
    ("sáng mai", date(2024, 5, 11)), ("ngày kia", date(2024, 5, 12)), ("mốt", date(2024, 5, 12)),
    ("the day after tomorrow", date(2024, 5, 12)), ("in 3 days", date(2024, 5, 13)),
    ("3 ngày nữa", date(2024, 5, 13)), ("sau 2 ngày", date(2024, 5, 12)),
    ("thứ bảy", date(2024, 5, 11)), ("Thứ 7 này", date(2024, 5, 11)), ("T7", date(2024, 5, 11)),
    ("thứ sáu", date(2024, 5, 10)), ("thứ hai", date(2024, 5, 13)), ("chủ nhật", date(2024, 5, 12)),
    ("CN", date(2024, 5, 12)), ("saturday", date(2024, 5, 11)), ("next monday", date(2024, 5, 20)),
    ("thứ 2 tuần sau", date(2024, 5, 20)), ("thứ ba tuần tới", date(2024, 5, 21)),
    ("ngày 15", date(2024, 5, 15)), ("ngày 10", date(2024, 5, 10)), ("ngày 5", date(2024, 6, 5)),
    ("mùng 31", date(2024, 5, 31)), ("the 15th", date(2024, 5, 15)),
    ("ngày 15 tháng 6", date(2024, 6, 15)), ("the 15th of June", date(2024, 6, 15)),
])
def test_date_accepts(text: str, day: date) -> None:
    assert value("date", text) == day


@pytest.mark.parametrize("text", [
    "31/02/2030", "32/01/2030", "28/13/2030", "0/1/2030", "12345", "DH10424", "sớm nhất có thể",
    "", "2 người", "1/1/1800", "1/1/3000", "khi nào cũng được", "28/12/2030/5", "ngày 32",
])
def test_date_refuses(text: str) -> None:
    assert parse("date", text) == Answer(False, reason="not_a_date")


def test_date_is_a_date_object_and_a_past_date_is_still_a_date() -> None:
    answer = parse("date", "3/1/2020")
    assert type(answer.value) is date
    assert answer.value < TODAY  # `validate: answer > now` refuses it, not the parser


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(("text", "hhmm"), [
    ("14:30", "14:30"), ("9:05", "09:05"), ("14h", "14:00"), ("14h30", "14:30"), ("14H30", "14:30"),
    ("9g15", "09:15"), ("9 giờ", "09:00"), ("9 giờ 30", "09:30"), ("9 giờ 30 phút", "09:30"),
    ("9 rưỡi", "09:30"), ("9 giờ rưỡi", "09:30"), ("9 giờ kém 15", "08:45"),
    ("2pm", "14:00"), ("2 PM", "14:00"), ("2:30 p.m.", "14:30"), ("11am", "11:00"),
    ("12am", "00:00"), ("12pm", "12:00"), ("2 o'clock", "02:00"), ("9", "09:00"),
    ("14.30", "14:30"), ("2 giờ chiều", "14:00"), ("7h tối", "19:00"), ("7 giờ tối nay", "19:00"),
    ("tối nay 7h", "19:00"), ("9h sáng", "09:00"), ("1 giờ trưa", "13:00"), ("12h trưa", "12:00"),
    ("11 giờ đêm", "23:00"), ("3 chiều", "15:00"), ("8 tối", "20:00"), ("2 giờ đêm", "02:00"),
    ("3 in the afternoon", "15:00"),
    ("tôi muốn 9h", "09:00"), ("khoảng 15h nhé", "15:00"), ("trưa", "12:00"),
    ("noon", "12:00"), ("midnight", "00:00"), ("7h toi", "19:00"),
])
def test_time_accepts(text: str, hhmm: str) -> None:
    assert value("time", text) == hhmm


@pytest.mark.parametrize("text", [
    "25:00", "24h", "14:61", "13pm", "", "sớm", "10423", "28/12", "khi nào cũng được",
    "9 giờ kém 75",
])
def test_time_refuses(text: str) -> None:
    assert parse("time", text) == Answer(False, reason="not_a_time")


# --------------------------------------------------------------------------- choice


def test_choice_by_tapped_button_id_else_title() -> None:
    assert parse("choice", "whatever", CONFIRM, kind="button", button_id="other").value == OTHER
    stale = parse("choice", "Đúng rồi", CONFIRM, kind="button", button_id="old-message-id")
    assert stale.value == "Đúng rồi"
    assert parse("choice", "Mua ngay", CONFIRM, kind="button", button_id="zzz").ok is False


def test_choice_by_tapped_list_row_saves_the_row_id() -> None:
    assert parse("choice", "Size M", SIZES, kind="list", list_id="size_m").value == "size_m"
    stale = parse("choice", "Size M", SIZES, kind="list", list_id="gone")
    assert stale.value == "size_m"  # a row of an older menu: its title still picks
    assert parse("choice", "Size XL", SIZES, kind="list", list_id="xl").reason == "not_an_option"


@pytest.mark.parametrize(("text", "saved"), [
    (PM, PM), ("chiều (13-17h)", PM),
    ("CHIEU (13-17H)", PM), ("chieu 13-17h", PM), ("chiều", PM),
    ("Chiều nhé", PM), ("tối nhé", EVE), ("cho mình buổi sáng", None),
    ("2", PM), ("2.", PM), ("số 3", EVE), ("#1", AM),
    ("2️⃣", PM), ("option 3", EVE), ("4", None), ("0", None),
    ("không", None), ("sáng hoặc chiều", None), ("", None), ("h", None),
])
def test_choice_typed_against_time_slots(text: str, saved: str | None) -> None:
    answer = parse("choice", text, SLOTS)
    assert answer == (Answer(True, saved) if saved else Answer(False, reason="not_an_option"))


@pytest.mark.parametrize(("text", "saved"), [
    ("đúng rồi", YES), ("Đúng rồi!", YES), ("dung roi", YES), ("đúng", YES),
    ("Đúng rồi ạ", YES), ("dạ đúng rồi", YES), ("1", YES),
    ("đổi số", OTHER), ("Đổi số khác nhé", OTHER), ("2", OTHER),
    ("không đúng", None), ("sai rồi", None), ("ok", None),
])
def test_choice_typed_vietnamese_confirmation(text: str, saved: str | None) -> None:
    answer = parse("choice", text, CONFIRM)
    assert answer == (Answer(True, saved) if saved else Answer(False, reason="not_an_option"))


def test_choice_typed_saves_the_value_not_the_title() -> None:
    assert value("choice", "size m", SIZES) == "size_m"
    assert value("choice", "3", SIZES) == "size_l"
    assert parse("choice", "size", SIZES).ok is False  # in every title: ambiguous
    assert value("choice", "yes", ENGLISH) == "Yes, that's right"
    assert value("choice", "another number", ENGLISH) == "Use another number"


def test_choice_exact_title_wins_over_number_and_emoji_titles_match() -> None:
    ratings = [Option(str(i), str(i), str(i)) for i in (5, 4, 3, 2, 1)]
    assert value("choice", "2", ratings) == "2"
    faces = [Option("a", "😍", "😍"), Option("b", "😐", "😐")]
    assert value("choice", "😐", faces) == "😐"
    assert value("choice", "1", faces) == "😍"


def test_choice_without_options_or_with_a_media_message() -> None:
    assert parse("choice", "1", []).reason == "not_an_option"
    assert parse("choice", "", SLOTS, kind="image", media=Media(id="m")).reason == "not_an_option"


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize(("text", "saved"), [
    ("1, 3", [AM, EVE]), ("3, 1", [AM, EVE]),
    ("1 và 3", [AM, EVE]), ("1 and 3", [AM, EVE]),
    ("1 3", [AM, EVE]), ("1;2", [AM, PM]),
    ("sáng, tối", [AM, EVE]), ("Sáng và chiều nhé", [AM, PM]),
    ("2", [PM]), ("2, 2", [PM]), (PM, [PM]),
    ("tất cả", [AM, PM, EVE]),
    ("all", [AM, PM, EVE]),
    ("1, 4", None), ("1, sai", None), ("", None), (",", None),
])
def test_choices_several_picks_in_option_order(text: str, saved: list[str] | None) -> None:
    answer = parse("choices", text, SLOTS)
    assert answer == (Answer(True, saved) if saved else Answer(False, reason="not_an_option"))


def test_choices_a_single_tap_is_a_list_of_one() -> None:
    assert parse("choices", "Size L", SIZES, kind="list", list_id="size_l").value == ["size_l"]
    assert parse("choices", "x", CONFIRM, kind="button", button_id="yes").value == [YES]


def test_choices_title_containing_a_separator() -> None:
    tea = "Trà sữa, trân châu"
    menu = [Option("a", tea, tea), Option("b", "Cà phê", "Cà phê")]
    assert value("choices", "trà sữa, trân châu", menu) == [tea]
    assert value("choices", "1 và cà phê", menu) == [tea, "Cà phê"]


# --------------------------------------------------------------------------- regex


@pytest.mark.parametrize(("pattern", "text", "saved"), [
    (r"[A-Z]{2}\d{6}", "AB123456", "AB123456"), (r"[A-Z]{2}\d{6}", "mã AB123456 nhé", "AB123456"),
    (r"^[A-Z]{2}\d{6}$", "mã AB123456 nhé", None), (r"^\d{5}$", " 10423 ", "10423"),
    (r"(?i)^vn\d+$", "vn123", "vn123"), (r"\d{3}", "12", None), (r"x*", "abc", None),
    (r"(?P<code>GHN\d+)", "đơn GHN778 của mình", "GHN778"),
])
def test_regex_searches_and_saves_the_matched_text(pattern: str, text: str,
                                                   saved: str | None) -> None:
    answer = parse(f"regex:{pattern}", text)
    assert answer == (Answer(True, saved) if saved else Answer(False, reason="no_match"))


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?<=a)b", "[", "a" * 1000])
def test_regex_refuses_patterns_matches_would_refuse(pattern: str) -> None:
    assert parse(f"regex:{pattern}", "aaaa").reason == "bad_pattern"


# --------------------------------------------------------------------------- helpers


def test_unknown_expect_is_a_value_not_an_exception() -> None:
    assert parse("colour", "red") == Answer(False, reason="unknown_expect")


def test_options_of_an_interactive_message() -> None:
    buttons = SendInteractive("84", "Chọn", buttons=(Button("b1", "Đúng"), Button("b2", "Đổi lại")))
    assert options_of(buttons) == (Option("b1", "Đúng", "Đúng"), Option("b2", "Đổi lại", "Đổi lại"))
    menu = SendInteractive("84", "Chọn size", list_button="Size", sections=(
        Section("Áo", (Row("s", "Size S"), Row("m", "Size M", "Vừa"))),))
    assert options_of(menu) == (Option("s", "Size S", "s"), Option("m", "Size M", "m"))


def test_answer_text_prefers_the_body_then_the_caption() -> None:
    assert answer_text(msg(" hi ")) == "hi"
    assert answer_text(msg("", kind="video", media=Media(id="v", caption="xem nè"))) == "xem nè"
    assert answer_text(msg("", kind="sticker", media=Media(id="s"))) is None
