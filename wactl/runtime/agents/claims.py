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
from functools import cache

from publicsuffixlist import PublicSuffixList

from wactl.compiler.checks.triggers import normalise
from wactl.runtime.agents.visible import visible

PHONE_KEY_DIGITS = 9
"""Numbers compare by their last 9 digits: national and international forms agree."""
PHONE_MAX_DIGITS = 15
"""E.164's longest number; a longer run of digits is cut into numbers (see `phones`)."""

_CURRENCY = r"(?:đ|₫|vnđ|vnd|dong|đồng|k|usd|dollars?|nghìn|ngàn|triệu|tr)"
# Every pattern has bounded repeats or is possessive: the finders run over whole
# conversations, so they must stay linear on any input.
_SEPARATOR = r"[\s./\\()\[\]_*|~·•‐‑‒–—―−-]"
"""What may stand between the digits of one phone number: `0901 234 567`,
`0901  234  567`, `0901 / 234 / 567`, `090.123.4567`, `(028) 3823-4567`.  Invisible
separators (zero-width spaces, joiners) are gone before (`visible.visible`)."""
_DIGIT_RUN = re.compile(r"\+?\d(?:" + _SEPARATOR + r"{0,5}\d)*+")
_GROUPS = re.compile(r"(\D+)")
_AMOUNT_AFTER = re.compile(r"[.,]\d|\s?" + _CURRENCY + r"(?!\w)|\s?[%$€]", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
_URL = re.compile(r"(?<![\w/.])(?:https?://|www\.)[^\s<>()\"'\]\[]{1,2048}", re.IGNORECASE)
_DOMAIN = re.compile(r"(?<![\w@.-])([\w-]{1,63}(?:\.[\w-]{1,63}){1,8})(?![\w-])")
_DOT_WORDS = r"(?:\.|dot|chấm|cham)"
_OBFUSCATED_DOT = re.compile(r"\s{0,3}[\[({<]\s{0,3}" + _DOT_WORDS + r"\s{0,3}[\])}>]\s{0,3}"
                             r"|\s{1,3}(?:dot|chấm|cham|\.)\s{1,3}|\s{1,3}\.(?=[^\W_])",
                             re.IGNORECASE)
"""`[.]`, `(dot)`, ` dot `, ` chấm `, ` . `, ` .com`; not `. ` alone, which ends sentences."""
_OBFUSCATED_AT = re.compile(r"\s{0,3}[\[({<]\s{0,3}(?:at|@|a còng)\s{0,3}[\])}>]\s{0,3}",
                            re.IGNORECASE)
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
    """Phone numbers, as `phone_key`s: runs of 9-15 digits across any separators.

    A run of digits is read across the separators people (and models) put between
    groups, so `0901 / 234 / 567` and `0901\u200b234\u200b567` are the same number.
    Not numbers: a run inside a path (`/p/123456789`), inside a decimal or thousands
    number (`1,234,567,890`), and the amount at the end of a run that a currency
    follows (`150.000.000 đ`): that amount is cut off and the rest is read.  A run of
    more than 15 digits is cut, group by group, into numbers of at least 9 digits.
    """
    folded = visible(text)
    for match in _DIGIT_RUN.finditer(folded):
        start, end = match.span()
        if start and (folded[start - 1] == "/" or _continues_number(folded, start)):
            continue
        parts = _GROUPS.split(match.group(0).lstrip("+"))
        groups, separators = parts[::2], parts[1::2]
        if _AMOUNT_AFTER.match(folded, end):
            groups = groups[:_amount_start(groups, separators)]
        yield from _numbers(groups)


def _continues_number(text: str, start: int) -> bool:
    """Whether the run continues a number (`1,234`, `3.5`): a digit and `.`/`,` before it."""
    return start >= 2 and text[start - 1] in ".," and text[start - 2].isdigit()


def _amount_start(groups: list[str], separators: list[str]) -> int:
    """Where the amount a currency follows begins: the last groups joined by `.` or `,`."""
    first = len(groups) - 1
    while first > 0 and separators[first - 1] in (".", ","):
        first -= 1
    return first


def _numbers(groups: list[str]) -> Iterator[str]:
    """The phone keys of one run's digit groups (see `phones`)."""
    digits = "".join(groups)
    if len(digits) <= PHONE_MAX_DIGITS:
        if len(digits) >= PHONE_KEY_DIGITS:
            yield phone_key(digits)
        return
    taken = ""
    for group in groups:
        taken += group
        if len(taken) >= PHONE_KEY_DIGITS:
            yield phone_key(taken)
            taken = ""


def emails(text: str) -> Iterator[str]:
    """Email addresses, lowercased (`lan [at] gmail [dot] com` too)."""
    for match in _EMAIL.finditer(readable(text)):
        yield match.group(0).lower().rstrip(".")


def hosts(text: str) -> Iterator[str]:
    """Hosts of links and bare domains (emails excluded), lowercased, without `www.`.

    A bare domain is one whose ending is on the Public Suffix List (`rival-shop.ru`,
    `shop.com.vn`, `quán.vn`), written plainly or as `rival[.]com`, `rival(.)com`,
    `rival dot com`; file names (`ảnh.jpg`) and versions (`1.2.3`) are not domains.
    """
    without_emails = _EMAIL.sub(" ", readable(text))
    for match in _URL.finditer(without_emails):
        host = re.sub(r"^(?:https?://)", "", match.group(0), flags=re.IGNORECASE)
        yield _host(re.split(r"[/?#:]", host, maxsplit=1)[0])
    for match in _DOMAIN.finditer(_URL.sub(" ", without_emails)):
        name = _host(match.group(1))
        if is_domain(name):
            yield name


def readable(text: str) -> str:
    """`text` folded (`visible`) with obfuscated dots and ats written plainly."""
    folded = visible(text)
    return _OBFUSCATED_AT.sub("@", _OBFUSCATED_DOT.sub(".", folded))


@cache
def _suffixes() -> PublicSuffixList:
    """The Public Suffix List's ICANN section (the one that says what a domain is)."""
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def is_domain(name: str) -> bool:
    """Whether `name` is a registrable domain or below one (`shop.vn`, `a.shop.com.vn`)."""
    try:
        return _suffixes().privatesuffix(name) is not None
    except (UnicodeError, ValueError):
        return False


def _host(name: str) -> str:
    name = name.lower().rstrip(".,;!")
    return name[4:] if name.startswith("www.") else name


def amounts(text: str) -> Iterator[float]:
    """Amounts of money (a number with a currency), as plain values: `500k` is 500000."""
    for match in _AMOUNT.finditer(visible(text)):
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
    folded = visible(text)
    for match in _CALENDAR.finditer(folded):
        if match.group(4):
            day, month = int(match.group(6)), int(match.group(5))
        else:
            day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            yield f"{day}/{month}"
    for match in _WEEKDAYS.finditer(normalise(folded)):
        yield match.group(1)
