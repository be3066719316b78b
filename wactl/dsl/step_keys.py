"""The keys of each step kind: one table for the loader, the editor schema and the dumpers.

`KIND_KEYS[kind]` are the keys a step of that kind may carry beside its kind key, in
LANGUAGE.md's order, which is also the order the YAML dumper writes them in;
`COMMON_KEYS` are the keys every step may carry.  The loader rejects any other key
(WA103), the JSON Schema lists exactly these, and a test checks the dumpers' order.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

COMMON_KEYS: tuple[str, ...] = ("id", "next", "when", "max_visits")
KIND_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "send": ("fallback_template",),
    "template": (),
    "ask": ("expect", "save", "retries", "retry_message", "on_fail", "validate", "extract",
            "timeout", "on_timeout"),
    "branch": (), "set": (), "tag": (), "untag": (), "field": (), "consent": (),
    "call": ("save", "on_error"),
    "wait": (),
    "agent": ("until", "max_turns"),
    "handoff": ("team",),
    "goto": (), "run": ("with", "save"), "link": (), "end": (),
})
