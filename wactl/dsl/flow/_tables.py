"""The `.flow` parser's LALR tables, prepared ahead of time and shipped in the package as JSON.

Analysing the grammar costs about 50 ms at every start.  lark's own answer, `cache=True`,
pickles the analysed parser into `$TMPDIR` under a predictable name and unpickles whatever
it finds there on the next start: anyone who can write to the temp directory could plant a
file that runs code in every `wactl` process.  Instead the tables are serialized once, by
`scripts/gen_flow_tables.py`, into `grammar.tables.json` next to the grammar; loading them
is plain JSON (no code can come from it) and takes about as long as lark's cache did.

The file records a fingerprint of what it was built from (the grammar text, the options and
the lark version).  When they no longer match (the grammar was edited, lark was upgraded),
the grammar is analysed in memory instead, and nothing is written anywhere; a test keeps the
committed file in step with the grammar.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lark import PostLex
from lark.lexer import TerminalDef

PACKAGE = "wactl.dsl.flow"
GRAMMAR = "grammar.lark"
TABLES = "grammar.tables.json"
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual",
                           "propagate_positions": False, "maybe_placeholders": True}
"""The options the tables are built with; the postlexer and transformer are added at load."""

_INT_KEYS = "~int-keys"
_TUPLE = "~tuple"


def grammar_text() -> str:
    return resources.files(PACKAGE).joinpath(GRAMMAR).read_text(encoding="utf-8")


def fingerprint(grammar: str) -> str:
    """What the tables depend on: the grammar, the options and lark's version."""
    basis = json.dumps([grammar, OPTIONS, lark.__version__], sort_keys=True)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def build(postlex: PostLex | None = None, transformer: object | None = None
          ) -> Lark:
    """Analyse the grammar now (no cache of any kind)."""
    return Lark(grammar_text(), postlex=postlex, transformer=transformer, **OPTIONS)


def load(postlex: PostLex, transformer: object | None) -> Lark:
    """The parser from the shipped tables, or built from the grammar when they are stale."""
    shipped = _shipped()
    if shipped is None:
        return build(postlex, transformer)
    parser = Lark.__new__(Lark)  # what lark's own `_load_from_dict` does, typed
    return parser._load({"data": shipped["data"], "memo": shipped["memo"]}, postlex=postlex,
                        transformer=transformer)


def shipped_is_current() -> bool:
    """True when `grammar.tables.json` was built from this grammar, these options and lark."""
    return _shipped() is not None


def _shipped() -> dict[str, Any] | None:
    """The shipped tables when their fingerprint is the current one, else None."""
    try:
        text = resources.files(PACKAGE).joinpath(TABLES).read_text(encoding="utf-8")
        shipped = json.loads(text, object_hook=_decode)
    except (OSError, ValueError):
        return None
    if not isinstance(shipped, dict) or shipped.get("fingerprint") != fingerprint(grammar_text()):
        return None
    return shipped


def serialize() -> str:
    """The JSON text of `grammar.tables.json` for the current grammar (what the script writes)."""
    data, memo = build().memo_serialize([TerminalDef, Rule])
    tables = {"fingerprint": fingerprint(grammar_text()), "lark": lark.__version__,
              "data": data, "memo": memo}
    return json.dumps(_encode(tables), separators=(",", ":")) + "\n"


def _encode(value: Any) -> Any:
    """lark's serialized form as JSON, keeping what JSON lacks: int keys and tuples."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {_INT_KEYS: [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _INT_KEYS in obj:
        return {int(k): v for k, v in obj[_INT_KEYS]}
    if len(obj) == 1 and _TUPLE in obj:
        return tuple(obj[_TUPLE])
    return obj
