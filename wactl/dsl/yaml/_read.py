"""Reading composed YAML nodes: spans, mappings, typed scalars, with every problem a diagnostic.

PyYAML's `compose()` keeps a mark on every node but resolves nothing, so the loader
decides types itself from the resolved tag and the raw text.  That is what lets a
diagnostic point at the exact key or value, and what keeps `on:`/`yes` from silently
turning into booleans where a word was meant.  Every reader here returns a value or
None and appends a diagnostic; nothing raises except `TooLarge`, the one "stop now".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from yaml.constructor import SafeConstructor
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from wactl.diagnostics import CODES, Diagnostic, Severity, Span, closest, did_you_mean
from wactl.dsl import ast
from wactl.dsl.durations import parse_duration

Y = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = Y + "str", Y + "int", Y + "float", Y + "bool", Y + "null"
MAP, SEQ, MERGE, TIMESTAMP = Y + "map", Y + "seq", Y + "merge", Y + "timestamp"
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_TEXT_TAGS = frozenset({STR, INT, FLOAT, BOOL, TIMESTAMP})

FLOW_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_JSON_DEPTH = 64

_constructor = SafeConstructor()

Pairs = dict[str, tuple[ScalarNode, Node]]
T = TypeVar("T")


class TooLarge(Exception):
    """Raised once when aliases expand a file beyond its budget (a 'billion laughs' file)."""

    def __init__(self, node: Node) -> None:
        super().__init__("too large")
        self.node = node


class Reader:
    """Per-file state: the diagnostics so far, the source lines, and the node budget."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.diags: list[Diagnostic] = []
        self.doubts = 0
        """Errors after which what was read may differ from what was meant (see `doubt`)."""
        self.budget = 2 * len(text) + 10_000
        self._lines: list[str] | None = None
        self._merges: list[tuple[Pairs, Node]] = []
        self._merging: set[int] = set()

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    # ------------------------------------------------------------------ spans, reports

    def span(self, node: Node) -> Span:
        s, e = node.start_mark, node.end_mark
        return Span(self.path, s.line + 1, s.column + 1, e.line + 1, e.column + 1)

    def text_span(self, node: Node) -> Span:
        """Where the scalar's *content* starts: after a quote, or on a block's first line."""
        s, e = node.start_mark, node.end_mark
        style = getattr(node, "style", None)
        line, col = s.line, s.column
        if style == '"' or style == "'":
            col += 1
        elif style == "|" or style == ">":
            line, col = self._block_start(line, e.line)
        return Span(self.path, line + 1, col + 1, e.line + 1, e.column + 1)

    def _block_start(self, header: int, last: int) -> tuple[int, int]:
        lines = self.lines
        for i in range(header + 1, min(last + 1, len(lines))):
            stripped = lines[i].lstrip(" ")
            if stripped:
                return i, len(lines[i]) - len(stripped)
        return header, 0

    def comments(self, start: int, stop: int) -> list[str]:
        """Full-line `#` comments on 0-based lines [start, stop), without the `# ` (for fmt)."""
        out: list[str] = []
        for line in self.lines[max(start, 0):stop]:
            body = line.lstrip()
            if body.startswith("#"):
                out.append(body[2:] if body.startswith("# ") else body[1:])
        return out

    def error(self, code: str, message: str, node: Node, hint: str | None = None,
              *, repaired: bool = False) -> None:
        """Report a problem; unless it was `repaired`, what was read is now in doubt."""
        severity = CODES[code].severity
        self.diags.append(Diagnostic(code, severity, message, self.span(node), hint))
        if severity is Severity.ERROR and not repaired:
            self.doubts += 1

    def wrong(self, node: Node, what: str, expected: str, hint: str | None = None) -> None:
        """WA104 in the one phrasing merchants see everywhere: "`x` must be ..., got ..."."""
        self.error("WA104", f"`{what}` must be {expected}, got {describe(node)}", node, hint)

    def tick(self, node: Node, count: int) -> None:
        self.budget -= count
        if self.budget < 0:
            raise TooLarge(node)

    # ------------------------------------------------------------------ mappings

    def mapping(self, node: Node, what: str) -> Pairs | None:
        """The key → (key node, value node) pairs of a mapping; duplicates are WA109."""
        if not isinstance(node, MappingNode):
            self.wrong(node, what, "a mapping of keys and values")
            return None
        self.tick(node, len(node.value))
        if node.tag != MAP:
            self.error("WA104", f"YAML tag `{node.tag}` is not supported here", node)
        out: Pairs = {}
        merges_before = len(self._merges)
        for key, value in node.value:
            self._add_pair(out, key, value)
        while len(self._merges) > merges_before:
            self._merge(*self._merges.pop(merges_before))
        return out

    def _add_pair(self, out: Pairs, key: Node, value: Node) -> None:
        if not isinstance(key, ScalarNode):
            self.error("WA104", "a key must be a plain word, not a list or mapping", key)
        elif key.tag == MERGE:
            self._merges.append((out, value))
        elif key.value in out:
            first = out[key.value][0].start_mark.line + 1
            self.error("WA109", f"`{key.value}` is given twice in this mapping", key,
                       f"the first `{key.value}` is on line {first}; keep one")
        else:
            out[key.value] = (key, value)

    def _merge(self, out: Pairs, value: Node) -> None:
        """YAML merge keys (`<<: *defaults`): keys written explicitly win."""
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if id(source) in self._merging:
                self.error("WA104", "this merge (`<<`) includes itself", source)
                continue
            self._merging.add(id(source))
            merged = self.mapping(source, "<<")
            self._merging.discard(id(source))
            for name, pair in (merged or {}).items():
                out.setdefault(name, pair)

    def check_keys(self, pairs: Pairs, allowed: Iterable[str], what: str,
                   elsewhere: dict[str, str] | None = None) -> None:
        """WA103 for every key not in `allowed`, with a "did you mean" over the allowed ones.

        When the suggestion is a key this mapping does not already have, the pair is read
        on under the suggested key (`nxt: bye` as `next: bye`): the error stays, but the
        later checks judge the step as the fix would make it, so one run reports the
        other mistakes too, and none that only echo this one.
        """
        allowed = allowed if isinstance(allowed, frozenset) else frozenset(allowed)
        for name in [n for n in pairs if n not in allowed]:
            key = pairs[name][0]
            alias = ast.KEY_ALIASES.get(name)
            meant = alias if alias in allowed else closest(name, sorted(allowed))
            hint = f"did you mean `{alias}`? (wactl spells `{name}` as `{alias}`)" \
                if meant is not None and meant == alias else \
                (f"did you mean `{meant}`?" if meant is not None else None)
            if hint is None and elsewhere and name in elsewhere:
                hint = elsewhere[name]
            repaired = meant is not None and meant not in pairs
            self.error("WA103", f"unknown key `{name}` in {what}", key, hint, repaired=repaired)
            if repaired and meant is not None:
                pairs[meant] = pairs.pop(name)

    def require(self, pairs: Pairs, name: str, node: Node, what: str) -> Node | None:
        pair = pairs.get(name)
        if pair is None:
            self.error("WA105", f"{what} needs the key `{name}`", node)
            return None
        return pair[1]

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.wrong(node, what, "a list")
            return None
        self.tick(node, len(node.value))
        if node.tag != SEQ:
            self.error("WA104", f"YAML tag `{node.tag}` is not supported here", node)
        items: list[Node] = node.value
        return items

    # ------------------------------------------------------------------ scalars

    def scalar_ok(self, node: Node, what: str, expected: str) -> bool:
        if not isinstance(node, ScalarNode) or node.tag == NULL:
            self.wrong(node, what, expected)
            return False
        if node.tag not in _SCALAR_TAGS:
            self.error("WA104", f"YAML tag `{node.tag}` is not supported here", node)
            return False
        return True

    def string(self, node: Node, what: str) -> str | None:
        """Any non-empty scalar as the text it was written with (`wa_id: 849...` is text)."""
        if not (isinstance(node, ScalarNode) and node.tag in _TEXT_TAGS) \
                and not self.scalar_ok(node, what, "text"):
            return None
        value: str = node.value
        return value

    def strings(self, node: Node, what: str) -> list[str] | None:
        """A string or a list of strings (`tag: vip` or `tag: [vip, new]`)."""
        if isinstance(node, ScalarNode):
            one = self.string(node, what)
            return None if one is None else [one]
        items = self.sequence(node, what)
        if items is None:
            return None
        out = [self.string(item, what) for item in items]
        return [s for s in out if s is not None]

    def identifier(self, node: Node, what: str, pattern: re.Pattern[str] = STEP_ID) -> str | None:
        """A name that expressions and references can spell; a bad one is WA110 but kept."""
        value = self.string(node, what)
        if value is not None and pattern.match(value) is None:
            form = "lower-case letters, digits and `_`, starting with a letter" \
                if pattern is FLOW_ID else "letters, digits and `_`, not starting with a digit"
            self.error("WA110", f"`{value}` is not a valid {what}: use {form}", node)
        return value

    def integer(self, node: Node, what: str, minimum: int = 0) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT:
            self.wrong(node, what, "a whole number")
            return None
        value: int = _constructor.construct_yaml_int(node)
        if value < minimum:
            self.wrong(node, what, f"at least {minimum}")
            return None
        return value

    def number(self, node: Node, what: str) -> float | None:
        if not isinstance(node, ScalarNode) or node.tag not in (INT, FLOAT):
            self.wrong(node, what, "a number")
            return None
        if node.tag == INT:
            return float(_constructor.construct_yaml_int(node))
        return float(_constructor.construct_yaml_float(node))

    def boolean(self, node: Node, what: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != BOOL:
            self.wrong(node, what, "`true` or `false`")
            return None
        return bool(_constructor.construct_yaml_bool(node))

    def choice(self, node: Node, what: str, options: Iterable[str]) -> str | None:
        value = self.string(node, what)
        options = tuple(options)
        if value is not None and value not in options:
            hint = did_you_mean(value, options) or "one of: " + ", ".join(options)
            self.error("WA104", f"`{what}` must be one of {', '.join(options)}, "
                       f"got {describe(node)}", node, hint)
            return None
        return value

    def seconds(self, node: Node, what: str) -> int | None:
        """A duration (`30s`, `15m`, `2h`, `3d`, `1h30m`, or whole seconds) in seconds."""
        if isinstance(node, ScalarNode) and node.tag == INT:
            value: int = _constructor.construct_yaml_int(node)
            if value >= 0:
                return value
        elif isinstance(node, ScalarNode) and node.tag == STR:
            seconds = parse_duration(node.value.strip().removeprefix("+"))
            if seconds is not None:
                return seconds
        self.error("WA111", f"`{what}` must be a duration like `30s`, `15m`, `2h` or `3d`, "
                   f"got {describe(node)}", node, "units: s, m, h, d; combine as `1h30m`, or write "
                   "`2 days`, `15 minutes`")
        return None

    # ------------------------------------------------------------------ JSON values

    def json(self, node: Node) -> Any:
        """A plain JSON value (vars, bodies, mock data); dates stay text, tags are refused.

        When aliases blow the budget, the whole value is reported, not a leaf deep inside.
        """
        try:
            return self._json(node, 0)
        except TooLarge:
            raise TooLarge(node) from None

    def _json(self, node: Node, depth: int) -> Any:
        self.tick(node, 1)
        if depth > MAX_JSON_DEPTH:
            self.error("WA104", f"value is nested more than {MAX_JSON_DEPTH} levels deep", node)
            return None
        if isinstance(node, ScalarNode):
            return self._json_scalar(node)
        if isinstance(node, SequenceNode):
            return [self._json(item, depth + 1) for item in self.sequence(node, "value") or ()]
        pairs = self.mapping(node, "value") or {}
        return {name: self._json(value, depth + 1) for name, (_, value) in pairs.items()}

    def _json_scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == STR or tag == TIMESTAMP:
            return node.value
        if tag == NULL:
            return None
        if tag == BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == INT:
            return _constructor.construct_yaml_int(node)
        if tag == FLOAT:
            value = _constructor.construct_yaml_float(node)
            return value if value == value and value not in (float("inf"), float("-inf")) \
                else node.value
        self.error("WA104", f"YAML tag `{tag}` is not supported here", node)
        return None


def after(node: Node) -> int:
    """The first 0-based line where something written after `node` may start.

    A block collection's own end mark lies past any comments that follow it, so the
    end of its last leaf is used instead (bounded: composed graphs may be cyclic).
    """
    for _ in range(MAX_JSON_DEPTH):
        if not isinstance(node, CollectionNode) or node.flow_style or not node.value:
            break
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    mark = node.end_mark
    return int(mark.line) + (1 if mark.column > 0 else 0)


def describe(node: Node) -> str:
    """How a wrong value reads in a message: `"two"`, `5`, `nothing`, `a list`."""
    if isinstance(node, SequenceNode):
        return "a list" if node.value else "an empty list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if node.tag == NULL:
        return "nothing"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f'"{text}"' if node.tag == STR or node.tag == TIMESTAMP else str(text)


def opt(r: Reader, pairs: Pairs, name: str, read: Callable[[Reader, Node, str], T]) -> T | None:
    """`read` the value of key `name` when it is there; None when absent (the default)."""
    pair = pairs.get(name)
    return None if pair is None else read(r, pair[1], name)


def duration(r: Reader, node: Node, what: str) -> ast.Duration | None:
    seconds = r.seconds(node, what)
    return None if seconds is None else ast.Duration(seconds=seconds, span=r.span(node))
