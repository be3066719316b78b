"""Property: every effect survives effect_to_data → JSON text → effect_from_data unchanged.

The outbox keeps effects as that JSON text, so a field the codec dropped or changed
would change what is sent after a restart.  Every effect type has a strategy here;
`test_every_effect_type_has_a_strategy` keeps it so when an effect is added.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from ast_strategies import texts
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime import effects as e
from wactl.runtime.effect_codec import EFFECT_TYPES, effect_from_data, effect_to_data

SETTINGS = settings(max_examples=300, deadline=None)

keys = texts.filter(lambda k: not k.startswith("$"))  # `$date`/`$datetime` tag values
opt_texts = st.none() | texts
moments = st.datetimes(timezones=st.sampled_from(
    [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30))]))
scalars = (st.none() | st.booleans() | st.integers(-2**53, 2**53) | texts
           | st.floats(allow_nan=False, allow_infinity=False) | st.dates() | moments)
json_data: st.SearchStrategy[Any] = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner,
                                                                          max_size=3),
    max_leaves=8)
payloads = st.dictionaries(keys, json_data, max_size=4)
wa = texts
template = st.builds(e.SendTemplate, wa, texts, texts, st.lists(texts, max_size=3).map(tuple))
fallback = st.none() | template
buttons = st.lists(st.builds(e.Button, texts, texts), max_size=3).map(tuple)
rows = st.lists(st.builds(e.Row, texts, texts, opt_texts), max_size=3).map(tuple)
sections = st.lists(st.builds(e.Section, opt_texts, rows), max_size=2).map(tuple)
text_tuples = st.lists(texts, max_size=3).map(tuple)

STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "SendText": st.builds(e.SendText, wa, texts, fallback),
    "SendMedia": st.builds(e.SendMedia, wa, st.sampled_from(["image", "document", "audio",
                                                             "video"]), texts, opt_texts,
                           fallback),
    "SendInteractive": st.builds(e.SendInteractive, wa, texts, buttons, opt_texts, sections,
                                 opt_texts, st.none() | st.tuples(texts, texts), fallback),
    "SendTemplate": template,
    "HttpRequest": st.builds(e.HttpRequest, texts, st.sampled_from(["GET", "POST"]), texts,
                             st.dictionaries(keys, texts, max_size=3), json_data,
                             st.floats(0.1, 60), st.integers(0, 5)),
    "AiRequest": st.builds(e.AiRequest, texts, st.sampled_from(["reply", "intent", "extract"]),
                           wa, texts, opt_texts,
                           st.lists(st.tuples(st.sampled_from(["user", "assistant"]), texts),
                                    max_size=3).map(tuple),
                           st.dictionaries(keys, text_tuples, max_size=3),
                           st.dictionaries(keys, texts, max_size=3), opt_texts, payloads),
    "TagsChanged": st.builds(e.TagsChanged, wa, text_tuples, text_tuples),
    "FieldsChanged": st.builds(e.FieldsChanged, wa, payloads),
    "ConsentChanged": st.builds(e.ConsentChanged, wa, st.sampled_from(["opted_in",
                                                                       "opted_out"])),
    "Handoff": st.builds(e.Handoff, wa, opt_texts, texts),
    "ScheduleTimer": st.builds(e.ScheduleTimer, wa, texts, moments),
    "CancelTimer": st.builds(e.CancelTimer, wa, texts),
    "Publish": st.builds(e.Publish, texts, payloads),
    "MarkRead": st.builds(e.MarkRead, wa, texts),
    "Log": st.builds(e.Log, st.sampled_from(["info", "warning", "error"]), texts, texts,
                     opt_texts, opt_texts),
}


def test_every_effect_type_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(EFFECT_TYPES)


@SETTINGS
@given(st.one_of(*STRATEGIES.values()))
def test_an_effect_survives_the_json_round_trip(effect: e.Effect) -> None:
    text = json.dumps(effect_to_data(effect), ensure_ascii=False)
    assert "\x00" not in text  # JSON escapes NUL: a PostgreSQL text column takes it
    back = effect_from_data(json.loads(text))
    assert back == effect and type(back) is type(effect)


def test_dates_stay_dates_and_tuples_stay_tuples() -> None:
    at = datetime(2025, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    effect = e.FieldsChanged("1", {"due": date(2025, 4, 1), "seen": at, "n": [1, {"a": None}]})
    back = effect_from_data(effect_to_data(effect))
    assert isinstance(back, e.FieldsChanged) and back.values["due"] == date(2025, 4, 1)
    assert back.values["seen"].utcoffset() == timedelta(hours=7)
    menu = e.SendInteractive("1", "Pick", list_button="Menu",
                             sections=(e.Section("A", (e.Row("r1", "One"),)),))
    assert effect_from_data(effect_to_data(menu)) == menu


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown effect type"):
        effect_from_data({"type": "SendFax", "to": "1"})
    with pytest.raises(TypeError, match="not an effect"):
        effect_to_data(cast(Any, e.Button("a", "A")))
