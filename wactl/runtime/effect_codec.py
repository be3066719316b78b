"""Effects and events as JSON-shaped data and back: how the outbox keeps what it will
carry out, and the inbox what it received.

`effect_to_data(e)` gives `{"type": "SendText", ...fields}`; `effect_from_data` rebuilds
the same effect (equal to the original).  The codec follows each dataclass's type
hints, so a field added to an effect is kept without touching this module: nested
dataclasses (buttons, sections, a fallback template) become objects, tuples become
lists and come back as tuples, datetimes become ISO text, and free-form values (an
HTTP body, a payload, fields) go through `encode_value`, which keeps dates as dates.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from datetime import datetime
from typing import Any, Union

from wactl.runtime.effects import Effect
from wactl.runtime.events import Event
from wactl.runtime.state import decode_value, encode_value

EFFECT_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in typing.get_args(Effect)
}
"""Every effect type by its name (the `type` of its data)."""
EVENT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(Event)}
"""Every event type by its name."""


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return hints


def effect_to_data(effect: Effect) -> dict[str, Any]:
    """JSON-shaped data for `effect`, with its type's name under `type`."""
    return _tagged(effect, EFFECT_TYPES, "effect")


def effect_from_data(data: dict[str, Any]) -> Effect:
    """The effect `effect_to_data` described; ValueError for an unknown type."""
    effect: Effect = _untagged(data, EFFECT_TYPES, "effect")
    return effect


def event_to_data(event: Event) -> dict[str, Any]:
    """JSON-shaped data for `event`, with its type's name under `type`."""
    return _tagged(event, EVENT_TYPES, "event")


def event_from_data(data: dict[str, Any]) -> Event:
    """The event `event_to_data` described; ValueError for an unknown type."""
    event: Event = _untagged(data, EVENT_TYPES, "event")
    return event


def _tagged(obj: Any, types_by_name: dict[str, type[Any]], what: str) -> dict[str, Any]:
    name = type(obj).__name__
    if types_by_name.get(name) is not type(obj):
        raise TypeError(f"not an {what}: {obj!r}")
    return {"type": name, **_object_to_data(obj)}


def _untagged(data: dict[str, Any], types_by_name: dict[str, type[Any]], what: str) -> Any:
    cls = types_by_name.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown {what} type {data.get('type')!r}")
    return _object_from_data(cls, data)


def _object_to_data(obj: Any) -> dict[str, Any]:
    hints = _hints(type(obj))
    return {f.name: _to_data(hints[f.name], getattr(obj, f.name))
            for f in dataclasses.fields(obj)}


def _object_from_data(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    values = {f.name: _from_data(hints[f.name], data[f.name])
              for f in dataclasses.fields(cls) if f.name in data}
    return cls(**values)


def _to_data(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if hint is Any:
        return encode_value(value)
    if origin in (Union, types.UnionType):
        return _to_data(_member(hint, value), value)
    if dataclasses.is_dataclass(hint):
        return _object_to_data(value)
    if hint is datetime:
        return value.isoformat()
    if origin is tuple:
        return [_to_data(h, v) for h, v in zip(_tuple_hints(hint, len(value)), value,
                                                strict=True)]
    if origin is dict:
        item = typing.get_args(hint)[1]
        return {k: _to_data(item, v) for k, v in value.items()}
    return value


def _from_data(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if hint is Any:
        return decode_value(data)
    if origin in (Union, types.UnionType):
        return _from_data(_member_for_data(hint, data), data)
    if dataclasses.is_dataclass(hint):
        return _object_from_data(typing.cast(type[Any], hint), data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if origin is tuple:
        return tuple(_from_data(h, v) for h, v in zip(_tuple_hints(hint, len(data)), data,
                                                       strict=True))
    if origin is dict:
        item = typing.get_args(hint)[1]
        return {k: _from_data(item, v) for k, v in data.items()}
    return data


def _tuple_hints(hint: Any, length: int) -> list[Any]:
    args = typing.get_args(hint)
    if len(args) == 2 and args[1] is Ellipsis:
        return [args[0]] * length
    return list(args)


def _members(hint: Any) -> list[Any]:
    return [a for a in typing.get_args(hint) if a is not type(None)]


def _member(hint: Any, value: Any) -> Any:
    """The member of an optional/union hint that `value` is an instance of."""
    for member in _members(hint):
        if isinstance(member, type) and isinstance(value, member):
            return member
    return _members(hint)[0]


def _member_for_data(hint: Any, data: Any) -> Any:
    """The member of a union to decode `data` as (effects' unions are `X | None`)."""
    members = _members(hint)
    if len(members) != 1:
        raise TypeError(f"ambiguous union {hint!r}")
    return members[0]
