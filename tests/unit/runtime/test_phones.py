"""The one reader of typed phone numbers into WhatsApp ids."""

from __future__ import annotations

import pytest

from wactl.runtime.phones import wa_id_of


@pytest.mark.parametrize(("raw", "expected"), [
    ("84901234567", "84901234567"), ("+84 90-123 4567", "84901234567"),
    ("(+44) 7700 900555", "447700900555"), ("abc", None), ("123", None), ("", None),
    ("1234567890123456", None), ("٨٤٩٠١٢٣٤٥٦٧", None),
])
def test_phone_numbers(raw: str, expected: str | None) -> None:
    assert wa_id_of(raw) == expected
