"""The YAML spelling: text → `ast.SourceFile` plus diagnostics, never an exception.

The file is composed (not loaded) with libyaml when available, so every node keeps
its position; the `_yaml_*` modules turn nodes into AST models and report each
problem at the most specific node.  The kind of file is told by its top-level key
(`flow`, `flows`, `agent`, `test`), or by its name for `wactl.yaml`.

Comments: full-line `#` comments at the top of the file go to `SourceFile.comments`,
those directly above a flow, step or agent to its `comments`; others (inline, or
inside a step) are not kept.
"""

from __future__ import annotations

import gc
import posixpath
from functools import lru_cache
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node

from wactl.diagnostics import CODES, Diagnostic, Span, did_you_mean
from wactl.dsl import ast
from wactl.dsl.yaml._convtest import conv_test
from wactl.dsl.yaml._docs import PROJECT_KEYS, agent, project
from wactl.dsl.yaml._flow import flow, flows
from wactl.dsl.yaml._read import Pairs, Reader, TooLarge

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVED_MAX = 8192


@lru_cache(maxsize=_RESOLVED_MAX)
def _resolved(kind: Any, value: str | None, implicit: Any) -> str:
    """PyYAML's tag resolution, memoised.

    libyaml calls back into PyYAML's `resolve` (regex matching in Python) for every
    node; flows repeat the same keys and values (`id`, `next`, `send`, ids) all over,
    so the answer for `(kind, value, implicit)` is remembered.  The safe loader has no
    path resolvers and its implicit resolvers are class data, so the answer depends on
    nothing else, and one resolver answers for every loader.  `lru_cache` is C code: a
    remembered answer costs libyaml no Python frame.
    """
    return cast(str, _BASE.resolve(_RESOLVER, kind, value, implicit))


_RESOLVER: Any = yaml.resolver.Resolver()


def _no_path(loader: Any, *_node: Any) -> None:
    """The safe loader has no path resolvers, so libyaml's per-node descend/ascend calls
    into PyYAML (which only check that) can return at once."""


_LOADER: Any = _BASE if _BASE.yaml_path_resolvers else type(
    "_Loader", (_BASE,), {"resolve": staticmethod(_resolved), "descend_resolver": _no_path,
                          "ascend_resolver": _no_path})
"""libyaml's safe composer, with the memoised resolution above (PyYAML's when no libyaml)."""

PROJECT_FILES = ("wactl.yaml", "wactl.yml")
FILE_KINDS = ("flow", "flows", "agent", "test")

_HINTS = (
    ("tab", "indent with spaces: YAML does not allow tabs for indentation"),
    ("mapping values are not allowed", "a value that contains `: ` must be quoted, "
     'like "Opening hours: 9-17"; or check the indentation'),
    ("could not find expected ':'", "each key needs a `:` after it; check this line's "
     "indentation against the line above"),
    ("did not find expected key", "check the indentation: keys of one mapping must line up"),
    ("expected <block end>", "check the indentation: this line does not line up with the "
     "ones above it"),
    ("undefined alias", "define the anchor (`&name`) before using it (`*name`)"),
    ("cannot start any token", "quote values that start with `@`, `%` or a backtick"),
    ("did not find expected ',' or ']'", "close the list with `]`, or quote items with commas"),
    ("did not find expected ',' or '}'", "close the mapping with `}`, or quote values"),
    ("end of stream", "a quote or bracket was opened and never closed"),
)


def load_yaml(path: str, text: str) -> tuple[ast.SourceFile | None, list[Diagnostic]]:
    """Load one YAML file; the AST holds everything that could be read despite errors.

    The cyclic garbage collector is paused meanwhile: composing allocates hundreds of
    thousands of long-lived nodes, and the collections that triggers (finding nothing)
    took over half the time of loading a large file.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(path, text)
    finally:
        if paused:
            gc.enable()


def _load(path: str, text: str) -> tuple[ast.SourceFile | None, list[Diagnostic]]:
    r = Reader(path, text)
    try:
        readable, root = _compose(r)
        source = _document(r, root) if readable else None
    except TooLarge as exc:
        r.error("WA108", "this file expands to too many values (YAML aliases `*name` "
                "repeated inside each other)", exc.node, "write the values out, or use "
                "fewer aliases")
        source = None
    except Exception as exc:  # a wactl bug: report it, never show a traceback
        r.diags.append(Diagnostic("WA901", CODES["WA901"].severity, f"internal error while "
                                  f"reading YAML: {type(exc).__name__}: {exc}", Span(path)))
        source = None
    return source, r.diags


def _compose(r: Reader) -> tuple[bool, Node | None]:
    """Whether the file could be read, and its one document's root (None when empty)."""
    loader = _LOADER(r.text)
    readable, root = False, None
    try:
        root = loader.get_node() if loader.check_node() else None
        readable = True
        if loader.check_node():
            extra = loader.get_node()
            r.error("WA104", "a file holds one YAML document; this second one (after `---`) "
                    "is not read", extra, "split it into its own file, or list flows under "
                    "`flows:`")
    except yaml.YAMLError as exc:
        r.diags.append(_syntax_error(r, exc))
    except RecursionError:
        r.diags.append(Diagnostic("WA101", CODES["WA101"].severity, "YAML syntax error: the "
                                  "file is nested too deeply", Span(r.path)))
    finally:
        loader.dispose()
    return readable, root


def _syntax_error(r: Reader, exc: yaml.YAMLError) -> Diagnostic:
    """PyYAML's error made readable, at the problem's line and column."""
    line, col, problem = 0, 0, str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark is not None else (0, 0)
        problem = exc.problem or "cannot be read"
        if exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1}, " \
                       f"column {exc.context_mark.column + 1})"
    elif isinstance(exc, yaml.reader.ReaderError):
        before = r.text[: exc.position]
        line, col = before.count("\n"), exc.position - (before.rfind("\n") + 1)
        problem = f"character #x{exc.character:04x} is not allowed in YAML" \
            if isinstance(exc.character, int) else exc.reason
    hint = next((h for key, h in _HINTS if key in problem), None)
    if _near_tab(r, line, col):
        hint = _HINTS[0][1]
    elif _inner_quote(r, line, col):
        hint = _INNER_QUOTE_HINT
    return Diagnostic("WA101", CODES["WA101"].severity, f"YAML syntax error: {problem}",
                      Span(r.path, line + 1, col + 1, line + 1, col + 2), hint)


_INNER_QUOTE_HINT = (
    "this double-quoted text ends at the `\"` before the error: put text that holds double "
    "quotes in single quotes, like 'Hi {{ name | default(\"bạn\") }}', or write `\\\"`")


def _inner_quote(r: Reader, line: int, col: int) -> bool:
    """The commonest YAML slip in flows: `"... default("bạn") ..."` ends the string early."""
    lines = r.text.split("\n", line + 1)
    if line >= len(lines) or col == 0:
        return False
    before = lines[line][:col]
    value = before.split(": ", 1)[-1].lstrip("- ")
    return value.startswith('"') and value.count('"') >= 2


def _near_tab(r: Reader, line: int, col: int) -> bool:
    """libyaml reports a tab as "a character that cannot start any token"; say it plainly."""
    return line < len(r.lines) and "\t" in r.lines[line][max(col - 1, 0):col + 1]


def _document(r: Reader, root: Node | None) -> ast.SourceFile:
    stop = len(r.lines) if root is None else root.start_mark.line
    fields: dict[str, Any] = {"path": r.path, "spelling": "yaml", "span": Span(r.path),
                              "comments": r.comments(0, stop)}
    if posixpath.basename(r.path.replace("\\", "/")) in PROJECT_FILES:
        fields["project"] = project(r, root)
    elif root is not None:
        fields.update(_content(r, root))
    return ast.SourceFile.model_validate(fields)


def _content(r: Reader, root: Node) -> dict[str, Any]:
    """The flows/agents/tests one mapping declares, told apart by its top-level key."""
    if not isinstance(root, MappingNode):
        r.error("WA106", "a flow file must be a mapping with a top-level `flow`, `flows`, "
                "`agent` or `test` key", root)
        return {}
    pairs = r.mapping(root, "file") or {}
    kind = _kind(r, pairs, root)
    if kind == "flow":
        one = flow(r, root, pairs, [])
        return {"flows": [one] if one else []}
    if kind == "flows":
        r.check_keys(pairs, ("flows",), "a `flows` file")
        return {"flows": flows(r, *pairs["flows"]), "multi": True}
    if kind == "agent":
        persona = agent(r, root, pairs, [])
        return {"agents": [persona] if persona else []}
    if kind == "test":
        test = conv_test(r, root, pairs)
        return {"tests": [test] if test else []}
    return {}


def _kind(r: Reader, pairs: Pairs, root: Node) -> str | None:
    if "test" in pairs:
        return "test"
    if "flows" in pairs:
        if "flow" in pairs:
            r.error("WA112", "a file holds either one `flow:` or a list under `flows:`",
                    pairs["flow"][0], "move this flow into the `flows:` list")
            pairs.pop("flow")
        return "flows"
    for kind in ("flow", "agent"):
        if kind in pairs:
            return kind
    _unknown_kind(r, pairs, root)
    return None


def _unknown_kind(r: Reader, pairs: Pairs, root: Node) -> None:
    message = "cannot tell what this file declares: it needs a top-level `flow`, `flows`, " \
              "`agent` or `test` key"
    for name, (key, _) in pairs.items():
        hint = did_you_mean(name, FILE_KINDS)
        if hint is not None:
            r.error("WA106", message, key, hint)
            return
    hint = "project settings belong in `wactl.yaml`" \
        if any(name in PROJECT_KEYS for name in pairs) else None
    r.error("WA106", message, root, hint)
