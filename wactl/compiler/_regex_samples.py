"""A few short strings that a regular expression matches, to test regex triggers against keywords.

Deciding exactly whether a keyword trigger can catch every message a regex trigger
wants is a language-inclusion problem; the compiler only needs a warning with a concrete
example.  So we walk the parsed pattern (`re._parser`, the stdlib's own parser, imported
by name because it has no stubs) and build a minimal matching string plus one variant
per alternative and per optional part ("take it once").  Every sample is confirmed by
searching it with the pattern as it runs (`wactl.dsl.expr.patterns`, RE2) before use, so
anything the walk gets wrong only costs samples, never produces a false example.

Bounded whatever the pattern: a string being built is cut at `MAX_SAMPLE_CHARS` (a cut
sample just fails confirmation), so the walk of `(?:(?:(?:(?:(?:a{50}){50}){50}){50}){50})`
(312 million characters uncut; it once took 3.4 GB) builds strings of 200; there are at
most `MAX_ALTS` alternatives per node, and the walk visits each node of a tree that the
pattern length limit bounds.  (RE2 refuses that pattern anyway: the walk only runs for
patterns it accepts.)
"""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

from wactl.dsl.expr import Pattern, compile_pattern

_parser: Any = importlib.import_module("re._parser")

MAX_ALTS = 12
MAX_SAMPLE_CHARS = 200
"""Longer samples are cut (and then fail confirmation): messages are short anyway."""
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
MAX_REPEAT = 50
_PICKS = "axz0 -_.A"
_CATEGORY_CHAR = {
    "CATEGORY_DIGIT": "0", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a", "CATEGORY_WORD": "a", "CATEGORY_NOT_WORD": " ",
}


def samples(pattern: str) -> list[str]:
    """Distinct strings matched by `pattern` (empty when RE2 refuses it)."""
    compiled = compile_pattern(pattern)
    if not isinstance(compiled, Pattern):
        return []
    out: dict[str, None] = {}
    for text in candidates(pattern):
        if compiled.search(text) is not None:
            out.setdefault(text)
    return list(out)


def candidates(pattern: str) -> list[str]:
    """Unconfirmed guesses, each at most MAX_SAMPLE_CHARS long: the walk of the parsed
    pattern, then the runs of words written in it."""
    try:
        with warnings.catch_warnings():  # FutureWarning on `[[`: the user's, not ours
            warnings.simplefilter("ignore")
            tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return []  # RE2-only syntax (`\p{L}`): no samples, so no WA602 either
    words = re.findall(r"[^\W\d_]+(?: [^\W\d_]+)*", pattern)
    return _seq(list(tree)) + [w[:MAX_SAMPLE_CHARS] for w in words]


def _cut(parts: list[str]) -> str:
    """`"".join(parts)` cut at MAX_SAMPLE_CHARS, without building the whole first."""
    out: list[str] = []
    size = 0
    for part in parts:
        if size >= MAX_SAMPLE_CHARS:
            break
        out.append(part)
        size += len(part)
    return "".join(out)[:MAX_SAMPLE_CHARS]


def _seq(items: list[tuple[Any, Any]]) -> list[str]:
    """A sequence: the minimal string, the one with every optional part taken once, then
    one variant per alternative of each item."""
    options = [_node(op, av) for op, av in items]
    base = [opts[0] if opts else "" for opts in options]
    out = [_cut(base)]
    optional = [str(op) in _REPEATS and av[0] == 0 for op, av in items]
    if any(optional):
        out.append(_cut([o[1] if opt else o[0] for o, opt in zip(options, optional, strict=True)]))
    for i, opts in enumerate(options):
        for alt in opts[1:]:
            if len(out) >= MAX_ALTS:
                return out
            out.append(_cut([*base[:i], alt, *base[i + 1:]]))
    return out


def _node(op: Any, av: Any) -> list[str]:
    """Alternatives for one parsed item, the shortest-to-build first."""
    name = str(op)
    if name == "LITERAL":
        return [chr(av)]
    if name == "NOT_LITERAL":
        return [next(c for c in _PICKS if ord(c) != av)]
    if name == "ANY":
        return ["x"]
    if name == "IN":
        return _in(av)
    if name == "BRANCH":
        return [s for branch in av[1] for s in _seq(list(branch))][:MAX_ALTS]
    if name == "SUBPATTERN":
        return _seq(list(av[3]))
    if name == "ATOMIC_GROUP":
        return _seq(list(av))
    if name in _REPEATS:
        return _repeat(av[0], av[2])
    if name == "GROUPREF_EXISTS":
        return (_seq(list(av[1])) + (_seq(list(av[2])) if av[2] else [""]))[:MAX_ALTS]
    return [""]  # AT anchors and the like: the confirming search decides


def _repeat(low: int, body: Any) -> list[str]:
    """`x{low,...}`: the minimal repeat, then each alternative of `x` taken once more."""
    sub = _seq(list(body))
    low = min(low, MAX_REPEAT)
    first = _times(sub[0], low)
    extra = [_cut([alt, _times(sub[0], low - 1)]) for alt in sub]
    if low == 0:
        return [first, *extra][:MAX_ALTS]
    return [first, *extra[1:]][:MAX_ALTS]


def _times(text: str, count: int) -> str:
    """`text * count`, cut at MAX_SAMPLE_CHARS (an empty text stays empty)."""
    if count <= 0 or not text:
        return ""
    return (text * min(count, MAX_SAMPLE_CHARS // len(text) + 1))[:MAX_SAMPLE_CHARS]


def _in(items: list[tuple[Any, Any]]) -> list[str]:
    """Characters a `[...]` class accepts: a few picks, or one outside a negated class."""
    if items and str(items[0][0]) == "NEGATE":
        rest = items[1:]
        return [next((c for c in _PICKS + "bcdefg" if not _in_class(rest, c)), "\x00")]
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "RANGE":
            out.append(chr(av[0]))
        elif name == "CATEGORY":
            out.append(_CATEGORY_CHAR.get(str(av), "a"))
    return out[:4] or ["a"]


def _in_class(items: list[tuple[Any, Any]], char: str) -> bool:
    """Whether `char` is one of a (non-negated) class's items."""
    code = ord(char)
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and av == code:
            return True
        if name == "RANGE" and av[0] <= code <= av[1]:
            return True
        if name == "CATEGORY" and re.fullmatch(_CATEGORY_RE.get(str(av), "(?!)"), char):
            return True
    return False


_CATEGORY_RE = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
}
