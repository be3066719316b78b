"""Finding phones, emails, hosts, amounts and dates in free text."""

from __future__ import annotations

import pytest

from wactl.runtime.agents import claims


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
