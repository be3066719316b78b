"""Expression AST nodes, limits and the function/root tables (see `wactl.dsl.expr`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_CHARS = 2_000
MAX_NODES = 200
MAX_DEPTH = 50
MAX_HOLES = 200
MAX_REGEX_CHARS = 500

FUNCTIONS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "lower": (1, 1), "upper": (1, 1), "trim": (1, 1), "len": (1, 1),
    "number": (1, 1), "string": (1, 1), "round": (1, 2),
    "date": (1, 1), "days_since": (1, 1), "default": (2, 2),
})
"""name -> (min, max) arguments; a filter's piped value counts as its first argument."""

ROOT_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "message": frozenset({"text", "type", "button_id", "list_id", "media", "location"}),
    "customer": frozenset({"name", "wa_id", "tags", "fields", "consent",
                           "first_contacted_at", "language"}),
    "now": frozenset({"year", "month", "day", "hour", "minute", "weekday"}),
})
"""Roots with a fixed set of fields (the compiler warns WA407 on others)."""

ROOTS: frozenset[str] = frozenset({"message", "customer", "shop", "now", "secrets",
                                   "answer", "vars"})
KEYWORDS = frozenset({"and", "or", "not", "in", "contains", "matches", "true", "false", "null"})

# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A number, string, true/false or null; equality also compares the value's type."""

    value: str | int | float | bool | None
    offset: int = 0
    end: int = 0

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Literal) and type(self.value) is type(other.value)
                and self.value == other.value)

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Attr:
    value: ExprNode
    name: str
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    value: ExprNode
    index: ExprNode
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: ExprNode
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # a key of BINARY_PREC
    left: ExprNode
    right: ExprNode
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[ExprNode, ...]
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[ExprNode, ...]
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Filter:
    """`value | name(args)`: calls FUNCTIONS[name] with value as the first argument."""

    value: ExprNode
    name: str
    args: tuple[ExprNode, ...]
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


ExprNode = Literal | Name | Attr | Index | Unary | Binary | Call | ListLit | Filter


@dataclass(frozen=True, slots=True)
class Hole:
    """`{{ expr }}`; `offset` is where the expression text (after `{{`) starts."""

    expr: ExprNode
    offset: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class TemplateNode:
    parts: tuple[str | Hole, ...]


COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "matches")
BINARY_PREC: Mapping[str, int] = MappingProxyType({
    "or": 1, "and": 2, **{op: 4 for op in COMPARISONS},
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
})
NOT_PREC, CMP_PREC, FILTER_PREC, NEG_PREC, POSTFIX_PREC, ATOM_PREC = 3, 4, 7, 8, 9, 10
