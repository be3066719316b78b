"""Finding phones, emails, hosts, amounts and dates in free text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime.agents import claims
from wactl.runtime.agents.visible import visible


@pytest.mark.parametrize(("text", "expected"), [
    ("Gọi 0901 234 567 nhé", ["901234567"]),
    ("+84 90 123 4567, hoặc 090.123.4567.", ["901234567", "901234567"]),
    ("Hotline (028) 3823 4567", ["838234567"]),
    ("wa_id 84917778888", ["917778888"]),
])
def test_phones_compare_by_their_last_nine_digits(text: str, expected: list[str]) -> None:
    assert list(claims.phones(text)) == expected


@pytest.mark.parametrize("text", ["Đơn 10423", "150.000.000 đ", "giá 2.500.000đ",
                                  "1,234,567,890 VND", "mã 12345678", "9:00–21:30",
                                  "2026-11-27"])
def test_prices_order_ids_and_dates_are_not_phones(text: str) -> None:
    assert list(claims.phones(text)) == []


def test_emails_are_lowercased() -> None:
    assert list(claims.emails("Mail Lan.Nguyen+vip@Shop.VN.")) == ["lan.nguyen+vip@shop.vn"]


def test_hosts_of_links_and_bare_domains() -> None:
    text = ("Xem https://www.Shop.example/p/gel?x=1, shopee.vn và http://tiki.vn:8080/a; "
            "mail cskh@hoamai.vn")
    assert list(claims.hosts(text)) == ["shop.example", "tiki.vn", "shopee.vn"]


def test_file_names_and_versions_are_not_domains() -> None:
    assert list(claims.hosts("ảnh.jpg, bản 1.2.3, SPF50, cskh@hoamai.vn")) == []


@pytest.mark.parametrize(("text", "value"), [
    ("20,000đ", 20000), ("20.000 đ", 20000), ("500k", 500000), ("$15", 15),
    ("15 USD", 15), ("1,5 triệu", 1500000), ("1.5tr", 1500000), ("150.000 VND", 150000),
    ("99 nghìn", 99000),
])
def test_amounts_compare_by_value(text: str, value: float) -> None:
    assert list(claims.amounts(text)) == [value]


@pytest.mark.parametrize("text", ["SPF50", "3 bước", "50 ml", "5 kg", "2 khách", "10423"])
def test_numbers_without_a_currency_are_not_amounts(text: str) -> None:
    assert list(claims.amounts(text)) == []


def test_dates_and_weekdays() -> None:
    text = "Giao ngày 27/11 hoặc 2026-11-28, thứ 6 hoặc Chủ nhật, tomorrow"
    assert list(claims.dates(text)) == ["27/11", "28/11", "thu 6", "chu nhat", "tomorrow"]


@pytest.mark.parametrize("text", ["1.5 triệu", "1-2 ngày", "9:30", "32/13", "3.5"])
def test_other_numbers_are_not_dates(text: str) -> None:
    assert list(claims.dates(text)) == []


@pytest.mark.parametrize("unit", ["1.", "9", "x", "a.", "1,", "a@b.", "https://", "$1", "a-"])
def test_adversarial_text_is_scanned_in_linear_time(unit: str) -> None:
    """Backtracking blow-ups took minutes on these once; now they finish like any text."""
    text = unit * (20_000 // len(unit))
    for finder in (claims.phones, claims.emails, claims.hosts, claims.amounts, claims.dates):
        assert len(list(finder(text))) <= len(text)


ZWSP, ZWJ, WJ = "\u200b", "\u200d", "\u2060"


@pytest.mark.parametrize("text", [
    f"0901{ZWSP}234{ZWSP}567", f"0{ZWJ}9{ZWJ}0{ZWJ}1{WJ}234567", "0901  234  567",
    "0901 / 234 / 567", "0901\t-\t234\t-\t567", "0901_234_567", "(0901) 234.567",
    "０９０１ ２３４ ５６７", "𝟎𝟗𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕", "٠٩٠١٢٣٤٥٦٧", "0\u03329\u03320\u03321\u0332234567",
    "sđt0901234567", "0901 234 567 - 5đ",
])
def test_a_phone_number_is_found_whatever_stands_between_its_digits(text: str) -> None:
    assert list(claims.phones(text)) == ["901234567"]


def test_two_numbers_in_one_run_are_both_found() -> None:
    assert list(claims.phones("0901234567 / 0912345678")) == ["901234567", "912345678"]


@pytest.mark.parametrize("text", ["1.000.000 - 2.000.000đ", "/p/123456789",
                                  "1,234,567,890", "3.5 triệu"])
def test_amounts_and_paths_are_still_not_phones(text: str) -> None:
    assert list(claims.phones(text)) == []


@pytest.mark.parametrize(("text", "host"), [
    ("Mua ở rival-shop.ru rẻ hơn", "rival-shop.ru"), ("xem rival.com nhé", "rival.com"),
    ("shop.com.vn", "shop.com.vn"), ("cửahàng.vn", "cửahàng.vn"), ("rival.рф", "rival.рф"),
    ("abc.xyz", "abc.xyz"), ("RIVAL.Store", "rival.store"), ("m.rival.co.uk", "m.rival.co.uk"),
])
def test_bare_domains_are_found_by_the_public_suffix_list(text: str, host: str) -> None:
    assert list(claims.hosts(text)) == [host]


@pytest.mark.parametrize("text", [
    "rival[.]com", "rival(.)com", "rival{.}com", "rival [.] com", "rival[dot]com",
    "rival (dot) com", "rival dot com", "rival DOT com", "rival chấm com", "rival . com",
    "rival .com",
    f"rival{ZWSP}.com", "ｒｉｖａｌ．ｃｏｍ",
])
def test_obfuscated_dots_are_read_as_dots(text: str) -> None:
    assert list(claims.hosts(text)) == ["rival.com"]


@pytest.mark.parametrize("text", ["ảnh.jpg", "bản 1.2.3", "shop.example", "localhost",
                                  "Cảm ơn bạn. Com bo nhé", "v.v.", "SPF50"])
def test_names_not_on_the_public_suffix_list_are_not_domains(text: str) -> None:
    assert list(claims.hosts(text)) == []


def test_obfuscated_emails_are_emails_and_not_domains() -> None:
    assert list(claims.emails("lan [at] gmail [dot] com")) == ["lan@gmail.com"]
    assert list(claims.hosts("lan [at] gmail [dot] com")) == []


@pytest.mark.parametrize("unit", ["0 ", "0 / ", "1.", "a[.]", "a dot ", "\u200b1", "1đ 1"])
def test_the_new_forms_are_scanned_in_linear_time(unit: str) -> None:
    text = unit * (20_000 // len(unit))
    for finder in (claims.phones, claims.emails, claims.hosts):
        assert len(list(finder(text))) <= len(text)


SEPARATORS = st.lists(st.sampled_from([" ", "  ", ".", "-", "/", " / ", "_", "\u200b",
                                       "\u200d", "\u2060", "\u00ad", "\t", "–"]),
                      max_size=3).map("".join).filter(lambda s: len(visible(s)) <= 5)
"""What may stand between two digits of one number: up to 5 visible separator characters."""


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=10, max_size=10), st.lists(SEPARATORS, min_size=9,
                                                                  max_size=9))
def test_a_phone_is_found_whatever_the_separators_between_its_digits(
        digits: str, separators: list[str]) -> None:
    written = digits[0] + "".join(sep + d for sep, d in zip(separators, digits[1:], strict=True))
    assert list(claims.phones(f"Gọi {written} nhé")) == [digits[-9:]]
