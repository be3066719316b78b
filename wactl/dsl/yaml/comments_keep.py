"""Carrying the comments the AST has no place for into the canonical YAML text.

The AST keeps comments written above a flow, a step or an agent; a comment at the end
of a line (`expect: number   # digits only`) or above a key inside a step has no node.
Each such comment is anchored to the key path of the node it sits beside: the first
node that starts on its line (an end-of-line comment) or the next node after it (a
comment on its own line).  In the new text it goes to the line where the same path
starts: at that line's end, or on its own line above it, indented like it.  Key paths
do not depend on key order or on flow (`{...}`) versus block style, so this survives
everything the canonical dumper changes.  `wactl.dsl.fmt` then checks, as for any
plan, that the result loads to the same AST and that no comment is missing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from wactl.dsl.comments import comments_in

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path = tuple[str | int, ...]


def keep_comments(old: str, new: str) -> str | None:
    """`new` with every comment of `old` it lacks put back, or None when one has no anchor."""
    missing = _missing(old, new)
    if not missing:
        return new
    old_starts, new_lines = _starts(old), _path_lines(new)
    if old_starts is None or new_lines is None:
        return None
    old_lines = old.split("\n")
    ends: dict[int, str] = {}
    above: dict[int, list[str]] = {}
    for line, body in missing:
        own_line = old_lines[line - 1].lstrip().startswith("#")
        target = _anchor(old_starts, line, own_line, new_lines)
        if target is None:
            return None
        if own_line or target in ends:
            block = above.setdefault(target, [])
            if own_line and not block and line >= 2 and not old_lines[line - 2].strip():
                block.append("")  # the blank line that set the comment apart stays
            block.append(body)
        else:
            ends[target] = body
    return _write(new.split("\n"), ends, above)


def _missing(old: str, new: str) -> list[tuple[int, str]]:
    left = Counter(body for _, body in comments_in("x.yaml", new))
    out: list[tuple[int, str]] = []
    for line, body in comments_in("x.yaml", old):
        if left[body] > 0:
            left[body] -= 1
        elif body:
            out.append((line, body))
    return out


def _compose(text: str) -> Node | None:
    try:
        node: Node | None = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return node


def _walk(node: Node, path: Path, out: list[tuple[int, Path]], depth: int = 0) -> None:
    """(0-based start line, key path) of every key and list item, in document order."""
    if depth > 64:
        return
    if isinstance(node, MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out.append((key.start_mark.line, child))
            _walk(value, child, out, depth + 1)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            out.append((item.start_mark.line, child))
            _walk(item, child, out, depth + 1)


def _starts(text: str) -> list[tuple[int, Path]] | None:
    root = _compose(text)
    if root is None:
        return None
    out: list[tuple[int, Path]] = []
    _walk(root, (), out)
    return out


def _path_lines(text: str) -> dict[Path, int] | None:
    starts = _starts(text)
    if starts is None:
        return None
    lines: dict[Path, int] = {}
    for line, path in starts:
        lines.setdefault(path, line)
    return lines


def _anchor(starts: list[tuple[int, Path]], line: int, own_line: bool,
            new_lines: dict[Path, int]) -> int | None:
    """The 0-based line of the new text the comment on 1-based `line` belongs to."""
    row = line - 1
    path = next((p for n, p in starts if (n > row if own_line else n == row)), None)
    if path is None:
        return -1 if own_line else None  # -1: after everything, at the end of the file
    while path:
        if path in new_lines:
            return new_lines[path]
        path = path[:-1]
    return None


def _write(lines: list[str], ends: dict[int, str], above: dict[int, list[str]]) -> str:
    out: list[str] = []
    trailing = above.pop(-1, [])
    for n, line in enumerate(lines):
        indent = line[:len(line) - len(line.lstrip())]
        block = above.get(n, [])
        if block[:1] == [""] and (not out or not out[-1].strip()):
            block = block[1:]
        out.extend(f"{indent}# {body}" if body else "" for body in block)
        out.append(f"{line}  # {ends[n]}" if n in ends else line)
    if trailing:
        while out and out[-1] == "":
            out.pop()
        out.extend(f"# {body}" if body else "" for body in trailing)
        out.append("")
    return "\n".join(out)
