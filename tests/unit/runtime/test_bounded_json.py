"""`read_json`: HTTP answers read within bounds of size, depth and count, never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.runtime.bounded_json import (
    MAX_JSON_CHARS,
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    JsonLimit,
    read_json,
)
from wactl.runtime.state import storable


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_ordinary_answers_read_as_json() -> None:
    assert read_json('{"status": "shipped", "items": [1, 2.5, null, true, "x"]}') == {
        "status": "shipped", "items": [1, 2.5, None, True, "x"]}
    assert read_json("3") == 3 and read_json('"a"') == "a"


def test_ten_thousand_deep_is_a_limit_not_a_crash() -> None:
    with pytest.raises(JsonLimit, match=f"nested more than {MAX_JSON_DEPTH} levels"):
        read_json(nested(10_000))


def test_depth_up_to_the_limit_is_kept_and_storable() -> None:
    value = read_json(nested(MAX_JSON_DEPTH))
    assert storable(value) == value
    with pytest.raises(JsonLimit, match="nested"):
        read_json(nested(MAX_JSON_DEPTH + 1))


def test_deep_objects_count_too() -> None:
    text = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(JsonLimit, match="nested"):
        read_json(text)


def test_too_many_values_is_a_limit() -> None:
    with pytest.raises(JsonLimit, match=f"more than {MAX_JSON_VALUES:,} values"):
        read_json("[" + ",".join(["[]"] * MAX_JSON_VALUES) + "]")
    assert len(read_json("[" + ",".join(["0"] * (MAX_JSON_VALUES - 1)) + "]")) == \
        MAX_JSON_VALUES - 1


def test_a_megabyte_and_one_is_refused_before_parsing() -> None:
    with pytest.raises(JsonLimit, match="characters"):
        read_json('"' + "x" * MAX_JSON_CHARS + '"')


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{\"a\": -Infinity}", "1" * 5_000,
                                  "<html>", "", "[1,"])
def test_not_json_a_store_can_keep_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        read_json(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=4),
    max_leaves=30)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(json_values, st.integers(1, 6))
def test_any_value_is_read_back_exactly_or_refused_for_its_depth(value: Any, limit: int
                                                                 ) -> None:
    text = json.dumps(value)
    if depth_of(value) > limit:
        with pytest.raises(JsonLimit):
            read_json(text, max_depth=limit)
    else:
        assert read_json(text, max_depth=limit) == value
