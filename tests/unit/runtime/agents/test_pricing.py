"""The price table and the cost of a call."""

from __future__ import annotations

import pytest

from wactl.runtime.agents.pricing import (
    DEFAULT_PRICES,
    Price,
    as_price,
    cost,
    price_for,
    price_table,
    usage,
)


def test_defaults_cover_the_common_models() -> None:
    for model in ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"):
        assert model in DEFAULT_PRICES


def test_cost_is_per_million_tokens() -> None:
    assert cost("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert cost("gpt-4o-mini", 0, 1_000_000) == pytest.approx(0.60)
    assert cost("gpt-4o", 2000, 500) == pytest.approx((2000 * 2.5 + 500 * 10) / 1e6)


def test_a_dated_snapshot_costs_as_its_alias() -> None:
    assert price_for("gpt-4o-mini-2024-07-18") == DEFAULT_PRICES["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06") == DEFAULT_PRICES["gpt-4o"]
    assert price_for("gpt-3.5-turbo-0125") == DEFAULT_PRICES["gpt-3.5-turbo"]


def test_an_unknown_model_costs_nothing_and_says_so() -> None:
    assert price_for("llama-3-local") is None
    assert cost("llama-3-local", 1000, 1000) == 0.0


def test_config_overrides_and_adds_models() -> None:
    table = price_table({"gpt-4o-mini": {"input": 1, "output": 2}, "local": [0, 0]})
    assert table["gpt-4o-mini"] == Price(1.0, 2.0)
    assert table["local"] == Price(0.0, 0.0)
    assert table["gpt-4o"] == DEFAULT_PRICES["gpt-4o"]
    assert cost("gpt-4o-mini-2024-07-18", 10**6, 10**6, table) == pytest.approx(3.0)


@pytest.mark.parametrize("entry", [{"input": 1}, [1], "cheap", {"input": -1, "output": 1},
                                   {"input": True, "output": 1}])
def test_a_malformed_price_fails_loudly(entry: object) -> None:
    with pytest.raises(ValueError):
        as_price(entry)


def test_usage_carries_tokens_and_cost() -> None:
    record = usage("gpt-4o-mini", 1000, 200)
    assert (record.model, record.prompt_tokens, record.completion_tokens) == ("gpt-4o-mini",
                                                                             1000, 200)
    assert record.cost == pytest.approx((1000 * 0.15 + 200 * 0.6) / 1e6)


def test_negative_token_counts_cost_nothing() -> None:
    assert cost("gpt-4o", -5, -5) == 0.0
