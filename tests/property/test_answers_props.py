"""Answer parsing properties: total on any input, and the ordinary spellings read back exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wactl.runtime.answers import EXPECTS, Answer, Option, parse_answer
from wactl.runtime.events import Inbound, Media, MessageKind

AT = datetime(2024, 5, 10, 9, 30, tzinfo=UTC)
TODAY = AT.date()
FAST = settings(max_examples=150, deadline=None)

texts = st.text(max_size=300) | st.from_regex(r"[0-9 .,:/hHgpm+()#-]{0,40}", fullmatch=True)
options = st.lists(st.builds(Option, st.text(max_size=12), st.text(max_size=30),
                             st.text(max_size=12)), max_size=12)
expects = st.sampled_from(EXPECTS) | st.text(max_size=10) | st.builds(
    lambda p: "regex:" + p, st.text(max_size=40) | st.from_regex(r"\(?[a-z\\d.+*?|]{0,12}\)?[+*]?"))


def inbound(text: str, **kw: Any) -> Inbound:
    return Inbound("84900000000", AT, text=text, **kw)


def parse(expect: str, text: str, opts: list[Option] | None = None, **kw: Any) -> Answer:
    return parse_answer(expect, inbound(text, **kw), opts or [], today=TODAY)


@FAST
@given(expect=expects, text=texts, kind=st.sampled_from(get_args(MessageKind)), opts=options,
       tapped=st.none() | st.text(max_size=12), caption=st.none() | st.text(max_size=50),
       today=st.dates(), region=st.text(max_size=4))
@example(expect="number", text="9" * 5000, kind="text", opts=[], tapped=None, caption=None,
         today=date(9999, 12, 31), region="84")
@example(expect="date", text="29/02", kind="text", opts=[], tapped=None, caption=None,
         today=date(9999, 3, 1), region="")
@example(expect="date", text="thứ bảy tuần sau", kind="text", opts=[], tapped=None, caption=None,
         today=date.max, region="")
@example(expect="date", text="tomorrow", kind="button", opts=[], tapped=None, caption=None,
         today=date.max, region="")
def test_parse_answer_never_raises(expect: str, text: str, kind: MessageKind, opts: list[Option],
                                   tapped: str | None, caption: str | None, today: date,
                                   region: str) -> None:
    message = inbound(text, kind=kind, button_id=tapped, list_id=tapped,
                      media=None if caption is None else Media(id="m", caption=caption),
                      contacts=({"phones": [{"phone": text}]},))
    answer = parse_answer(expect, message, opts, today=today, default_region=region)
    assert isinstance(answer, Answer)
    assert answer.reason != "unreadable"  # the safety net caught a defect
    assert answer.ok == (answer.reason == "")
    assert answer.ok or answer.value is None


@FAST
@given(st.integers(-10**12, 10**12))
def test_integers_read_back_plain_and_grouped(n: int) -> None:
    assert parse("number", str(n)).value == n
    assert parse("number", f"{n:,}").value == n
    assert parse("number", f"{n:,}".replace(",", ".")).value == n
    assert parse("number", f"{n} người").value == n


@FAST
@given(st.integers(0, 10**6), st.integers(1, 99))
def test_decimals_read_back_with_point_or_comma(whole: int, cents: int) -> None:
    expected = float(f"{whole}.{cents:02d}")
    assert parse("number", f"{whole}.{cents:02d}").value == expected
    assert parse("number", f"{whole},{cents:02d}").value == expected


@FAST
@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=4),
       st.integers(0, 10**9))
def test_letters_glued_to_digits_are_never_a_number(prefix: str, n: int) -> None:
    assert parse("number", f"{prefix}{n}").ok is False


@FAST
@given(st.dates(date(1900, 1, 1), date(2199, 12, 31)))
def test_written_dates_read_back(day: date) -> None:
    for written in (day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}",
                    day.strftime("%d-%m-%Y"), f"ngày {day.day} tháng {day.month} năm {day.year}",
                    day.strftime("%d %b %Y"), day.strftime("%B %d, %Y"),
                    f"Thứ bảy {day:%d/%m/%Y}, mình đi 2 người"):
        assert parse("date", written).value == day, written


@FAST
@given(st.dates(date(1900, 1, 1), date(2190, 12, 31)),
       st.dates(date(2000, 1, 1), date(2100, 2, 28)))
def test_day_and_month_is_the_next_occurrence(day: date, today: date) -> None:
    got = parse_answer("date", inbound(f"{day.day}/{day.month}"), [], today=today).value
    assert (got.day, got.month) == (day.day, day.month)
    years = 8 if (day.month, day.day) == (2, 29) else 1
    assert today <= got < today + timedelta(days=366 * years)


@FAST
@given(st.integers(0, 23), st.integers(0, 59))
def test_times_read_back(hour: int, minute: int) -> None:
    expected = f"{hour:02d}:{minute:02d}"
    for written in (expected, f"{hour}:{minute:02d}", f"{hour}h{minute:02d}",
                    f"{hour} giờ {minute}"):
        assert parse("time", written).value == expected, written
    twelve = hour % 12 or 12
    assert parse("time", f"{twelve}:{minute:02d} {'pm' if hour >= 12 else 'am'}").value == expected


@FAST
@given(st.from_regex(r"[35789][0-9]{8}", fullmatch=True),
       st.sampled_from(["{a}{b}{c}", "{a} {b} {c}", "{a}.{b}.{c}", "{a}-{b}-{c}"]))
def test_vietnamese_mobiles_become_e164(national: str, layout: str) -> None:
    parts = {"a": national[:2], "b": national[2:5], "c": national[5:]}
    assert parse("phone", "0" + layout.format(**parts)).value == "+84" + national
    assert parse("phone", "+84 " + layout.format(**parts)).value == "+84" + national


titles = st.lists(st.text(alphabet="abcdefghij ĐđÁáỳ", min_size=1, max_size=12), min_size=1,
                  max_size=8, unique_by=lambda t: " ".join(t.lower().split()))


@FAST
@given(titles, st.data())
def test_a_pick_by_number_title_or_tap_saves_that_options_value(names: list[str],
                                                                data: st.DataObject) -> None:
    opts = [Option(f"id{i}", t, f"value{i}") for i, t in enumerate(names)]
    i = data.draw(st.integers(0, len(opts) - 1))
    assert parse("choice", str(i + 1), opts).value in {opts[i].value} | {
        o.value for o in opts if o.title.strip() == str(i + 1)}
    assert parse("choice", "", opts, kind="button", button_id=f"id{i}").value == f"value{i}"
    assert parse("choice", "", opts, kind="list", list_id=f"id{i}").value == f"value{i}"
    typed = parse("choice", opts[i].title.upper(), opts)
    assert not typed.ok or typed.value == opts[i].value or _same_key(opts, i, typed.value)


@FAST
@given(st.integers(2, 10), st.data())
def test_several_numbers_pick_those_options_in_order(count: int, data: st.DataObject) -> None:
    opts = [Option(f"id{i}", f"Option {chr(65 + i)}", f"v{i}") for i in range(count)]
    chosen = data.draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count))
    separator = data.draw(st.sampled_from([", ", " và ", " and ", " ", ";"]))
    reply = separator.join(str(i + 1) for i in chosen)
    assert parse("choices", reply, opts).value == [f"v{i}" for i in sorted(set(chosen))]


def _same_key(opts: list[Option], i: int, saved: object) -> bool:
    """Titles that normalise alike ("Đ" and "d") are the same pick: the first one wins."""
    from wactl.compiler.checks.triggers import normalise
    return any(o.value == saved and normalise(o.title) == normalise(opts[i].title) for o in opts)
