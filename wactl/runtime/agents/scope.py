"""What a persona's reply request carries besides the conversation: its `scope`.

The prompt reads `customer` and `shop` (`prompt`, `customer_data`); the safety layer
also needs the flow's variables (`vars`), because that is where another customer's
record would come from (an order lookup, a list of bookings): the `other_customer`
rule can only refuse names it is given.  The variables are never shown to the model.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def reply_scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    """`customer`, `shop` and a copy of `vars` (an effect never shares the run's state)."""
    variables = scope.get("vars")
    return {"customer": scope.get("customer"), "shop": scope.get("shop"),
            "vars": copy.deepcopy(dict(variables)) if isinstance(variables, Mapping) else {}}
