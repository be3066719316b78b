"""Every comment a source text holds, so `wactl fmt` can prove it loses none.

The AST keeps only the comments written above a flow, a step or an agent (and a file's
header); a comment at the end of a line or inside a step's keys has no node to live
on.  Rather than drop such a comment silently, the formatter compares what this module
finds in the old and the new text and leaves a file alone when one would go missing.
"""

from __future__ import annotations

from collections import Counter

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def comments_in(path: str, text: str) -> list[tuple[int, str]]:
    """(1-based line, comment text without `#`) for every comment in a `.flow` or YAML text."""
    if path.endswith(".flow"):
        return [(n, line.strip()[1:].strip()) for n, line in enumerate(text.split("\n"), 1)
                if line.lstrip().startswith("#")]
    return _yaml_comments(text)


def lost_comments(old_path: str, old: str, new_path: str, new: str) -> list[tuple[int, str]]:
    """The comments of `old` that `new` no longer holds (each counted as often as written)."""
    left = Counter(body for _, body in comments_in(new_path, new))
    lost: list[tuple[int, str]] = []
    for line, body in comments_in(old_path, old):
        if left[body] > 0:
            left[body] -= 1
        elif body:
            lost.append((line, body))
    return lost


def _scalar_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of every scalar, where a `#` is text and not a comment."""
    try:
        tokens = list(yaml.scan(text, Loader=_LOADER))
    except yaml.YAMLError:
        return []
    return [(t.start_mark.index, t.end_mark.index) for t in tokens
            if isinstance(t, yaml.ScalarToken)]


def _yaml_comments(text: str) -> list[tuple[int, str]]:
    if "#" not in text:
        return []
    ranges = iter(_scalar_ranges(text))
    current = next(ranges, None)
    found: list[tuple[int, str]] = []
    pos = text.find("#")
    while pos != -1:
        while current is not None and current[1] <= pos:
            current = next(ranges, None)
        inside = current is not None and current[0] <= pos < current[1]
        starts = pos == 0 or text[pos - 1] in " \t\n"
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        if not inside and starts:
            found.append((text.count("\n", 0, pos) + 1, text[pos + 1:end].strip()))
            pos = text.find("#", end)
        else:
            pos = text.find("#", pos + 1)
    return found
