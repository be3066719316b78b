"""Regular expressions written by merchants, run by RE2 in time linear in the text.

Every pattern that comes from a flow file or a test file (`regex` triggers, `expect:
regex:`, `matches` in conditions and `validate`, a test's `/.../` expectation) goes
through `compile_pattern`.  Python's `re` backtracks: `(a|a)+$` takes minutes on 31
characters, and in a service that serves many shops one customer message would block
them all.  RE2 (`google-re2`) has no backtracking, so no pattern can do that; the price
is that it cannot take back-references (`\\1`, `(?P=name)`), lookarounds (`(?=...)`,
`(?<!...)`), atomic groups or possessive repeats.  Those patterns come back as a
`PatternError` whose `reason` names the construct; the compiler reports it at the
pattern's position (WA408, WA603) so it never reaches a customer.  Personas hold no
patterns: the AI layer's own checks (`runtime/agents/claims.py`) are fixed ones of ours.

Patterns keep Python's spelling and meaning where RE2 differs (`translate`):
- `\\d`, `\\w`, `\\s` and `\\D \\W \\S` mean what they mean in Python, Unicode-aware:
  `\\w+` takes "Nguyễn" whole (RE2's own `\\w` is ASCII and would stop at "Nguy");
  `\\d` is any decimal digit (`\\p{Nd}`), `\\s` any Unicode space.
- `\\Z` (Python's end of text) is RE2's `\\z`; `\\uXXXX` and `\\UXXXXXXXX` become `\\x{...}`;
  `x{,n}` is `x{0,n}` (and `x{,}` is `x*`), `[\\b]` a backspace, as in Python.
- Named groups are `(?P<name>...)` as in Python (RE2 also takes `(?<name>...)`).
- Flags `(?i)`, `(?m)`, `(?s)` work, case-insensitivity folds Vietnamese letters too.
What stays different, and is documented in docs/reference.md: `\\b`/`\\B` count only
ASCII letters and digits as word characters; `$` without `(?m)` matches only at the very
end (Python also before a final newline); `\\W` and `\\S` inside `[...]` are refused
(RE2 cannot subtract a Unicode class inside a class: write `[^\\p{L}\\p{N}_]`); repeat
counts above 1,000 (`a{1001}`, or nested repeats multiplying past it) are refused.

Compiled patterns are cached in a bounded LRU cache (`CACHE_SIZE`, beside google-re2's
own of 128), and each RE2 program is limited to `MAX_PROGRAM_BYTES`, so neither the
number nor the size of the patterns the process has seen can grow it without bound
(a typical pattern takes some 30 KB, `\\w{100}` about 1.2 MB; `\\w{500}` is refused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, overload

import re2

from wactl.dsl.expr.nodes import MAX_REGEX_CHARS

CACHE_SIZE = 256
MAX_PROGRAM_BYTES = 4 << 20
"""RE2's memory budget per pattern (program plus its lazily built DFA cache)."""

_WORD = r"\p{L}\p{N}_"
_SPACE = r"\s\v\x{1c}-\x{1f}\x{85}\p{Z}"
_CLASS_OUT = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
              "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z"}
"""Python escapes outside `[...]` and their RE2 spelling with Python's meaning."""
_CLASS_IN = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE, "b": r"\x08"}
"""The same inside `[...]`; `\\W` and `\\S` have no spelling there (see module doc)."""

_NO_LOWER = re.compile(r"\{,\d*\}")
_GROUPS_REFUSED = (
    ("(?P=", "a named back-reference `(?P=name)`"),
    ("(?<=", "a lookbehind `(?<=...)`"),
    ("(?<!", "a negative lookbehind `(?<!...)`"),
    ("(?=", "a lookahead `(?=...)`"),
    ("(?!", "a negative lookahead `(?!...)`"),
    ("(?>", "an atomic group `(?>...)`"),
    ("(?(", "a conditional group `(?(...)...)`"),
    ("(?#", "a comment group `(?#...)`"),
)
_LINEAR = "RE2 runs every pattern in time linear in the text and has no such construct"


@dataclass(frozen=True, slots=True)
class PatternError:
    """Why a pattern cannot be used: said to the merchant as is (after "refused: ")."""

    reason: str


@dataclass(frozen=True, slots=True)
class Found:
    """One match: the matched text, where it is, and the text of every group (the
    whole match first, None for a group that took no part in it)."""

    text: str
    start: int
    end: int
    texts: tuple[str | None, ...]
    names: Mapping[str, int]

    @overload
    def group(self, index: Literal[0] = 0) -> str: ...
    @overload
    def group(self, index: int | str) -> str | None: ...

    def group(self, index: int | str = 0) -> str | None:
        """The text of group `index` (0: the whole match; a name: a named group)."""
        if index == 0:
            return self.text
        return self.texts[self.names[index] if isinstance(index, str) else index]

    def groupdict(self) -> dict[str, str | None]:
        """Named groups by name, None for a group that took no part in the match."""
        return {name: self.texts[i] for name, i in self.names.items()}


class Pattern:
    """A pattern RE2 accepted; `search` is linear in the text and never raises."""

    __slots__ = ("_regexp", "groupindex", "source")

    def __init__(self, source: str, regexp: Any) -> None:
        self.source = source
        self._regexp = regexp
        self.groupindex: Mapping[str, int] = dict(regexp.groupindex)

    def search(self, text: str) -> Found | None:
        """The leftmost match anywhere in `text` (anchor with `^`/`$` for more)."""
        match = self._regexp.search(_encodable(text))
        if match is None:
            return None
        texts = tuple(match.group(i) for i in range(self._regexp.groups + 1))
        start, end = match.span()
        return Found(texts[0] or "", start, end, texts, self.groupindex)

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


class PatternRefused(ValueError):
    """Raised by `compile_regex` for callers that cannot go on without the pattern."""

    def __init__(self, error: PatternError) -> None:
        super().__init__(error.reason)
        self.error = error


@lru_cache(maxsize=CACHE_SIZE)
def compile_pattern(source: str) -> Pattern | PatternError:
    """The one way to compile a merchant's pattern: a `Pattern`, or why not."""
    if len(source) > MAX_REGEX_CHARS:
        return PatternError(f"pattern is {len(source):,} characters long; "
                            f"the limit is {MAX_REGEX_CHARS}")
    translated = translate(source)
    if isinstance(translated, PatternError):
        return translated
    try:
        return Pattern(source, re2.compile(translated, _OPTIONS))
    except re2.error as exc:
        return PatternError(_reason(_message(exc, source)))
    except UnicodeEncodeError:
        return PatternError("the pattern holds a lone surrogate (not a character)")


def compile_regex(source: str) -> Pattern:
    """`compile_pattern` for callers that treat a refused pattern as exceptional."""
    pattern = compile_pattern(source)
    if isinstance(pattern, PatternError):
        raise PatternRefused(pattern)
    return pattern


def regex_problem(source: str) -> str | None:
    """Why `source` is refused, or None when it compiles (what the checks report)."""
    pattern = compile_pattern(source)
    return pattern.reason if isinstance(pattern, PatternError) else None


def search(source: str, text: str) -> Found | None:
    """Search `text` for `source`; a refused pattern matches nothing."""
    pattern = compile_pattern(source)
    return None if isinstance(pattern, PatternError) else pattern.search(text)


# --------------------------------------------------------------------------- translation


def translate(source: str) -> str | PatternError:
    """Python's spelling → RE2's, with Python's meaning (see the module doc), or a refusal.

    A single left-to-right scan that knows only what it must: escapes, `[...]` classes
    (where `]` first is literal and `[:alpha:]` is a POSIX class) and `\\Q...\\E`.
    """
    out: list[str] = []
    names: set[str] = set()
    i, n, in_class = 0, len(source), False
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            piece = _escape(source, i, in_class)
            if isinstance(piece, PatternError):
                return piece
            text, i = piece
            out.append(text)
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[" and source.startswith("[:", i):
                close = source.find(":]", i + 2)
                if close != -1:
                    out.append(source[i:close + 2])
                    i = close + 2
                    continue
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            i = _class_start(source, i, out)
            continue
        elif c == "(":
            refused = _refused_group(source, i) or _group_name(source, i, names)
            if refused is not None:
                return refused
        elif c == "{" and _NO_LOWER.match(source, i):
            c = "{0"  # Python's `x{,n}` is `x{0,n}`; RE2 would read it as literal text
        out.append(c)
        i += 1
    return "".join(out)


def _class_start(source: str, i: int, out: list[str]) -> int:
    """Copy a class's `^` and a leading `]` (both literal parts of the opening)."""
    if source.startswith("^", i):
        out.append("^")
        i += 1
    if source.startswith("]", i):
        out.append("\\]")
        i += 1
    return i


def _refused_group(source: str, i: int) -> PatternError | None:
    for opening, what in _GROUPS_REFUSED:
        if source.startswith(opening, i):
            return PatternError(f"{what} is not supported: {_LINEAR}")
    return None


def _group_name(source: str, i: int, names: set[str]) -> PatternError | None:
    """A named group's name must be a variable name, once per pattern (as in Python:
    RE2 would take `(?P<1a>...)` and a repeated name, and the flow could not read them)."""
    for opening in ("(?P<", "(?<"):
        if source.startswith(opening, i):
            close = source.find(">", i)
            name = source[i + len(opening):close] if close != -1 else ""
            if close == -1 or not name.isidentifier():
                return PatternError(f"group name `{name}` is not a name: use letters, digits "
                                    "and `_`, not starting with a digit")
            if name in names:
                return PatternError(f"group name `{name}` is used twice")
            names.add(name)
    return None


def _escape(source: str, i: int, in_class: bool) -> tuple[str, int] | PatternError:
    """The escape at `source[i]` (a backslash) → (its RE2 text, the index after it)."""
    c = source[i + 1]
    if c == "Q":
        end = source.find("\\E", i + 2)
        stop = len(source) if end == -1 else end + 2
        return source[i:stop], stop
    if c in "uU":
        width = 4 if c == "u" else 8
        digits = source[i + 2:i + 2 + width]
        if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
            return "\\x{" + digits + "}", i + 2 + width
    table = _CLASS_IN if in_class else _CLASS_OUT
    if c in table:
        return table[c], i + 2
    if in_class and c in "WS":
        return PatternError(f"`\\{c}` inside `[...]` is not supported (it would be ASCII-only): "
                            "write the class out, e.g. `[^\\p{L}\\p{N}_]` for `[\\W]`")
    if not in_class and c in "123456789":
        return PatternError(f"a back-reference `\\{c}` is not supported: {_LINEAR}")
    if c == "g" and source.startswith("<", i + 2):
        return PatternError(f"a back-reference `\\g<...>` is not supported: {_LINEAR}")
    return source[i:i + 2], i + 2


# --------------------------------------------------------------------------- RE2


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the reason goes into a diagnostic, not to stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options


_OPTIONS = _options()


def _message(exc: Exception, source: str) -> str:
    """RE2's `what: fragment`, the fragment dropped when it is not the merchant's own text
    (`missing )` quotes the translated pattern, which they never wrote)."""
    raw = exc.args[0] if exc.args else ""
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    what, _, fragment = message.partition(": ")
    return message if fragment and fragment in source else what


def _reason(message: str) -> str:
    """RE2's error text, with the cases a merchant is likely to hit said plainly."""
    what, _, fragment = message.partition(": ")
    if what == "bad repetition operator" and fragment.endswith("+"):
        return f"a possessive repeat `{fragment}` is not supported: {_LINEAR}"
    if what == "invalid repetition size":
        return (f"the repeat `{fragment}` is too large: a repeat count can be at most 1,000, "
                "and nested repeats may not multiply past 1,000")
    if what.startswith("pattern too large"):
        return "the pattern compiles to a program that is too large; make it simpler"
    if what == "invalid perl operator":
        return (f"`{fragment}` is not supported: RE2 takes the flags `(?i)`, `(?m)`, `(?s)`, "
                "`(?U)` and the groups `(?:...)`, `(?P<name>...)`")
    return f"invalid regular expression: {message}"


def _encodable(text: str) -> str:
    """`text` with lone surrogates (from JSON `\\ud800`) replaced, so RE2 can take it."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text
