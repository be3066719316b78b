"""Comparing what a conversation test expects with what happened, as readable diffs.

Two kinds of comparison, both pure and free of the engine:
- a `bot` turn against one message the bot sent: text exact or `/regex/` (searched, so
  anchor it with `^...$` for a whole-text match), button titles, list row ids, a
  template's name, an image's link.  Only what the turn names is compared.
- `expect` against the conversation's final state: variables and fields are checked
  key by key (others may exist), tags as a set (order and repeats do not matter),
  consent and handoff by value, events as names that must all have been published.

Each mismatch is a `Failure` with a unified diff (difflib) of expected against actual
lines, in which what matched is shown the same on both sides so that only the
difference stands out.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from wactl.dsl import ast
from wactl.dsl.expr import patterns
from wactl.runtime.effects import SendEffect, SendInteractive, SendMedia, SendTemplate, SendText

NOT_SET = "(not set)"


@dataclass(frozen=True, slots=True)
class Failure:
    """One way a test failed: where (`turn 4`, `expect.vars`), what, and the diff."""

    where: str
    message: str
    diff: str = ""


@dataclass(frozen=True, slots=True)
class FinalState:
    """What `expect` is checked against, gathered by the runner after the last turn."""

    vars: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    consent: str | None = None
    handoff: bool = False
    events: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- messages


def is_pattern(expected: str) -> bool:
    """`/.../` is a regular expression; anything else is exact text."""
    return len(expected) >= 2 and expected.startswith("/") and expected.endswith("/")


def text_matches(expected: str, actual: str | None) -> bool:
    """Exact equality, or a regex search for `/.../` (RE2, linear in the text; a pattern
    it refuses never matches, and `wactl validate` reports it as WA408)."""
    if actual is None:
        return False
    if not is_pattern(expected):
        return expected == actual
    return patterns.search(expected[1:-1], actual) is not None


def message_text(message: SendEffect) -> str | None:
    """The text a person reads in a message (None for a template)."""
    if isinstance(message, SendText):
        return message.text
    if isinstance(message, SendInteractive):
        return message.body
    if isinstance(message, SendMedia):
        return message.caption or ""
    return None


def row_ids(message: SendInteractive) -> list[str]:
    return [row.id for section in message.sections for row in section.rows]


def image_link(message: SendEffect) -> str | None:
    if isinstance(message, SendMedia) and message.kind == "image":
        return message.link
    if isinstance(message, SendInteractive) and message.header_media is not None:
        kind, link = message.header_media
        return link if kind == "image" else None
    return None


def describe(message: SendEffect) -> list[str]:
    """A message as transcript lines: text, then `[n] button`, `- row_id: title`, ..."""
    if isinstance(message, SendTemplate):
        params = f": {' | '.join(message.params)}" if message.params else ""
        return [f"template {message.name} ({message.language}){params}"]
    lines: list[str] = []
    if (link := image_link(message)) is not None:
        lines.append(f"image {link}")
    elif isinstance(message, SendMedia):
        lines.append(f"{message.kind} {message.link}")
    text = message_text(message)
    lines.extend(text.splitlines() if text else [])
    if isinstance(message, SendInteractive):
        lines.extend(f"[{i}] {b.title}" for i, b in enumerate(message.buttons, 1))
        lines.extend(f"- {r.id}: {r.title}" for s in message.sections for r in s.rows)
    return lines


def _part(expected: str, actual: str | None, ok: bool) -> tuple[list[str], list[str]]:
    """Lines of one compared part; a matching part shows as the actual on both sides."""
    got = [] if actual is None else actual.splitlines() or [""]
    return (got if ok else expected.splitlines() or [""]), (got or [NOT_SET])


def _listed(name: str, expected: Sequence[str], actual: Sequence[str],
            ok: bool) -> tuple[list[str], list[str]]:
    got = [f"{name}: {a}" for a in actual] or [f"{name}: (none)"]
    want = [f"{name}: {e}" for e in expected] or [f"{name}: (none)"]
    return (got if ok else want), got


def _titles_match(expected: Sequence[str], actual: Sequence[str]) -> bool:
    return len(expected) == len(actual) and all(
        text_matches(e, a) for e, a in zip(expected, actual, strict=True))


def compare_message(turn: ast.BotTurn, message: SendEffect) -> str | None:
    """None when `message` is what `turn` expects, else a diff of expected vs actual."""
    parts: list[tuple[tuple[list[str], list[str]], bool]] = []
    if turn.template is not None:
        name = message.name if isinstance(message, SendTemplate) else None
        ok = name == turn.template
        parts.append((_part(f"template {turn.template}",
                            None if name is None else f"template {name}", ok), ok))
    if turn.image is not None:
        link = image_link(message)
        ok = link is not None and text_matches(turn.image, link)
        parts.append((_part(f"image {turn.image}", None if link is None else f"image {link}",
                            ok), ok))
    if turn.text is not None:
        actual = message_text(message)
        ok = text_matches(turn.text, actual)
        parts.append((_part(turn.text, actual, ok), ok))
    parts.extend(_choice_parts(turn, message))
    if all(ok for _, ok in parts):
        return None
    return unified([line for (want, _), _ in parts for line in want],
                   [line for (_, got), _ in parts for line in got])


def _choice_parts(turn: ast.BotTurn,
                  message: SendEffect) -> list[tuple[tuple[list[str], list[str]], bool]]:
    """The buttons and list parts of `compare_message`."""
    interactive = message if isinstance(message, SendInteractive) else None
    parts = []
    if turn.buttons is not None:
        titles = [b.title for b in interactive.buttons] if interactive else []
        ok = _titles_match(turn.buttons, titles)
        parts.append((_listed("button", turn.buttons, titles, ok), ok))
    if turn.list_ is not None:
        ids = row_ids(interactive) if interactive else []
        ok = list(turn.list_) == ids
        parts.append((_listed("row", turn.list_, ids, ok), ok))
    return parts


def expected_lines(turn: ast.BotTurn) -> list[str]:
    """What a `bot` turn expects, as lines (for "expected, but the bot sent nothing")."""
    lines = [f"template {turn.template}"] if turn.template is not None else []
    lines += [f"image {turn.image}"] if turn.image is not None else []
    lines += turn.text.splitlines() if turn.text is not None else []
    lines += [f"button: {b}" for b in turn.buttons or []]
    lines += [f"row: {r}" for r in turn.list_ or []]
    return lines


def unified(expected: Sequence[str], actual: Sequence[str]) -> str:
    """A unified diff of two line lists, headed `expected` / `actual`."""
    return "\n".join(difflib.unified_diff(list(expected), list(actual), "expected", "actual",
                                          lineterm="", n=3))


# --------------------------------------------------------------------------- expect


def values_equal(expected: Any, actual: Any) -> bool:
    """Equality as a test author means it: 2 == 2.0, but true != 1 and "5" != 5.

    A date or datetime equals its ISO text, since YAML may have read either.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(actual, date) and isinstance(expected, str):
        return actual.isoformat() == expected
    if isinstance(expected, date) and isinstance(actual, str):
        return expected.isoformat() == actual
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(
            values_equal(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(
            values_equal(e, a) for e, a in zip(expected, actual, strict=True))
    return bool(expected == actual)


def show(value: Any) -> str:
    """A value as one line of JSON (dates as ISO text)."""
    return json.dumps(value, ensure_ascii=False, default=_iso, sort_keys=True)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _check_map(where: str, expected: Mapping[str, Any],
               actual: Mapping[str, Any]) -> Failure | None:
    """Every expected key must be there with an equal value (other keys may exist)."""
    wrong = [k for k, v in expected.items() if k not in actual or not values_equal(v, actual[k])]
    if not wrong:
        return None
    want = [f"{k}: {show(v)}" for k, v in expected.items()]
    got = [f"{k}: {show(actual[k]) if k in actual else NOT_SET}" for k in expected]
    verb = "differs" if len(wrong) == 1 else "differ"
    return Failure(where, f"{', '.join(wrong)} {verb}", unified(want, got))


def _check_value(where: str, expected: Any, actual: Any) -> Failure | None:
    if values_equal(expected, actual):
        return None
    return Failure(where, f"expected {show(expected)}, got {show(actual)}",
                   unified([show(expected)], [show(actual)]))


def _check_tags(expected: Sequence[str], actual: Sequence[str]) -> Failure | None:
    want, got = sorted(set(expected)), sorted(set(actual))
    if want == got:
        return None
    return Failure("expect.tags", f"expected tags {show(want)}, got {show(got)}",
                   unified(want, got))


def _check_events(expected: Sequence[str], actual: Sequence[str]) -> Failure | None:
    missing = [name for name in expected if name not in actual]
    if not missing:
        return None
    return Failure("expect.events", f"not published: {', '.join(missing)}",
                   unified(list(expected), [n for n in expected if n in actual]))


def check_expect(expect: ast.TestExpect | None, final: FinalState) -> list[Failure]:
    """Every `expect` entry that does not hold, in the order LANGUAGE.md lists them."""
    if expect is None:
        return []
    checks = [
        _check_map("expect.vars", expect.vars, final.vars) if expect.vars is not None else None,
        _check_tags(expect.tags, final.tags) if expect.tags is not None else None,
        (_check_map("expect.fields", expect.fields, final.fields)
         if expect.fields is not None else None),
        (_check_value("expect.consent", expect.consent, final.consent)
         if expect.consent is not None else None),
        (_check_value("expect.handoff", expect.handoff, final.handoff)
         if expect.handoff is not None else None),
        _check_events(expect.events, final.events) if expect.events is not None else None,
    ]
    return [c for c in checks if c is not None]
