"""Is a customer's message a valid answer to an `ask`, and what typed value does it save?

`parse_answer(expect, message, options, today=...)` is the whole interface: the engine
calls it when a message arrives while a run waits on an `ask`, and either saves
`Answer.value` or sends the retry message.  It never raises: an answer it cannot read
is `Answer(ok=False, reason=...)` with a short code.

What each `expect` accepts (the detailed rules are in the helper modules' docstrings):

- `text`: any non-empty text, the caption of a media message included; a media or
  location message without text is not a text answer (`not_text`).
- `number` (`_answer_numbers`): one number in a short reply — "10423", "1,5", " 42 ",
  "1.000.000", "2 người" — but never digits glued to letters ("DH10424" is invalid).
  `int` when whole, else `float`.
- `email`: one address in the reply; the domain is lowercased.
- `phone`: digits with an optional `+`, spaces, dots, dashes and parentheses, 8-15
  digits, also inside a sentence, or a shared contact card.  Saved as "+" and digits:
  a national number with a leading 0 gets `default_region` ("0903 111 222" becomes
  "+84903111222"); `00` starts an international number; digits that already start with
  the region's code (10 or more digits) keep it.
- `date` (`_answer_dates`): a `datetime.date`; day-first, ISO, month names, relative
  words and weekdays in Vietnamese and English.  `time`: "HH:MM".
- `choice` (`_answer_choice`): a tapped button (by id, else by title), a tapped list
  row (by id), or a typed title or number; saves the option's `value`.  `choices`: a
  tap, or several typed picks; saves the list of values in option order.
- `regex:<pattern>`: the pattern is *searched* in the reply, like the `matches`
  operator (anchor with `^...$` to require the whole reply); the value is the matched
  text.  A pattern `matches` would refuse (too long, or beyond RE2: a back-reference, a
  lookaround) is `bad_pattern`; RE2 runs any other in time linear in the reply.

A reaction is never an answer: it is a comment on an earlier message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from wactl.dsl.expr import PatternError, compile_pattern
from wactl.runtime._answer_choice import match_many, match_one
from wactl.runtime._answer_dates import parse_date, parse_time
from wactl.runtime._answer_numbers import clean, parse_number
from wactl.runtime.effects import SendInteractive
from wactl.runtime.events import Inbound

EXPECTS = ("text", "number", "email", "phone", "date", "time", "choice", "choices")
REGEX_PREFIX = "regex:"


@dataclass(frozen=True, slots=True)
class Option:
    """One pick offered by the ask's message."""

    id: str
    """The button id or list row id."""
    title: str
    """The title shown, already in the customer's language."""
    value: str
    """What `expect: choice` saves: the button's title, or the list row's id."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The verdict on one message: the typed value to save, or why it is not an answer."""

    ok: bool
    value: Any = None
    reason: str = ""
    """Why not ok: not_text, not_a_number, not_an_email, not_a_phone, not_a_date,
    not_a_time, not_an_option, no_match, bad_pattern, unknown_expect, unreadable."""


@dataclass(frozen=True, slots=True)
class _Ask:
    """What a parser gets: the message, the offered picks, and the context of the answer."""

    message: Inbound
    options: Sequence[Option]
    today: date
    region: str


def parse_answer(expect: str, message: Inbound, options: Sequence[Option], *, today: date,
                 default_region: str = "84") -> Answer:
    """The verdict on `message` as an answer to an ask with this `expect`; never raises."""
    ask = _Ask(message, options, today, default_region)
    try:
        if expect.startswith(REGEX_PREFIX):
            return _regex(expect[len(REGEX_PREFIX):], ask)
        parser = _PARSERS.get(expect)
        if parser is None:
            return Answer(False, reason="unknown_expect")
        if message.kind == "reaction":
            return Answer(False, reason=_NOT[expect])
        return parser(ask)
    except Exception:  # a defect here must cost a retry, never the conversation
        return Answer(False, reason="unreadable")


def options_of(message: SendInteractive) -> tuple[Option, ...]:
    """The picks an interactive message offers: buttons save their title, list rows their id."""
    buttons = tuple(Option(b.id, b.title, b.title) for b in message.buttons)
    rows = tuple(Option(r.id, r.title, r.id) for s in message.sections for r in s.rows)
    return buttons + rows


def answer_text(message: Inbound) -> str | None:
    """The text a message offers as an answer (body, tapped title or caption), or None."""
    text = message.text or (message.media.caption if message.media is not None else None)
    text = clean(text or "")
    return text or None


# --------------------------------------------------------------------------- parsers


def _typed(value: Any, reason: str) -> Answer:
    return Answer(True, value) if value is not None else Answer(False, reason=reason)


def _text(ask: _Ask) -> Answer:
    """The text as the customer wrote it, only stripped."""
    msg = ask.message
    caption = msg.media.caption if msg.media is not None else None
    text = msg.text.strip() or (caption or "").strip()
    return _typed(text or None, "not_text")


def _number(ask: _Ask) -> Answer:
    text = answer_text(ask.message)
    return _typed(None if text is None else parse_number(text), "not_a_number")


_EMAIL = re.compile(
    r"(?<![\w!#$%&'*+/=?^`{|}~.-])(?P<local>[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63})(?![\w-]|\.\w)")


def _email(ask: _Ask) -> Answer:
    text = answer_text(ask.message) or ""
    found = [m for m in _EMAIL.finditer(text.removeprefix("mailto:"))]
    if len(found) != 1 or len(found[0].group(0)) > 254:
        return Answer(False, reason="not_an_email")
    return Answer(True, f"{found[0]['local']}@{found[0]['domain'].lower()}")


def _date(ask: _Ask) -> Answer:
    text = answer_text(ask.message)
    return _typed(None if text is None else parse_date(text, ask.today), "not_a_date")


def _time(ask: _Ask) -> Answer:
    text = answer_text(ask.message)
    return _typed(None if text is None else parse_time(text), "not_a_time")


def _regex(source: str, ask: _Ask) -> Answer:
    pattern = compile_pattern(source)
    if isinstance(pattern, PatternError):
        return Answer(False, reason="bad_pattern")
    text = answer_text(ask.message)
    found = None if text is None else pattern.search(text)
    if found is None or not found.group(0):
        return Answer(False, reason="no_match")
    return Answer(True, found.group(0))


_PHONE = re.compile(r"(?<![\w+])(?:\+\s?|\(\+?)?\d(?:[\s.\-()]{0,3}\d){6,18}(?!\w)")


def _phone(ask: _Ask) -> Answer:
    region = re.sub(r"\D", "", ask.region)
    candidates = list(_contact_phones(ask.message))
    text = answer_text(ask.message)
    if text is not None:
        candidates += [m.group(0) for m in _PHONE.finditer(text)]
    found = (e164(c, region) for c in candidates)
    return _typed(next((p for p in found if p is not None), None), "not_a_phone")


def e164(written: str, region: str) -> str | None:
    """"+" and digits for a written phone number, by the module docstring's rule; or None."""
    written = written.strip()
    international = written.startswith(("+", "(+"))
    if international:
        written = written.replace("(0)", "")
    digits = re.sub(r"\D", "", written)
    if not 8 <= len(digits) <= 15:
        return None
    if international:
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif digits.startswith("0"):
        full = region + digits[1:]
    elif region and digits.startswith(region) and len(digits) >= 10:
        full = digits
    else:
        full = region + digits
    return f"+{full}" if 8 <= len(full) <= 15 and not full.startswith("0") else None


def _contact_phones(message: Inbound) -> list[str]:
    """Phones of shared contact cards, WhatsApp's shape: {"phones": [{"phone", "wa_id"}]}."""
    found: list[str] = []
    for card in message.contacts if message.kind == "contacts" else ():
        phones = card.get("phones") if isinstance(card, dict) else None
        for entry in phones if isinstance(phones, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("wa_id"), str):
                found.append("+" + entry["wa_id"])
            elif isinstance(entry, dict) and isinstance(entry.get("phone"), str):
                found.append(entry["phone"])
    return found


# --------------------------------------------------------------------------- picks


def _tapped(ask: _Ask) -> Option | None:
    """The option a tap picked: a button by id (else by its title), a list row by id."""
    msg = ask.message
    if msg.kind == "list" and msg.list_id is not None:
        return next((o for o in ask.options if o.id == msg.list_id), None)
    if msg.kind == "button":
        by_id = next((o for o in ask.options if msg.button_id and o.id == msg.button_id), None)
        return by_id or next((o for o in ask.options if msg.text and o.title == msg.text), None)
    return None


def _choice(ask: _Ask) -> Answer:
    tapped = _tapped(ask)
    if tapped is not None:
        return Answer(True, tapped.value)
    text = answer_text(ask.message)
    index = None if text is None else match_one(text, [o.title for o in ask.options])
    return _typed(None if index is None else ask.options[index].value, "not_an_option")


def _choices(ask: _Ask) -> Answer:
    tapped = _tapped(ask)
    if tapped is not None:
        return Answer(True, [tapped.value])
    text = answer_text(ask.message)
    picks = None if text is None else match_many(text, [o.title for o in ask.options])
    return _typed(None if picks is None else [ask.options[i].value for i in picks],
                  "not_an_option")


_PARSERS: dict[str, Callable[[_Ask], Answer]] = {
    "text": _text, "number": _number, "email": _email, "phone": _phone,
    "date": _date, "time": _time, "choice": _choice, "choices": _choices,
}
_NOT = {"text": "not_text", "number": "not_a_number", "email": "not_an_email",
        "phone": "not_a_phone", "date": "not_a_date", "time": "not_a_time",
        "choice": "not_an_option", "choices": "not_an_option"}
