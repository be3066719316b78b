"""Events survive the inbox's JSON form: any text, every event type."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from wactl.runtime.effect_codec import EVENT_TYPES, event_from_data, event_to_data
from wactl.runtime.events import (
    AiResult,
    CustomerEvent,
    Event,
    HandbackToBot,
    HttpResult,
    Inbound,
    Location,
    Media,
    ScheduleTick,
    StartFlow,
    StatusUpdate,
    TimerFired,
)

TEXT = st.text(max_size=40)
AT = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                  timezones=st.just(UTC))
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
EVENTS = st.one_of(
    st.builds(Inbound, TEXT, AT, st.sampled_from(["text", "image", "location"]), TEXT, TEXT,
              st.none() | TEXT, st.none() | TEXT,
              st.none() | st.builds(Media, st.none() | TEXT, st.none() | TEXT),
              st.none() | st.builds(Location, st.floats(-90, 90), st.floats(-180, 180))),
    st.builds(StatusUpdate, TEXT, AT, TEXT, st.sampled_from(["sent", "read", "failed"]),
              st.none() | TEXT),
    st.builds(TimerFired, TEXT, AT, TEXT), st.builds(ScheduleTick, TEXT, AT, TEXT),
    st.builds(CustomerEvent, TEXT, AT, TEXT, st.dictionaries(TEXT, JSONISH, max_size=3)),
    st.builds(StartFlow, TEXT, AT, TEXT), st.builds(HandbackToBot, TEXT, AT),
    st.builds(HttpResult, TEXT, AT, TEXT, st.integers(0, 599), TEXT),
    st.builds(AiResult, TEXT, AT, TEXT, st.none() | TEXT))


@given(EVENTS)
def test_every_event_comes_back_equal_through_json(event: Event) -> None:
    data = json.loads(json.dumps(event_to_data(event)))
    assert event_from_data(data) == event


def test_the_strategies_cover_every_event_type() -> None:
    covered = {"Inbound", "StatusUpdate", "TimerFired", "ScheduleTick", "CustomerEvent",
               "StartFlow", "HandbackToBot", "HttpResult", "AiResult"}
    assert covered == set(EVENT_TYPES) == {t.__name__ for t in typing.get_args(Event)}
