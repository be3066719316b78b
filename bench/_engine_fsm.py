"""The `transitions` baseline: the same two flows as `transitions` state machines.

One state per step of the flow (`idle` when no run is in progress), so a transition
here is the counterpart of an engine step: waiting steps (`ask`, `call`) take the
customer's message or the HTTP/AI answer as a trigger, and the steps that do not wait
(branch, say, tag, field) move on at once with an internal `proceed` trigger fired from
their `on_enter` callback.  Conditions decide the branch arms and validate answers;
invalid answers are internal transitions (no state change) that send the retry text.

Each flow has one `Machine` built once (as our `Program` is compiled once) and one model
object, loaded from the conversation's state dict before each event and dumped after:
the same state round trip the engine and the hand-written function make.  The texts,
validation and replies are the hand-written function's (`_engine_hand`), so the three
implementations say the same words and only the machinery differs.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from transitions import Machine

from bench import _engine_hand as h
from bench._engine_conv import BOOKINGS, NOW, ORDERS, Conversation, Say, Transcript

IDLE = "idle"


class Talk:
    """A conversation as a `transitions` model: `state` plus what the flow remembers."""

    state: str
    flow = ""

    def __init__(self) -> None:
        self.data: h.State = h.new_state("vi")
        self.vars: dict[str, Any] = {}
        self.out: list[h.Reply] = []
        self.answer: Any = None
        self.transitions = 0
        self.machine: Machine | None = None

    # ------------------------------------------------------------------ plumbing

    def counted(self, *_: Any) -> None:
        self.transitions += 1

    def fire(self, trigger: str, *args: Any) -> None:
        assert self.machine is not None
        self.machine.events[trigger].trigger(self, *args)

    def go(self, *_: Any) -> None:
        """Leave a step that does not wait."""
        self.fire("proceed")

    def say(self, texts: dict[str, str], **values: Any) -> None:
        self.out.append(("text", h.say(texts, self.data, **values)))

    def buttons(self, texts: dict[str, str], titles: h.Titles,
                **values: Any) -> None:
        body = h.say(texts, self.data, **values)
        self.out.append(("buttons", body, h.titles(titles, self.data)))

    def retries_left(self, *_: Any) -> bool:
        return bool(self.data["retries"] < self.limit)

    limit = 2

    def count_retry(self, *_: Any) -> None:
        self.data["retries"] += 1

    def not_handed_off(self, *_: Any) -> bool:
        return self.data["handoff"] is None

    def http_ok(self, ev: h.Event) -> bool:
        self.answer = json.loads(ev[2]) if 200 <= ev[1] < 300 else None
        return isinstance(self.answer, dict)

    def cancel(self, *_: Any) -> None:
        self.out.append(h.CANCEL)

    def handoff(self, texts: dict[str, str], team: str) -> None:
        self.say(texts)
        self.data["handoff"] = team
        self.out.append(("handoff", team))
        self.go()


def step(name: str, on_enter: str | None = None) -> dict[str, Any]:
    return {"name": name, "on_enter": on_enter} if on_enter else {"name": name}


def _machine(model: Talk, states: list[dict[str, Any]],
             transitions: list[dict[str, Any]]) -> Machine:
    """A machine for `model` with our conventions: no `to_*` methods, counted transitions."""
    machine = Machine(model=model, states=states, transitions=transitions, initial=IDLE,
                      auto_transitions=False, ignore_invalid_triggers=True,
                      after_state_change="counted")
    model.machine = machine
    return machine


# --------------------------------------------------------------------------- order status


class OrderTalk(Talk):
    """Callbacks and conditions of the order-status machine."""

    flow = "order_status"

    def keyword(self, ev: h.Event) -> bool:
        return ev[0] == "text" and self.not_handed_off() and h.matches(ev[1], h.ORDER_KEYWORDS)

    def start(self, *_: Any) -> None:
        self.vars = {"order_id": None}
        self.data["retries"] = 0

    def enter_ask_number(self, *_: Any) -> None:
        self.say(h.O_ASK)
        self.out.append(("timer", NOW + timedelta(minutes=30)))

    def valid_number(self, ev: h.Event) -> bool:
        self.answer = h.as_number(ev[1]) if ev[0] == "text" else None
        return self.answer is not None

    def save_number(self, *_: Any) -> None:
        self.vars["order_id"] = self.answer
        self.cancel()

    def retry_number(self, *_: Any) -> None:
        self.say(h.O_RETRY)

    def enter_lookup(self, *_: Any) -> None:
        self.out.append(("http", "GET", f"{ORDERS}{self.vars['order_id']}", h.AUTH, None))

    def save_order(self, *_: Any) -> None:
        self.vars["order"] = self.answer

    def shipped(self, *_: Any) -> bool:
        return bool(self.vars["order"].get("status") == "shipped")

    def delivered(self, *_: Any) -> bool:
        return bool(self.vars["order"].get("status") == "delivered")

    def enter_shipped(self, *_: Any) -> None:
        self.data["retries"] = 0
        order = self.vars["order"]
        self.buttons(h.O_SHIPPED, h.O_BUTTONS, id=self.vars["order_id"],
                     carrier=order.get("carrier"))

    def valid_action(self, ev: h.Event) -> bool:
        return ev[1] in h.titles(h.O_BUTTONS, self.data)

    def save_action(self, ev: h.Event) -> None:
        self.vars["next_action"] = ev[1]

    def wants_tracking(self, *_: Any) -> bool:
        return self.vars["next_action"] in ("Track it", "Theo dõi")

    def enter_track(self, *_: Any) -> None:
        self.say(h.O_TRACK, url=self.vars["order"].get("tracking_url"))
        self.go()

    def enter_delivered(self, *_: Any) -> None:
        self.say(h.O_DELIVERED, id=self.vars["order_id"],
                 on=self.vars["order"].get("delivered_on"))
        self.go()

    def enter_pending(self, *_: Any) -> None:
        self.say(h.O_PENDING, id=self.vars["order_id"])
        self.go()

    def enter_sorry(self, *_: Any) -> None:
        self.say(h.O_SORRY)
        self.go()

    def enter_human(self, *_: Any) -> None:
        self.handoff(h.O_HUMAN, "support")


ORDER_STATES = [step(IDLE), step("ask_number", "enter_ask_number"),
                step("lookup", "enter_lookup"), step("route", "go"),
                step("shipped", "enter_shipped"), step("after_shipped", "go"),
                step("track", "enter_track"), step("delivered", "enter_delivered"),
                step("pending", "enter_pending"), step("sorry", "enter_sorry"),
                step("human", "enter_human")]


def _t(trigger: str, source: str | list[str], dest: str | None, **more: Any) -> dict[str, Any]:
    return {"trigger": trigger, "source": source, "dest": dest, **more}


ORDER_TRANSITIONS = [
    _t("message", IDLE, "ask_number", conditions="keyword", before="start"),
    _t("message", "ask_number", "lookup", conditions="valid_number", before="save_number"),
    _t("message", "ask_number", None, conditions="retries_left",
       after=["count_retry", "retry_number"]),
    _t("message", "ask_number", "human", before="cancel"),
    _t("http", "lookup", "route", conditions="http_ok", before="save_order"),
    _t("http", "lookup", "sorry"),
    _t("proceed", "route", "shipped", conditions="shipped"),
    _t("proceed", "route", "delivered", conditions="delivered"),
    _t("proceed", "route", "pending"),
    _t("message", "shipped", "after_shipped", conditions="valid_action", before="save_action"),
    _t("message", "shipped", None, conditions="retries_left", after="count_retry"),
    _t("message", "shipped", IDLE),
    _t("proceed", "after_shipped", "track", conditions="wants_tracking"),
    _t("proceed", "after_shipped", "human"),
    _t("proceed", ["track", "delivered", "pending", "human"], IDLE),
    _t("proceed", "sorry", "human"),
]


# --------------------------------------------------------------------------- booking


class BookingTalk(Talk):
    """Callbacks and conditions of the booking machine."""

    flow = "booking"

    def keyword(self, ev: h.Event) -> bool:
        return ev[0] == "text" and self.not_handed_off() and h.matches(ev[1], h.BOOKING_KEYWORDS)

    def start(self, *_: Any) -> None:
        self.vars = {"people": None}

    def enter_ask_date(self, *_: Any) -> None:
        self.data["retries"] = 0
        self.say(h.B_ASK_DATE)
        self.out.append(("timer", NOW + timedelta(hours=1)))

    def request_extract(self, ev: h.Event) -> None:
        self.out.append(("ai", ev[1], h.B_FIELDS))

    def valid_day(self, ev: h.Event) -> bool:
        raw = ev[1].get("day")
        self.answer = date.fromisoformat(raw) if raw else None
        return self.answer is not None and self.answer > NOW.date()

    def date_retries_left(self, *_: Any) -> bool:
        return bool(self.data["retries"] < 3)

    def save_day(self, ev: h.Event) -> None:
        self.cancel()
        self.vars["day"] = self.answer
        if ev[1].get("people") is not None:
            self.vars["people"] = ev[1]["people"]

    def retry_date(self, *_: Any) -> None:
        self.say(h.B_RETRY_DATE)

    def enter_ask_time(self, *_: Any) -> None:
        self.data["retries"] = 0
        self.ask_slot()

    def ask_slot(self, *_: Any) -> None:
        self.buttons(h.B_ASK_TIME, h.B_SLOTS)

    def valid_slot(self, ev: h.Event) -> bool:
        return ev[1] in h.titles(h.B_SLOTS, self.data)

    def save_slot(self, ev: h.Event) -> None:
        self.vars["slot"] = ev[1]

    def enter_ask_people(self, *_: Any) -> None:
        """`when people == null`: a size the extraction found skips the question."""
        if self.vars["people"] is not None:
            self.go()
            return
        self.data["retries"] = 0
        self.say(h.B_ASK_PEOPLE)

    def valid_people(self, ev: h.Event) -> bool:
        self.answer = h.as_number(ev[1]) if ev[0] == "text" else None
        return self.answer is not None and 1 <= self.answer <= 4

    def save_people(self, *_: Any) -> None:
        self.vars["people"] = self.answer

    def retry_people(self, *_: Any) -> None:
        self.say(h.B_RETRY_PEOPLE)

    def enter_confirm(self, *_: Any) -> None:
        self.data["retries"] = 0
        self.ask_confirm()

    def ask_confirm(self, *_: Any) -> None:
        v = self.vars
        self.buttons(h.B_CONFIRM, h.B_YES_CHANGE, day=v["day"].isoformat(), slot=v["slot"],
                     people=v["people"])

    def valid_ok(self, ev: h.Event) -> bool:
        return ev[1] in h.titles(h.B_YES_CHANGE, self.data)

    def save_ok(self, ev: h.Event) -> None:
        self.vars["ok"] = ev[1]

    def said_yes(self, *_: Any) -> bool:
        return self.vars["ok"] in ("Đúng", "Yes")

    def enter_book(self, *_: Any) -> None:
        v = self.vars
        body = {"date": v["day"].isoformat(), "slot": v["slot"], "people": str(v["people"]),
                "phone": self.data["wa_id"]}
        self.out.append(("http", "POST", BOOKINGS, h.AUTH, body))

    def save_booking(self, *_: Any) -> None:
        self.vars["booking"] = self.answer

    def enter_remember(self, *_: Any) -> None:
        value = f"{self.vars['day'].isoformat()} {self.vars['slot']}"
        self.data["fields"]["last_booking"] = value
        self.out.append(("field", "last_booking", value))
        self.go()

    def enter_mark(self, *_: Any) -> None:
        if "booked" not in self.data["tags"]:
            self.data["tags"].append("booked")
        self.out.append(("tag", "booked"))
        self.go()

    def enter_done(self, *_: Any) -> None:
        self.say(h.B_DONE, code=self.vars["booking"].get("code"))
        self.go()

    def enter_human(self, *_: Any) -> None:
        self.handoff(h.B_HUMAN, "front_desk")


BOOKING_STATES = [step(IDLE), step("ask_date", "enter_ask_date"),
                  step("ask_time", "enter_ask_time"), step("ask_people", "enter_ask_people"),
                  step("confirm", "enter_confirm"), step("check", "go"),
                  step("book", "enter_book"), step("remember", "enter_remember"),
                  step("mark", "enter_mark"), step("done", "enter_done"),
                  step("human", "enter_human")]

BOOKING_TRANSITIONS = [
    _t("message", IDLE, "ask_date", conditions="keyword", before="start"),
    _t("message", "ask_date", None, after="request_extract"),
    _t("ai", "ask_date", "ask_time", conditions="valid_day", before="save_day"),
    _t("ai", "ask_date", None, conditions="date_retries_left",
       after=["count_retry", "retry_date"]),
    _t("ai", "ask_date", "human", before="cancel"),
    _t("message", "ask_time", "ask_people", conditions="valid_slot", before="save_slot"),
    _t("message", "ask_time", None, conditions="retries_left", after=["count_retry", "ask_slot"]),
    _t("message", "ask_time", IDLE),
    _t("proceed", "ask_people", "confirm"),
    _t("message", "ask_people", "confirm", conditions="valid_people", before="save_people"),
    _t("message", "ask_people", None, conditions="retries_left",
       after=["count_retry", "retry_people"]),
    _t("message", "ask_people", "human"),
    _t("message", "confirm", "check", conditions="valid_ok", before="save_ok"),
    _t("message", "confirm", None, conditions="retries_left",
       after=["count_retry", "ask_confirm"]),
    _t("message", "confirm", IDLE),
    _t("proceed", "check", "book", conditions="said_yes"),
    _t("proceed", "check", "ask_date"),
    _t("http", "book", "remember", conditions="http_ok", before="save_booking"),
    _t("http", "book", "human"),
    _t("proceed", "remember", "mark"),
    _t("proceed", "mark", "done"),
    _t("proceed", ["done", "human"], IDLE),
]


# --------------------------------------------------------------------------- driver

TRIGGERS = {"text": "message", "button": "message", "http": "http", "ai": "ai"}


def build(flow: str) -> Talk:
    """The model of `flow`'s machine, machine built (once per benchmark, like a compile)."""
    if flow == "order_status":
        model: Talk = OrderTalk()
        states, transitions = ORDER_STATES, ORDER_TRANSITIONS
    else:
        model = BookingTalk()
        states, transitions = BOOKING_STATES, BOOKING_TRANSITIONS
    _machine(model, states, transitions)
    return model


def handle(model: Talk, data: h.State, ev: h.Event) -> list[h.Reply]:
    """One event: load the state dict into the model, fire the trigger, dump it back."""
    assert model.machine is not None
    model.data, model.vars, model.out = data, data["vars"], []
    model.machine.set_state(data["step"] or IDLE, model)
    model.fire(TRIGGERS[ev[0]], ev)
    data["step"] = None if model.state == IDLE else model.state
    data["vars"] = model.vars
    return model.out


def converse(model: Talk, conv: Conversation, into: Transcript | None = None) -> tuple[int, int]:
    """Play `conv` through the machine; returns (events handled, transitions fired)."""
    data, events, before = h.new_state(conv.language), 0, model.transitions
    for turn in conv.turns:
        ev: h.Event | None = ("text", turn.text) if isinstance(turn, Say) else (
            "button", turn.title)
        while ev is not None:
            out = handle(model, data, ev)
            events += 1
            if into is not None:
                h.record(out, into)
            ev = h.world_answer(conv, out)
    return events, model.transitions - before
