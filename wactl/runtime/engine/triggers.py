"""Which flows a message, an event or a schedule tick starts.

Keywords compare as the compiler's WA601 check compares them (`normalise`: lowercase,
no diacritics, words only), as whole words anywhere in the message.  Among matches
the higher `priority` wins, then the longer match ("order status" beats "order"),
then the flow id, so the choice never depends on file order.  A regex trigger's
match length counts like a keyword's.  The `if` guards need a scope, so callers check
them on the ranked candidates (`Match.flow.trigger.if_`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wactl.compiler.checks.triggers import normalise
from wactl.compiler.ir import (
    IREventTrigger,
    IRFlow,
    IRIntentTrigger,
    IRKeywordTrigger,
    IRRegexTrigger,
    IRScheduleTrigger,
)
from wactl.dsl.expr import Pattern, PatternRefused, compile_regex

MAX_MATCH_TEXT = 4096
"""Longer messages are matched on their start (a regex over 64 KB of text is a risk)."""


@dataclass(frozen=True, slots=True)
class Match:
    flow: IRFlow
    length: int
    vars: dict[str, Any] = field(default_factory=dict)

    @property
    def rank(self) -> tuple[int, int]:
        return (self.flow.priority, self.length)


class TriggerIndex:
    """The program's triggers, grouped by kind, rules apart from conversation flows."""

    def __init__(self, flows: Sequence[IRFlow]) -> None:
        self.keywords: list[tuple[str, IRFlow]] = []
        self.regexes: list[tuple[Pattern, IRFlow]] = []
        self.intents: list[IRFlow] = []
        self.events: dict[str, list[IRFlow]] = {}
        self.schedules: dict[str, IRFlow] = {}
        for flow in sorted(flows, key=lambda f: f.id):
            self._add(flow)
        self.has_rules = any(f.rule for _, f in self.keywords) or any(
            f.rule for _, f in self.regexes)

    def _add(self, flow: IRFlow) -> None:
        trig = flow.trigger
        if isinstance(trig, IRKeywordTrigger):
            self.keywords.extend((f" {k} ", flow) for k in trig.normalized if k)
        elif isinstance(trig, IRRegexTrigger):
            try:
                self.regexes.append((compile_regex(trig.pattern), flow))
            except PatternRefused:
                pass  # the compiler reported it; an uncompiled program is not deployed
        elif isinstance(trig, IRIntentTrigger):
            self.intents.append(flow)
        elif isinstance(trig, IREventTrigger):
            self.events.setdefault(trig.event, []).append(flow)
        elif isinstance(trig, IRScheduleTrigger):
            self.schedules[flow.id] = flow

    def match_text(self, text: str) -> list[Match]:
        """Every flow whose keyword or regex matches, best first (one entry per flow)."""
        if not text:
            return []
        text = text[:MAX_MATCH_TEXT]
        best: dict[str, Match] = {}
        padded = f" {fast_normalise(text)} "
        for kw, flow in self.keywords:
            if kw in padded:
                _keep(best, Match(flow, len(kw) - 2))
        for pattern, flow in self.regexes:
            m = pattern.search(text)
            if m is not None:
                groups = {k: v for k, v in m.groupdict().items() if v is not None}
                _keep(best, Match(flow, len(m.group(0)), groups))
        return sorted(best.values(), key=lambda m: (-m.rank[0], -m.rank[1], m.flow.id))

    def intent_flows(self) -> list[IRFlow]:
        return [f for f in self.intents if not f.rule]


_ASCII_WORD = re.compile(r"[a-z0-9_]+")


def fast_normalise(text: str) -> str:
    """`normalise`, with a shortcut for plain ASCII text (no diacritics to strip)."""
    if text.isascii():
        return " ".join(_ASCII_WORD.findall(text.lower()))
    return normalise(text)


def _keep(best: dict[str, Match], match: Match) -> None:
    old = best.get(match.flow.id)
    if old is None or match.length > old.length:
        best[match.flow.id] = match
