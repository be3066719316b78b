"""Reading a date or a time of day out of a customer's reply, in Vietnamese or English.

Dates (the first one the reply states wins, so "Thứ bảy 28/12/2030, mình đi 2 người" is
28 December 2030):

- written dates, day first: ISO `2030-12-28` (also with `/` or `.`), `28/12/2030`,
  `28-12-2030`, `28.12.30` (two-digit years are 20xx), `28 tháng 12 [năm 2030]`,
  `28 Dec [2030]`, `December 28[, 2030]`;
- a day and month without a year (`25/12`, `25 tháng 12`): the next 25 December on or
  after `today` (a date already past this year is next year's);
- a day of the month alone (`ngày 15`, `mùng 5`, `the 15th`): the next such day on or
  after today;
- words: today / hôm nay / tối nay, tomorrow / (ngày) mai, the day after tomorrow /
  ngày kia / ngày mốt, "in 3 days" / "3 ngày nữa" / "sau 3 ngày";
- a weekday (Saturday, thứ bảy, thứ 7, T7, chủ nhật, CN): the next one on or after
  today; with "next" / "tuần sau" / "tuần tới" a week later than that.

Times come back as "HH:MM": `14:30`, `14h`, `14h30`, `9g15`, `9 giờ`, `9 giờ 30 phút`,
`9 rưỡi` (9:30), `9 giờ kém 15` (8:45), `3 chiều`, `2pm`, `2:30 p.m.`, `2 o'clock`, a bare hour
`9` or `14.30` when that is the whole reply, and noon / trưa / midnight / nửa đêm.
A period word shifts the hour: am/pm, sáng (morning), trưa (noon: 1 trưa is 13:00),
chiều and tối (afternoon, evening: +12 under 12), đêm (night: 11 đêm is 23:00, 2 đêm
is 02:00).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from wactl.runtime._answer_numbers import clean, fold

MIN_YEAR, MAX_YEAR = 1900, 2199
_MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_END = r"(?![\d/-]|\.\d)"
_ISO = re.compile(r"(?<![\d/.-])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _END)
_DMY = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
                  + _END)
_DM = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})" + _END)
_VI = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})\s*thang\s*(?P<m>\d{1,2})(?!\d)"
                 r"(?:\s*(?:,|nam)?\s*(?P<y>\d{4})(?!\d))?")
_D_MON = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>" + _MONTH
                    + r")(?:,?\s+(?P<y>\d{4})(?!\d))?")
_MON_D = re.compile(r"\b(?P<mon>" + _MONTH + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b"
                    r"(?:,?\s+(?P<y>\d{4})(?!\d))?")
_DAY_ONLY = re.compile(r"\b(?:ngay|mung|mong)\s*(?P<d>\d{1,2})(?![\d/.-]|\s*thang)"
                       r"|\bthe (?P<d2>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?[a-z])")
_WRITTEN = (_ISO, _DMY, _DM, _VI, _D_MON, _MON_D)

_OFFSETS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\b(?:day after tomorrow|ngay kia|ngay mot)\b"), 2),
    (re.compile(r"\b(?:today|tonight|hom nay|toi nay|sang nay|chieu nay|trua nay)\b"), 0),
    (re.compile(r"\b(?:tomorrow|ngay mai|mai)\b"), 1),
)
_IN_DAYS = re.compile(r"\bin (\d{1,3}) days?\b|\b(\d{1,3}) ngay (?:nua|toi)\b"
                      r"|\bsau (\d{1,3}) ngay\b")
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_VI = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
                "sau": 4, "6": 4, "bay": 5, "7": 5}
_WEEKDAY = re.compile(r"\b(?:(?P<en>" + "|".join(_WEEKDAYS_EN) + r")|thu (?P<vi>"
                      + "|".join(_WEEKDAYS_VI) + r")|t(?P<t>[2-7])|(?P<sun>chu nhat|cn))\b")
_NEXT_WEEK = re.compile(r"\b(?:next|tuan sau|tuan toi)\b")


def parse_date(text: str, today: date) -> date | None:
    """The date a reply states, by the module docstring's rules; None when there is none."""
    folded = fold(text)
    written = _written_date(folded, today)
    if written is not None:
        return written
    return _relative_date(folded, clean(text).lower(), today)


def _written_date(folded: str, today: date) -> date | None:
    """The earliest written date (digits or month names) in the reply that is a real day."""
    found: list[tuple[int, date]] = []
    for pattern in _WRITTEN:
        for match in pattern.finditer(folded):
            day = _from_match(match, today)
            if day is not None:
                found.append((match.start(), day))
                break
    if found:
        return min(found)[1]
    day_only = _DAY_ONLY.search(folded)
    return None if day_only is None else _next_day_of_month(int(day_only["d"] or day_only["d2"]),
                                                            today)


def _next_day_of_month(day: int, today: date) -> date | None:
    """"ngày 15" / "the 15th": the next 15th on or after today (skipping months without it)."""
    year, month = today.year, today.month
    for _ in range(13):
        candidate = _make(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _from_match(match: re.Match[str], today: date) -> date | None:
    """A date from a match with `d`, `m` or `mon`, and an optional `y`."""
    groups = match.groupdict()
    month = _MONTHS.index(groups["mon"][:3]) + 1 if groups.get("mon") else int(groups["m"])
    day = int(groups["d"])
    year_text = groups.get("y")
    if year_text is None:
        return _next_occurrence(day, month, today)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    return _make(year, month, day)


def _make(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_occurrence(day: int, month: int, today: date) -> date | None:
    """The first `day/month` on or after today (29/02 looks up to eight years ahead)."""
    for year in range(today.year, today.year + 9):
        candidate = _make(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _relative_date(folded: str, lowered: str, today: date) -> date | None:
    """today / tomorrow / in N days / a weekday, in that order of precedence."""
    if "mốt" in lowered.split():
        return _plus(today, 2)
    for pattern, days in _OFFSETS:
        if pattern.search(folded):
            return _plus(today, days)
    in_days = _IN_DAYS.search(folded)
    if in_days is not None:
        return _plus(today, next(int(g) for g in in_days.groups() if g is not None))
    return _weekday(folded, today)


def _plus(today: date, days: int) -> date | None:
    """`today + days`, or None past the calendar's end (a clock set to 9999-12-31)."""
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return None


def _weekday(folded: str, today: date) -> date | None:
    match = _WEEKDAY.search(folded)
    if match is None:
        return None
    if match["en"]:
        target = _WEEKDAYS_EN.index(match["en"])
    elif match["vi"]:
        target = _WEEKDAYS_VI[match["vi"]]
    elif match["t"]:
        target = int(match["t"]) - 2
    else:
        target = 6
    ahead = (target - today.weekday()) % 7
    if _NEXT_WEEK.search(folded):
        ahead += 7
    return _plus(today, ahead)


# --------------------------------------------------------------------------- times

_CLOCK = r"(?:h|g|gio|o'?clock|o clock)(?![a-z])"
_MINUTES = r"(?:\s*(?:phut|p|mins?|minutes?)(?![a-z]))?"
_TIME = re.compile(
    r"(?<![\d:.,/])(?P<h>\d{1,2})(?:"
    r"\s*:\s*(?P<m>\d{2})(?!\d)"
    r"|\s*" + _CLOCK + r"\s*(?:(?P<m2>\d{1,2})(?!\d)" + _MINUTES
    + r"|(?P<half>ruoi)\b|kem\s*(?P<less>\d{1,2})(?!\d)" + _MINUTES + r")?"
    r"|\s*(?P<half2>ruoi)\b"
    r"|(?=\s*(?:am|pm|a\.m|p\.m|sang|trua|chieu|toi|dem|buoi|in the (?:morning|afternoon|evening)"
    r"|at night|tonight)\b)"
    r")(?![\d/])")
_BARE = re.compile(r"(?P<h>\d{1,2})(?:[.](?P<m>\d{2}))?")
_PERIODS = (r"(?P<am>am|a\.m)|(?P<pm>pm|p\.m)|(?P<sang>{sang}|morning)|(?P<trua>{trua}|noon)"
            r"|(?P<chieu>{chieu}|afternoon)|(?P<toi>{toi}|evening|tonight)|(?P<dem>{dem}|night)")
_PERIOD_NEAR = re.compile(r"\s*(?:buoi\s+|in the\s+|at\s+)?(?:" + _PERIODS.format(
    sang="sang", trua="trua", chieu="chieu", toi="toi", dem="dem") + r")\b")
_PERIOD_ANY = re.compile(r"\b(?:" + _PERIODS.format(
    sang="sáng", trua="trưa", chieu="chiều", toi="tối", dem="đêm") + r")\b")
_WORD_TIMES = ((re.compile(r"\b(?:midnight|nua dem)\b"), "00:00"),
               (re.compile(r"\b(?:noon|midday|trua)\b"), "12:00"))
_SHIFT: dict[str, Callable[[int], int | None]] = {
    "am": lambda h: 0 if h == 12 else (h if h <= 12 else None),
    "pm": lambda h: h + 12 if 1 <= h <= 11 else (h if h == 12 else None),
    "sang": lambda h: h,
    "trua": lambda h: h + 12 if 1 <= h <= 3 else h,
    "chieu": lambda h: h + 12 if 1 <= h <= 11 else h,
    "toi": lambda h: h + 12 if 1 <= h <= 11 else h,
    "dem": lambda h: h + 12 if 6 <= h <= 11 else (0 if h == 12 else h),
}


def parse_time(text: str) -> str | None:
    """The time of day a reply states, as "HH:MM"; None when there is none."""
    folded = fold(text)
    bare = _BARE.fullmatch(folded.strip(" .!?"))
    match = _TIME.search(folded) or bare
    if match is None:
        return next((hhmm for pattern, hhmm in _WORD_TIMES if pattern.search(folded)), None)
    hour, minute = _clock(match)
    period = _period(folded, clean(text).lower(), match)
    if period is not None and hour is not None:
        hour = _SHIFT[period](hour)
    if hour is None or not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _period(folded: str, lowered: str, match: re.Match[str]) -> str | None:
    """The period word right after the time ("2 giờ chiều"), else one elsewhere ("tối nay 7h").

    Elsewhere, Vietnamese words count only with their diacritics: unaccented `toi` is
    as often "tôi" (I) as "tối" (evening).
    """
    near = _PERIOD_NEAR.match(folded, match.end()) if match.re is _TIME else None
    found = near or _PERIOD_ANY.search(lowered)
    return None if found is None else found.lastgroup


def _clock(match: re.Match[str]) -> tuple[int | None, int]:
    """(hour, minute) as written, before a period word shifts the hour."""
    groups = match.groupdict()
    hour = int(groups["h"])
    if groups.get("less"):
        less = int(groups["less"])
        return (hour - 1) % 24 if 0 < less < 60 else None, (60 - less) % 60
    if groups.get("half") or groups.get("half2"):
        return hour, 30
    minute = groups.get("m") or groups.get("m2")
    return hour, int(minute) if minute else 0
