"""What an AI call cost: a price table (USD per million tokens) and the arithmetic.

The table comes from config (`AiSettings.prices` in the service) merged over
`DEFAULT_PRICES`, so a merchant on a negotiated price or a new model only writes the
models that differ.  The API answers with the resolved snapshot name
(`gpt-4o-mini-2024-07-18`) rather than the alias that was asked for, so a dated
snapshot falls back to its alias's price.  A model the table does not know costs 0:
`price_for` returns None so the caller can say so (log it) instead of inventing a
price, and `Usage.cost == 0` with tokens > 0 is visible in the usage events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from wactl.runtime.events import Usage

PER_TOKENS = 1_000_000
"""Prices are quoted per this many tokens, as on OpenAI's pricing page."""


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million input (prompt) and output (completion) tokens."""

    input: float
    output: float


DEFAULT_PRICES: Mapping[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o4-mini": Price(1.10, 4.40),
}
"""List prices at the time of writing; override them in config, never here."""

_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
"""A dated snapshot suffix: `-2024-07-18` or the older `-0125`."""

PriceTable = Mapping[str, Price]


def price_table(overrides: Mapping[str, Any] | None = None) -> dict[str, Price]:
    """The defaults with config's entries on top.

    An entry is a `Price`, a mapping `{input: .., output: ..}` or a pair
    `[input, output]`: the shapes a YAML or JSON config naturally has.  A malformed
    entry raises ValueError, so a typo in config fails at startup, not on a bill.
    """
    table = dict(DEFAULT_PRICES)
    for model, entry in (overrides or {}).items():
        table[str(model)] = as_price(entry)
    return table


def as_price(entry: Any) -> Price:
    """One config entry as a `Price` (see `price_table` for the accepted shapes)."""
    if isinstance(entry, Price):
        return entry
    if isinstance(entry, Mapping):
        pair = (entry.get("input"), entry.get("output"))
    elif isinstance(entry, list | tuple) and len(entry) == 2:
        pair = (entry[0], entry[1])
    else:
        raise ValueError(f"a price is {{input, output}} or [input, output], not {entry!r}")
    values = [float(v) for v in pair if _is_amount(v)]
    if len(values) != 2:
        raise ValueError(f"prices are non-negative numbers, not {entry!r}")
    return Price(values[0], values[1])


def _is_amount(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def price_for(model: str, table: PriceTable | None = None) -> Price | None:
    """The model's price: exact name first, then without a snapshot date; None if unknown."""
    prices = DEFAULT_PRICES if table is None else table
    if model in prices:
        return prices[model]
    return prices.get(_SNAPSHOT.sub("", model))


def cost(model: str, prompt_tokens: int, completion_tokens: int,
         table: PriceTable | None = None) -> float:
    """USD for one call; 0.0 for a model without a price (check with `price_for`)."""
    price = price_for(model, table)
    if price is None:
        return 0.0
    spent = max(prompt_tokens, 0) * price.input + max(completion_tokens, 0) * price.output
    return spent / PER_TOKENS


def usage(model: str, prompt_tokens: int, completion_tokens: int,
          table: PriceTable | None = None) -> Usage:
    """The `Usage` record an `AiResult` carries, with its cost filled in."""
    return Usage(model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                 cost=cost(model, prompt_tokens, completion_tokens, table))
