"""A small block-style YAML emitter that keeps comments, for `wactl fmt --to yaml`.

PyYAML's emitter drops comments and quotes by its own taste; this one writes a tree of
plain Python values (dict, list, str, `Raw` for non-string scalars, `Item` for a list
item with comments) in one canonical layout.  A string is written plain only when the
YAML resolver would read it back as the same string; otherwise as a `|` block (multi-line
text) or double-quoted, so load(dump(x)) gives back exactly x.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from yaml.nodes import Node, ScalarNode
from yaml.resolver import Resolver

_STR_TAG = "tag:yaml.org,2002:str"
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = frozenset(",[]{}:?")
"""Characters that end a plain scalar inside `[...]` for PyYAML (`?` among them: `[a?b]`
fails to parse)."""
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_resolve: Callable[[type[Node], str, tuple[bool, bool]], str] = Resolver().resolve
FLOW_WIDTH = 72


class Raw(str):
    """A scalar written exactly as is: numbers, `true`/`false`, `null`, or "" (empty value)."""

    __slots__ = ()


@dataclass(frozen=True)
class Item:
    """A list item with the full-line comments written above it."""

    value: Any
    comments: list[str] = field(default_factory=list)
    blank_before: bool = False


def render(value: Any, comments: list[str]) -> str:
    """The whole document: header comments, a blank line, then the tree."""
    lines = comment_lines(comments, "")
    if lines:
        lines.append("")
    lines.extend(_block(value, 0))
    return "\n".join(lines) + "\n"


def comment_lines(comments: list[str], pad: str) -> list[str]:
    """`# text` lines; text that YAML would read as a line break is made a space."""
    out: list[str] = []
    for comment in comments:
        for line in comment.split("\n"):
            if not line.isprintable():
                line = "".join(c if c.isprintable() else " " for c in line)
            out.append(f"{pad}# {line}".rstrip(" ") if line.strip() else f"{pad}#")
    return out


def _block(value: Any, indent: int) -> list[str]:
    if isinstance(value, dict) and value:
        return _mapping(value, indent)
    if isinstance(value, list) and value and not _inline(value):
        return _sequence(value, indent)
    return [" " * indent + _value(value, indent)]


def _mapping(mapping: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in mapping.items():
        head = f"{pad}{scalar(key, flow=False)}:"
        if _inline(value):
            text = _value(value, indent + 2)
            out.append(f"{head} {text}" if text else head)
        else:
            out.append(head)
            out.extend(_block(value, indent + 2))
    return out


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, Item):
            if item.blank_before and out:
                out.append("")
            out.extend(comment_lines(item.comments, pad))
            item = item.value
        if _inline(item):
            out.append(f"{pad}- {_value(item, indent + 2)}")
            continue
        inner = _block(item, indent + 2)
        inner[0] = f"{pad}- {inner[0][indent + 2:]}"
        out.extend(inner)
    return out


def _inline(value: Any) -> bool:
    """Whether `value` fits after `key: ` / `- ` on the same line."""
    if isinstance(value, str):
        return True
    if isinstance(value, dict | list) and not value:
        return True
    if isinstance(value, list) and all(type(v) is str or isinstance(v, Raw) for v in value):
        return len(_flow_list(value)) <= FLOW_WIDTH
    return False


def _value(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return _flow_list(value)
    return scalar(value, flow=False, indent=indent)


def _flow_list(items: list[Any]) -> str:
    return "[" + ", ".join(scalar(item, flow=True) for item in items) + "]"


def scalar(value: str, flow: bool, indent: int = -1) -> str:
    """`value` as a YAML scalar: plain, a `|` block (when `indent` allows), or quoted."""
    if isinstance(value, Raw):
        return str(value)
    if plain_ok(value, flow):
        return value
    if indent >= 0 and block_ok(value):
        return _literal(value, indent)
    if '"' in value and "'" not in value and value.isprintable():
        return f"'{value}'"
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


@lru_cache(maxsize=8192)
def plain_ok(value: str, flow: bool) -> bool:
    """A plain scalar reads back as exactly this string (and is not a number, bool, null)."""
    if not value or value[0] in _INDICATORS or value[-1] in " :" or value[0] == " ":
        return False
    if not value.isprintable() or ": " in value or " #" in value:
        return False
    if flow and not _FLOW_UNSAFE.isdisjoint(value):
        return False
    return _resolve(ScalarNode, value, (True, False)) == _STR_TAG


def block_ok(value: str) -> bool:
    """A `|` literal block reads back as exactly this multi-line string."""
    if "\n" not in value or value[0] in " \n" or value.endswith("\n\n"):
        return False
    lines = value.removesuffix("\n").split("\n")
    return all(line.isprintable() and (not line or line.strip(" ")) for line in lines)


def _literal(value: str, indent: int) -> str:
    head = "|" if value.endswith("\n") else "|-"
    pad = " " * indent
    body = value.removesuffix("\n").split("\n")
    return head + "".join(f"\n{pad}{line}" if line else "\n" for line in body)


def json_tree(value: Any) -> Any:
    """A JSON value (vars, HTTP bodies, mock data) as emitter input."""
    if value is None:
        return Raw("null")
    if isinstance(value, bool):
        return Raw("true" if value else "false")
    if isinstance(value, int):
        return Raw(str(value))
    if isinstance(value, float):
        return Raw(float_text(value))
    if isinstance(value, dict):
        return {str(k): json_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_tree(v) for v in value]
    return str(value)


def float_text(value: float) -> str:
    """YAML 1.1 float spelling (it needs a `.` before an exponent), as PyYAML writes it."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text
