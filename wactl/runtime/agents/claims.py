"""Finding checkable claims in free text: phone numbers, emails, hosts, amounts, dates.

The safety layer compares what a reply claims with what its sources say, so each
finder returns a canonical form that compares equal across spellings:
`0901 234 567` and `+84901234567` are one phone (the last 9 digits), `500k` and
`500.000đ` one amount (500000), `https://www.Shop.example/a` and `shop.example` one
host.  Finders are deliberately narrow (a phone needs 9+ digits and no currency after
it, an amount needs a currency) so ordinary numbers, order ids and sizes pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from wactl.compiler.checks.triggers import normalise

PHONE_KEY_DIGITS = 9
"""Numbers compare by their last 9 digits: national and international forms agree."""

_CURRENCY = r"(?:đ|₫|vnđ|vnd|dong|đồng|k|usd|dollars?|nghìn|ngàn|triệu|tr)"
# Every pattern starts at the start of a token (a lookbehind) and has bounded repeats:
# the finders run over whole conversations, so they must stay linear on any input.
_PHONE = re.compile(r"(?<![\w/])(?<!\d[.,])\+?\d(?:[ .\-]?\(?\d\)?){8,14}(?![\w/])(?![.,]\d)"
                    r"(?!\s?" + _CURRENCY + r"\b)(?!\s?[%$€])", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
_URL = re.compile(r"(?<![\w/.])(?:https?://|www\.)[^\s<>()\"'\]\[]{1,2048}", re.IGNORECASE)
_TLDS = ("com", "net", "org", "vn", "io", "co", "me", "ly", "shop", "store", "info", "biz",
         "app", "link", "xyz", "online", "site", "asia", "us", "uk")
_DOMAIN = re.compile(r"(?<![\w@.-])((?:[a-z0-9-]{1,63}\.){1,6}(?:" + "|".join(_TLDS)
                     + r"))(?![\w-])", re.IGNORECASE)
_AMOUNT = re.compile(r"(?:[$€£]\s?(\d[\d.,]{0,24}))"
                     r"|(?:(?<![\w.,])(\d[\d.,]{0,24})\s?(" + _CURRENCY + r")(?!\w))",
                     re.IGNORECASE)
_MULTIPLIERS = {"k": 1_000, "nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tr": 1_000_000}
_CALENDAR = re.compile(r"(?<![\d/.,-])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])"
                       r"|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WEEKDAYS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
                       r"|thu (?:2|3|4|5|6|7|hai|ba|tu|nam|sau|bay)|chu nhat|ngay mai)\b")


def phone_key(text: str) -> str:
    """The digits that identify a phone number across its spellings."""
    return re.sub(r"\D", "", text)[-PHONE_KEY_DIGITS:]


def phones(text: str) -> Iterator[str]:
    """Phone-number-like runs of 9-15 digits, as `phone_key`s."""
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= PHONE_KEY_DIGITS:
            yield phone_key(digits)


def emails(text: str) -> Iterator[str]:
    """Email addresses, lowercased."""
    for match in _EMAIL.finditer(text):
        yield match.group(0).lower().rstrip(".")


def hosts(text: str) -> Iterator[str]:
    """Hosts of links and bare domains (emails excluded), lowercased, without `www.`."""
    without_emails = _EMAIL.sub(" ", text)
    for match in _URL.finditer(without_emails):
        host = re.sub(r"^(?:https?://)", "", match.group(0), flags=re.IGNORECASE)
        yield _host(re.split(r"[/?#:]", host, maxsplit=1)[0])
    for match in _DOMAIN.finditer(_URL.sub(" ", without_emails)):
        yield _host(match.group(1))


def _host(name: str) -> str:
    name = name.lower().rstrip(".,;!")
    return name[4:] if name.startswith("www.") else name


def amounts(text: str) -> Iterator[float]:
    """Amounts of money (a number with a currency), as plain values: `500k` is 500000."""
    for match in _AMOUNT.finditer(text):
        number = match.group(1) or match.group(2)
        unit = (match.group(3) or "").lower()
        value = _number(number)
        if value is not None:
            yield value * _MULTIPLIERS.get(unit, 1)


def _number(text: str) -> float | None:
    """`20,000` / `20.000` (thousands) or `1,5` / `1.5` (decimals), by the groups' shape."""
    text = text.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def dates(text: str) -> Iterator[str]:
    """Calendar dates (`27/11`, `2026-11-27`) as `d/m`, and weekday words, normalised."""
    for match in _CALENDAR.finditer(text):
        if match.group(4):
            day, month = int(match.group(6)), int(match.group(5))
        else:
            day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            yield f"{day}/{month}"
    for match in _WEEKDAYS.finditer(normalise(text)):
        yield match.group(1)
