"""Reading a JSON answer from outside (an HTTP `call`) within fixed bounds of size and shape.

A merchant's API, or anything a customer can steer it to return, decides what a `call`
step reads; what a flow keeps must stay cheap to store, copy and evaluate on every later
event.  `read_json` refuses, with a `JsonLimit` saying why:

- text over MAX_JSON_CHARS characters (checked before parsing);
- nesting deeper than MAX_JSON_DEPTH (what expressions and the store can read); the C
  parser's own recursion guard stops a 10,000-deep `[[[[...` long before that would
  matter, and is reported the same way;
- more than MAX_JSON_VALUES values (members of objects and arrays counted together);
- `NaN`, `Infinity` and numbers past Python's digit limit (not JSON a store can keep).

The walk after parsing is iterative, so no answer can exhaust the Python stack.
"""

from __future__ import annotations

import json
from typing import Any

from wactl.runtime.state import MAX_DATA_DEPTH

MAX_JSON_CHARS = 1_000_000
MAX_JSON_DEPTH = MAX_DATA_DEPTH
MAX_JSON_VALUES = 100_000
_CONTAINER = (dict, list)


class JsonLimit(ValueError):
    """The text is JSON (or might be), but larger or deeper than a flow may keep."""


def read_json(text: str, *, max_chars: int = MAX_JSON_CHARS, max_depth: int = MAX_JSON_DEPTH,
              max_values: int = MAX_JSON_VALUES) -> Any:
    """The value of `text`; JsonLimit past a bound, ValueError when it is not JSON."""
    if len(text) > max_chars:
        raise JsonLimit(f"is {len(text):,} characters, over the limit of {max_chars:,}")
    try:
        if isinstance(text, str) and not text.startswith("\ufeff"):
            value = _DECODER.decode(text)
        else:  # bytes, or the BOM `json.loads` refuses with its own message
            value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise JsonLimit(f"is nested more than {max_depth} levels deep") from None
    _check_shape(value, max_depth, max_values)
    return value


def _check_shape(value: Any, max_depth: int, max_values: int) -> None:
    """JsonLimit when `value` nests deeper than `max_depth` or holds over `max_values`."""
    count = 1
    todo: list[tuple[dict[str, Any] | list[Any], int]] = []
    if isinstance(value, _CONTAINER):
        todo.append((value, 0))
    while todo:
        node, depth = todo.pop()
        if depth >= max_depth:
            raise JsonLimit(f"is nested more than {max_depth} levels deep")
        items = list(node.values()) if isinstance(node, dict) else node
        count += len(items)
        if count > max_values:
            raise JsonLimit(f"holds more than {max_values:,} values")
        todo.extend((item, depth + 1) for item in items if isinstance(item, _CONTAINER))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
"""Made once: `json.loads` with an option builds a decoder (and its scanner) per call."""
