"""The benchmark's floor: order status and booking written by hand as plain Python functions.

This is what a developer would write without wactl: a state dict in, the replies out,
one small function per step, texts in both languages as format strings.  It does the
same work the flows ask of the engine (keyword match without diacritics, number and
choice validation, retries with the retry message, the HTTP call and its JSON answer,
the AI extraction for the booking day, a date after today, tags, fields, handoff), and
nothing more: no trace, no version pinning, no step guard, no 24h window.

Events in: `("text", text)`, `("button", title)`, `("http", status, body_text)`,
`("ai", values)`.  Replies out: `("text", s)`, `("buttons", body, titles)`,
`("http", method, url, headers, body)`, `("ai", text, fields)`, `("handoff", team)`,
`("tag", name)`, `("field", name, value)`, `("timer", at)` (an `ask` timeout),
`("cancel",)` (the answer came in time).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from bench._engine_conv import BOOKINGS, NOW, ORDERS, Conversation, Say, Transcript

State = dict[str, Any]
Event = tuple[Any, ...]
Reply = tuple[Any, ...]
Step = Callable[[State, Event], list[Reply]]
Titles = dict[str, tuple[str, ...]]
"""Button titles per language."""

SECRETS = {"SHOP_API_TOKEN": "bench-token"}
_PUNCT = re.compile(r"[^\w\s]")
CANCEL: Reply = ("cancel",)
AUTH = {"Authorization": f"Bearer {SECRETS['SHOP_API_TOKEN']}"}


def new_state(language: str, wa_id: str = "84900000000") -> State:
    return {"wa_id": wa_id, "lang": language, "step": None, "vars": {}, "retries": 0,
            "tags": [], "fields": {}, "handoff": None}


def normalize(text: str) -> str:
    """Lowercase, no diacritics (`đ` too), punctuation as spaces: how keywords are compared."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCT.sub(" ", bare).split())


def matches(text: str, keywords: tuple[str, ...]) -> bool:
    padded = f" {normalize(text)} "
    return any(f" {k} " in padded for k in keywords)


def say(texts: dict[str, str], state: State, **values: Any) -> str:
    return texts.get(state["lang"], texts["vi"]).format(**values)


def titles(buttons: Titles, state: State) -> tuple[str, ...]:
    return buttons.get(state["lang"], buttons["vi"])


def ended(state: State, replies: list[Reply]) -> list[Reply]:
    state["step"] = None
    return replies


def handoff(state: State, text: dict[str, str], team: str, before: list[Reply]) -> list[Reply]:
    state["handoff"] = team
    return ended(state, [*before, ("text", say(text, state)), ("handoff", team)])


def retry(state: State, limit: int, again: list[Reply], give_up: Step, event: Event) -> list[Reply]:
    """An invalid answer: the retry message while retries last, else the `fail` branch."""
    state["retries"] += 1
    if state["retries"] > limit:
        return give_up(state, event)
    return again


def as_number(text: str) -> int | float | None:
    try:
        return int(text.strip())
    except ValueError:
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return None


def run(steps: dict[str, Step], start: Step, state: State, event: Event) -> list[Reply]:
    """Dispatch one event: the trigger when no run is in progress, else the waiting step."""
    if state["handoff"] is not None:
        return []
    step = state["step"]
    return start(state, event) if step is None else steps[step](state, event)


# --------------------------------------------------------------------------- order status

ORDER_KEYWORDS = ("order", "order status", "don hang", "tinh trang don")
O_ASK = {"vi": "Mã đơn hàng của bạn là gì?", "en": "What's your order number?"}
O_RETRY = {"vi": "Mã đơn chỉ gồm chữ số, ví dụ 10423.",
           "en": "Order numbers are digits only, like 10423."}
O_SHIPPED = {"vi": "Đơn {id} đang được {carrier} giao tới bạn.",
             "en": "Order {id} is on its way with {carrier}."}
O_BUTTONS: Titles = {"vi": ("Theo dõi", "Gặp nhân viên"), "en": ("Track it", "Talk to a person")}
O_TRACK = {"vi": "Theo dõi đơn tại đây: {url}", "en": "Follow your parcel here: {url}"}
O_DELIVERED = {"vi": "Đơn {id} đã giao ngày {on}. Cảm ơn bạn!",
               "en": "Order {id} was delivered on {on}. Thank you!"}
O_PENDING = {"vi": "Đơn {id} đang được đóng gói. Chúng tôi sẽ nhắn khi đơn được gửi đi.",
             "en": "Order {id} is being packed. We'll message you when it ships."}
O_SORRY = {"vi": "Xin lỗi, hiện mình chưa tra được đơn này.",
           "en": "Sorry, I can't look that up right now."}
O_HUMAN = {"vi": "Nhân viên sẽ trả lời bạn ngay.", "en": "A teammate will reply shortly."}


def order_status(state: State, event: Event) -> list[Reply]:
    """The order-status flow, by hand."""
    return run(ORDER_STEPS, _order_start, state, event)


def _order_start(state: State, event: Event) -> list[Reply]:
    if event[0] != "text" or not matches(event[1], ORDER_KEYWORDS):
        return []
    state.update(step="ask_number", vars={"order_id": None}, retries=0)
    return [("text", say(O_ASK, state)), ("timer", NOW + timedelta(minutes=30))]


def _order_human(state: State, event: Event, before: list[Reply] | None = None) -> list[Reply]:
    return handoff(state, O_HUMAN, "support", before or [])


def _order_give_up(state: State, event: Event) -> list[Reply]:
    return _order_human(state, event, [CANCEL])


def _order_number(state: State, event: Event) -> list[Reply]:
    number = as_number(event[1]) if event[0] == "text" else None
    if number is None:
        return retry(state, 2, [("text", say(O_RETRY, state))], _order_give_up, event)
    state["vars"]["order_id"] = number
    state.update(step="lookup", retries=0)
    return [CANCEL, ("http", "GET", f"{ORDERS}{number}", AUTH, None)]


def _order_lookup(state: State, event: Event) -> list[Reply]:
    order = json.loads(event[2]) if 200 <= event[1] < 300 else None
    if not isinstance(order, dict):
        return _order_human(state, event, [("text", say(O_SORRY, state))])
    state["vars"]["order"] = order
    order_id, status = state["vars"]["order_id"], order.get("status")
    if status == "shipped":
        state["step"] = "shipped"
        body = say(O_SHIPPED, state, id=order_id, carrier=order.get("carrier"))
        return [("buttons", body, titles(O_BUTTONS, state))]
    if status == "delivered":
        return ended(state, [("text", say(O_DELIVERED, state, id=order_id,
                                          on=order.get("delivered_on")))])
    return ended(state, [("text", say(O_PENDING, state, id=order_id))])


def _order_shipped(state: State, event: Event) -> list[Reply]:
    choice = event[1]
    if choice not in titles(O_BUTTONS, state):
        return retry(state, 2, [], lambda s, e: ended(s, []), event)
    state["vars"]["next_action"] = choice
    if choice in ("Track it", "Theo dõi"):
        url = state["vars"]["order"].get("tracking_url")
        return ended(state, [("text", say(O_TRACK, state, url=url))])
    return _order_human(state, event)


ORDER_STEPS: dict[str, Step] = {"ask_number": _order_number, "lookup": _order_lookup,
                                "shipped": _order_shipped}


# --------------------------------------------------------------------------- booking

BOOKING_KEYWORDS = ("dat lich", "dat hen", "booking", "appointment")
B_ASK_DATE = {"vi": "Bạn muốn đến vào ngày nào? (ví dụ 25/12)",
              "en": "Which day would you like to come? (for example 25/12)"}
B_RETRY_DATE = {"vi": "Ngày hẹn phải sau hôm nay, bạn chọn ngày khác nhé.",
                "en": "Please pick a day after today."}
B_ASK_TIME = {"vi": "Bạn muốn đến lúc mấy giờ?", "en": "What time suits you?"}
B_SLOTS: Titles = {"vi": ("Sáng (9-12h)", "Chiều (13-17h)", "Tối (18-20h)"),
           "en": ("Morning (9-12)", "Afternoon (1-5pm)", "Evening (6-8pm)")}
B_ASK_PEOPLE = {"vi": "Bạn đi mấy người?", "en": "How many people are coming?"}
B_RETRY_PEOPLE = {"vi": "Mỗi lịch hẹn tối đa 4 người.", "en": "A booking is for 1 to 4 people."}
B_CONFIRM = {"vi": "Xác nhận: {day}, buổi {slot}, {people} người. Đúng không?",
             "en": "To confirm: {day}, {slot}, {people} people. Is that right?"}
B_YES_CHANGE: Titles = {"vi": ("Đúng", "Đổi lại"), "en": ("Yes", "Change")}
B_DONE = {"vi": "Đã đặt lịch! Mã hẹn của bạn là {code}. Hẹn gặp bạn ❤️",
          "en": "You're booked! Your booking code is {code}. See you soon ❤️"}
B_HUMAN = {"vi": "Mình chuyển bạn sang nhân viên để đặt lịch nhé.",
           "en": "A teammate will help you book."}
B_FIELDS = {"day": "date", "people": "number"}


def booking(state: State, event: Event) -> list[Reply]:
    """The booking flow, by hand."""
    return run(BOOKING_STEPS, _booking_start, state, event)


def _booking_start(state: State, event: Event) -> list[Reply]:
    if event[0] != "text" or not matches(event[1], BOOKING_KEYWORDS):
        return []
    state.update(vars={"people": None}, retries=0)
    return _ask_date(state)


def _ask_date(state: State) -> list[Reply]:
    state["step"] = "ask_date"
    return [("text", say(B_ASK_DATE, state)), ("timer", NOW + timedelta(hours=1))]


def _booking_human(state: State, event: Event) -> list[Reply]:
    return handoff(state, B_HUMAN, "front_desk", [])


def _booking_give_up(state: State, event: Event) -> list[Reply]:
    return handoff(state, B_HUMAN, "front_desk", [CANCEL])


def _date_answer(state: State, event: Event) -> list[Reply]:
    """The day comes through the AI layer's extraction: ask for it and wait."""
    state["step"] = "extract"
    return [("ai", event[1], B_FIELDS)]


def _date_extracted(state: State, event: Event) -> list[Reply]:
    values = event[1]
    day = date.fromisoformat(values["day"]) if values.get("day") else None
    if day is None or day <= NOW.date():
        state["step"] = "ask_date"
        return retry(state, 3, [("text", say(B_RETRY_DATE, state))], _booking_give_up, event)
    state["vars"]["day"] = day
    if values.get("people") is not None:
        state["vars"]["people"] = values["people"]
    state.update(step="ask_time", retries=0)
    return [CANCEL, ("buttons", say(B_ASK_TIME, state), titles(B_SLOTS, state))]


def _confirm(state: State) -> list[Reply]:
    v = state["vars"]
    state.update(step="confirm", retries=0)
    body = say(B_CONFIRM, state, day=v["day"].isoformat(), slot=v["slot"], people=v["people"])
    return [("buttons", body, titles(B_YES_CHANGE, state))]


def _ask_time(state: State, event: Event) -> list[Reply]:
    if event[1] not in titles(B_SLOTS, state):
        return retry(state, 2, [("buttons", say(B_ASK_TIME, state), titles(B_SLOTS, state))],
                     lambda s, e: ended(s, []), event)
    state["vars"]["slot"] = event[1]
    if state["vars"]["people"] is not None:  # the extraction found it: `when` skips the ask
        return _confirm(state)
    state.update(step="ask_people", retries=0)
    return [("text", say(B_ASK_PEOPLE, state))]


def _ask_people(state: State, event: Event) -> list[Reply]:
    """A number from 1 to 4; after two retry messages the front desk takes over."""
    people = as_number(event[1]) if event[0] == "text" else None
    if people is None or not 1 <= people <= 4:
        return retry(state, 2, [("text", say(B_RETRY_PEOPLE, state))], _booking_human, event)
    state["vars"]["people"] = people
    return _confirm(state)


def _confirmed(state: State, event: Event) -> list[Reply]:
    if event[1] not in titles(B_YES_CHANGE, state):
        return retry(state, 2, _confirm(state), lambda s, e: ended(s, []), event)
    v = state["vars"]
    v["ok"] = event[1]
    if event[1] not in ("Đúng", "Yes"):
        state["retries"] = 0
        return _ask_date(state)
    state["step"] = "book"
    body = {"date": v["day"].isoformat(), "slot": v["slot"], "people": str(v["people"]),
            "phone": state["wa_id"]}
    return [("http", "POST", BOOKINGS, AUTH, body)]


def _booked(state: State, event: Event) -> list[Reply]:
    answer = json.loads(event[2]) if 200 <= event[1] < 300 else None
    if not isinstance(answer, dict):
        return _booking_human(state, event)
    v = state["vars"]
    v["booking"] = answer
    value = f"{v['day'].isoformat()} {v['slot']}"
    state["fields"]["last_booking"] = value
    if "booked" not in state["tags"]:
        state["tags"].append("booked")
    done = ("text", say(B_DONE, state, code=answer.get("code")))
    return ended(state, [("field", "last_booking", value), ("tag", "booked"), done])


BOOKING_STEPS: dict[str, Step] = {"ask_date": _date_answer, "extract": _date_extracted,
                                  "ask_time": _ask_time, "ask_people": _ask_people,
                                  "confirm": _confirmed,
                                  "book": _booked}

HANDLERS: dict[str, Callable[[State, Event], list[Reply]]] = {
    "order_status": order_status, "booking": booking}


def record(replies: list[Reply], into: Transcript) -> None:
    """Add the replies of one event to a transcript, spelled as the other implementations are."""
    for r in replies:
        if r[0] == "text":
            into.replies.append(r[1])
        elif r[0] == "buttons":
            into.buttons(r[1], r[2])
        elif r[0] == "http":
            into.requests.append(f"{r[1]} {r[2]}")
        elif r[0] == "ai":
            into.requests.append(f"ai extract: {r[1]}")
        elif r[0] == "handoff":
            into.handoff = r[1]
        elif r[0] == "tag":
            into.tags.append(r[1])
        elif r[0] == "field":
            into.fields[r[1]] = r[2]
        elif r[0] == "timer":
            into.timers.append(f"schedule {r[1]:%H:%M}")
        elif r[0] == "cancel":
            into.timers.append("cancel")


def world_answer(conv: Conversation, replies: list[Reply]) -> Event | None:
    """The world's answer to the last HTTP or AI request among `replies`, if any."""
    for r in reversed(replies):
        if r[0] == "http":
            return ("http", *conv.http[r[2]])
        if r[0] == "ai":
            return ("ai", conv.ai.get(r[1], {}))
    return None


def converse(conv: Conversation, into: Transcript | None = None) -> tuple[int, int]:
    """Play `conv` through the hand-written function; returns (events handled, steps taken).

    A "step" here is one call of a step function, the nearest thing to an engine step.
    """
    handler, state = HANDLERS[conv.flow], new_state(conv.language)
    events = 0
    for turn in conv.turns:
        event: Event | None = ("text", turn.text) if isinstance(turn, Say) else (
            "button", turn.title)
        while event is not None:
            replies = handler(state, event)
            events += 1
            if into is not None:
                record(replies, into)
            event = world_answer(conv, replies)
    return events, events
