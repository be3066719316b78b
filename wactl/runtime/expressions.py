"""The safe evaluator of wactl expressions over JSON-shaped data.

Values are only what JSON has (dict, list, str, int, float, bool, None) plus `date` and
`datetime` for `now` and `date(...)`.  There is no Python `eval` and no attribute access
on objects: `.field` and `[index]` are dict key and list index lookups, and a missing
key or index reads as null.  Cost is bounded: every visited node and every element a
comparison or concatenation touches is charged to a `Meter`, produced texts and lists
have a size limit, and regexes are length-limited and run by RE2, in time linear in the
text (`wactl.dsl.expr.patterns`).

`ExprError` is the only exception `evaluate` raises; the engine turns it into a
failed step with a clear reason.  Semantics are strict but forgiving where flows need
it: `"10" == 10` is false (use `number("10")`), comparing text with a number is a
`type_error`, but text `+` number concatenates and `contains`/`in`/`matches` on null
are simply false.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wactl.dsl.expr import (
    FUNCTIONS,
    ROOTS,
    Attr,
    Binary,
    Call,
    ExprNode,
    Filter,
    Index,
    ListLit,
    Literal,
    Name,
    PatternError,
    Unary,
    compile_pattern,
    parse_source,
)

MAX_TEXT = 65_536
MAX_ITEMS = 10_000
MAX_SUBJECT = 10_000
MAX_INT = 2**53
MAX_EVAL_DEPTH = 250
MAX_DATA_DEPTH = 64
_NUMBER = (int, float)
_INDEXABLE = (list, str)
_SIZED_OR_NUMBER = (str, int, float, list, dict)
"""Type tuples for the hot `isinstance` checks: `int | float` builds a union per call,
three times the cost of the check itself."""
DATE_FIELDS = ("year", "month", "day", "hour", "minute", "weekday")


class ExprError(Exception):
    """Why an expression could not be evaluated; `offset` is relative to its source text."""

    def __init__(self, code: str, message: str, offset: int = 0) -> None:
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.message = message
        self.offset = offset


@dataclass
class Meter:
    """Steps allowed and used; a template shares one meter across all its holes."""

    budget: int = 10_000
    used: int = 0

    def charge(self, steps: int, offset: int) -> None:
        self.used += steps
        if self.used > self.budget:
            raise ExprError("budget_exceeded",
                            f"expression needs more than {self.budget:,} steps", offset)


def evaluate(node: ExprNode, scope: Mapping[str, Any], budget: int = 10_000,
             meter: Meter | None = None) -> Any:
    """The value of `node` with names looked up in `scope`; raises only ExprError."""
    evaluator = Evaluator(scope, meter or Meter(budget))
    try:
        return evaluator.eval(node)
    except ExprError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:  # a safety net
        raise ExprError("internal", f"cannot evaluate: {exc}", node.offset) from None


def evaluate_src(src: str, scope: Mapping[str, Any], budget: int = 10_000) -> Any:
    """Parse (cached) and evaluate; a syntax error becomes ExprError("syntax_error")."""
    node, errors = parse_source(src)
    if node is None or errors:
        code, message, offset = errors[0]
        raise ExprError("syntax_error", f"{message} ({code})", offset)
    return evaluate(node, scope, budget)


# --------------------------------------------------------------------------- values


def truthy(value: Any) -> bool:
    """null, false, 0, "" and empty lists/objects are false; everything else is true."""
    if isinstance(value, date):
        return True
    return bool(value) if isinstance(value, _SIZED_OR_NUMBER) else value is not None


def is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    """The merchant-facing name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if is_number(value):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def format_value(value: Any, depth: int = 0) -> str:
    """How a template shows a value: null as nothing, `true`/`false` as words (the YAML
    contract), `50` not `50.0`, ISO dates, lists as `a, b, c`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        whole = value.is_integer() and abs(value) < 1e16
        return str(int(value)) if whole else format(value, ".15g")
    if isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if depth > MAX_DATA_DEPTH:
        raise ExprError("too_large", "value is nested too deeply to show")
    if isinstance(value, list):
        return _capped(", ".join(format_value(item, depth + 1) for item in value))
    if isinstance(value, dict):
        try:
            return _capped(json.dumps(value, ensure_ascii=False, default=format_value))
        except (ValueError, TypeError, RecursionError):
            raise ExprError("type_error", "this object cannot be shown as text") from None
    raise ExprError("type_error", f"cannot show {type_name(value)}")


def _capped(text: str, offset: int = 0) -> str:
    if len(text) > MAX_TEXT:
        raise ExprError("too_large", f"text of {len(text):,} characters is over the "
                        f"{MAX_TEXT:,} limit", offset)
    return text


def _number_result(value: int | float, offset: int) -> int | float:
    if isinstance(value, float) and not math.isfinite(value) or (
            isinstance(value, int) and abs(value) > MAX_INT):
        raise ExprError("too_large", "number is too large", offset)
    return value


def comparable_dates(a: date, b: date) -> tuple[date, date]:
    """Make two dates comparable: a date against a datetime compares days; naive is UTC."""
    a_dt, b_dt = isinstance(a, datetime), isinstance(b, datetime)
    if a_dt and not b_dt:
        return a.date() if isinstance(a, datetime) else a, b
    if b_dt and not a_dt:
        return a, b.date() if isinstance(b, datetime) else b
    if isinstance(a, datetime) and isinstance(b, datetime):
        if (a.utcoffset() is None) != (b.utcoffset() is None):
            a = a.replace(tzinfo=UTC) if a.utcoffset() is None else a
            b = b.replace(tzinfo=UTC) if b.utcoffset() is None else b
    return a, b


# --------------------------------------------------------------------------- evaluator


class Evaluator:
    """Walks one expression; holds the scope, the meter and the current nesting depth."""

    def __init__(self, scope: Mapping[str, Any], meter: Meter) -> None:
        self.scope = scope
        self.meter = meter
        self.depth = 0

    def eval(self, node: ExprNode) -> Any:
        self.meter.charge(1, node.offset)
        self.depth += 1
        if self.depth > MAX_EVAL_DEPTH:
            raise ExprError("too_large", "expression is nested too deeply", node.offset)
        value = _DISPATCH[type(node)](self, node)
        self.depth -= 1
        return value

    def literal(self, node: Literal) -> Any:
        return node.value

    def name(self, node: Name) -> Any:
        if node.name == "vars" and "vars" not in self.scope:
            return {k: v for k, v in self.scope.items() if k not in ROOTS}
        return self.scope.get(node.name)

    def attr(self, node: Attr) -> Any:
        value = self.eval(node.value)
        if isinstance(value, dict):
            return value.get(node.name)
        if isinstance(value, date) and node.name in DATE_FIELDS:
            return _date_field(value, node.name)
        return None

    def index(self, node: Index) -> Any:
        value, key = self.eval(node.value), self.eval(node.index)
        if isinstance(value, dict):
            return value.get(key) if isinstance(key, str) else None
        if isinstance(value, _INDEXABLE) and isinstance(key, int) and not isinstance(key, bool):
            return value[key] if -len(value) <= key < len(value) else None
        return None

    def unary(self, node: Unary) -> Any:
        value = self.eval(node.operand)
        if node.op == "not":
            return not truthy(value)
        if not is_number(value):
            raise ExprError("type_error", f"cannot negate {type_name(value)}", node.offset)
        return -value

    def binary(self, node: Binary) -> Any:
        if node.op in ("and", "or"):
            left = truthy(self.eval(node.left))
            if left is (node.op == "or"):
                return left
            return truthy(self.eval(node.right))
        left, right = self.eval(node.left), self.eval(node.right)
        return _OPERATORS[node.op](self, left, right, node.right.offset)

    def list_lit(self, node: ListLit) -> Any:
        return [self.eval(item) for item in node.items]

    def call(self, node: Call) -> Any:
        return self.apply(node.name, [self.eval(arg) for arg in node.args], node.offset)

    def filter(self, node: Filter) -> Any:
        args = [self.eval(node.value), *(self.eval(arg) for arg in node.args)]
        return self.apply(node.name, args, node.end - len(node.name))

    def apply(self, name: str, args: list[Any], offset: int) -> Any:
        arity = FUNCTIONS.get(name)
        if arity is None or name not in _FUNCTIONS:
            raise ExprError("unknown_function", f"unknown function `{name}`", offset)
        if not arity[0] <= len(args) <= arity[1]:
            raise ExprError("bad_call", f"`{name}` given {len(args)} arguments", offset)
        return _FUNCTIONS[name](self, args, offset)

    def equal(self, a: Any, b: Any, depth: int = 0) -> bool:
        """JSON equality: numbers by value, booleans only equal booleans, deep lists/objects."""
        if isinstance(a, bool) or isinstance(b, bool):
            return type(a) is type(b) and a == b
        if is_number(a) and is_number(b) or isinstance(a, str) and isinstance(b, str):
            return bool(a == b)
        if isinstance(a, date) and isinstance(b, date):
            x, y = comparable_dates(a, b)
            return x == y
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and self._all_equal(list(zip(a, b, strict=True)), depth)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and self._all_equal([(a[k], b[k]) for k in a], depth)
        return a is None and b is None

    def _all_equal(self, pairs: list[tuple[Any, Any]], depth: int) -> bool:
        if depth > MAX_DATA_DEPTH:
            raise ExprError("too_large", "values are nested too deeply to compare")
        self.meter.charge(len(pairs), 0)
        return all(self.equal(x, y, depth + 1) for x, y in pairs)

    def contains(self, container: Any, item: Any, offset: int) -> bool:
        """`container contains item`: substring, list membership or object key; null: false."""
        if container is None:
            return False
        if isinstance(container, str):
            if not isinstance(item, str):
                raise ExprError("type_error", f"text can only contain text, not "
                                f"{type_name(item)}", offset)
            self.meter.charge(len(container) // 100, offset)
            return item in container
        if isinstance(container, list):
            self.meter.charge(len(container), offset)
            return any(self.equal(x, item) for x in container)
        if isinstance(container, dict):
            return isinstance(item, str) and item in container
        raise ExprError("type_error", f"{type_name(container)} cannot contain anything", offset)


def _date_field(value: date, name: str) -> int:
    """`now.hour` etc.: a fixed table of date parts, never attribute access by name."""
    if name in ("hour", "minute"):
        if not isinstance(value, datetime):
            return 0
        return value.hour if name == "hour" else value.minute
    parts = {"year": value.year, "month": value.month, "day": value.day,
             "weekday": value.isoweekday()}
    return parts[name]


_DISPATCH: dict[type, Callable[[Evaluator, Any], Any]] = {
    Literal: Evaluator.literal, Name: Evaluator.name, Attr: Evaluator.attr,
    Index: Evaluator.index, Unary: Evaluator.unary, Binary: Evaluator.binary,
    ListLit: Evaluator.list_lit, Call: Evaluator.call, Filter: Evaluator.filter,
}


# --------------------------------------------------------------------------- operators

Operator = Callable[[Evaluator, Any, Any, int], Any]


def _add(ev: Evaluator, a: Any, b: Any, offset: int) -> Any:
    """Numbers add, lists concatenate, text joins with text or a number."""
    if is_number(a) and is_number(b):
        return _number_result(a + b, offset)
    if isinstance(a, str) and (isinstance(b, str) or is_number(b)) or (
            isinstance(b, str) and is_number(a)):
        left, right = format_value(a), format_value(b)
        if len(left) + len(right) > MAX_TEXT:
            raise ExprError("too_large", f"text would be over the {MAX_TEXT:,} character limit",
                            offset)
        ev.meter.charge(1 + (len(left) + len(right)) // 100, offset)
        return left + right
    if isinstance(a, list) and isinstance(b, list):
        if len(a) + len(b) > MAX_ITEMS:
            raise ExprError("too_large", f"list would be over {MAX_ITEMS:,} items", offset)
        ev.meter.charge(len(a) + len(b), offset)
        return a + b
    raise ExprError("type_error", f"cannot add {type_name(a)} and {type_name(b)}", offset)


def _divide(a: int | float, b: int | float) -> int | float:
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _divide, "%": lambda a, b: a % b,
}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _arith(symbol: str) -> Operator:
    def apply(ev: Evaluator, a: Any, b: Any, offset: int) -> Any:
        if not (is_number(a) and is_number(b)):
            raise ExprError("type_error", f"`{symbol}` needs numbers, not {type_name(a)} and "
                            f"{type_name(b)}", offset)
        if symbol in "/%" and b == 0:
            raise ExprError("division_by_zero", "division by zero", offset)
        try:
            return _number_result(_ARITH[symbol](a, b), offset)
        except OverflowError:
            raise ExprError("too_large", "number is too large", offset) from None
    return apply


def _order(symbol: str) -> Operator:
    def apply(ev: Evaluator, a: Any, b: Any, offset: int) -> bool:
        if isinstance(a, date) and isinstance(b, date):
            a, b = comparable_dates(a, b)
        elif not (is_number(a) and is_number(b) or isinstance(a, str) and isinstance(b, str)):
            raise ExprError("type_error", f"cannot compare {type_name(a)} with {type_name(b)} "
                            f"using `{symbol}`", offset)
        return _ORDER[symbol](a, b)
    return apply


def _matches(ev: Evaluator, subject: Any, pattern: Any, offset: int) -> bool:
    """`text matches "regex"`: a search (anchor with ^ and $); null never matches."""
    if subject is None:
        return False
    if is_number(subject):
        subject = format_value(subject)
    if not isinstance(subject, str) or not isinstance(pattern, str):
        raise ExprError("type_error", f"`matches` needs text, not {type_name(subject)} and "
                        f"{type_name(pattern)}", offset)
    if len(subject) > MAX_SUBJECT:
        raise ExprError("too_large", f"text to match is over {MAX_SUBJECT:,} characters", offset)
    compiled = compile_pattern(pattern)
    if isinstance(compiled, PatternError):
        raise ExprError("bad_regex", compiled.reason, offset)
    ev.meter.charge(1 + len(subject) // 10, offset)
    return compiled.search(subject) is not None


_OPERATORS: dict[str, Operator] = {
    "==": lambda ev, a, b, o: ev.equal(a, b),
    "!=": lambda ev, a, b, o: not ev.equal(a, b),
    **{symbol: _order(symbol) for symbol in _ORDER},
    "in": lambda ev, a, b, o: ev.contains(b, a, o),
    "not in": lambda ev, a, b, o: not ev.contains(b, a, o),
    "contains": lambda ev, a, b, o: ev.contains(a, b, o),
    "matches": _matches,
    "+": _add,
    **{symbol: _arith(symbol) for symbol in _ARITH},
}


# --------------------------------------------------------------------------- functions

Function = Callable[[Evaluator, list[Any], int], Any]
_INT_RE = re.compile(r"[+-]?\d{1,30}")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")
_DMY_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _text_function(transform: Callable[[str], str]) -> Function:
    """lower/upper/trim: null stays null, numbers are shown first, anything else is an error."""
    def apply(ev: Evaluator, args: list[Any], offset: int) -> Any:
        value = format_value(args[0]) if is_number(args[0]) else args[0]
        if value is None:
            return None
        if not isinstance(value, str):
            raise ExprError("type_error", f"expected text, not {type_name(value)}", offset)
        ev.meter.charge(len(value) // 100, offset)
        return _capped(transform(value), offset)
    return apply


def _len(ev: Evaluator, args: list[Any], offset: int) -> int:
    value = args[0]
    if value is None:
        return 0
    if isinstance(value, str | list | dict):
        return len(value)
    raise ExprError("type_error", f"`len` needs text or a list, not {type_name(value)}", offset)


def _number(ev: Evaluator, args: list[Any], offset: int) -> Any:
    """A number from a number or from text like "10423" or "2.5"; null if it is not one."""
    value = args[0]
    if value is None or is_number(value):
        return value
    if not isinstance(value, str):
        raise ExprError("type_error", f"`number` cannot convert {type_name(value)}", offset)
    text = value.strip()
    if _INT_RE.fullmatch(text):
        return int(text) if abs(int(text)) <= MAX_INT else float(text)
    if len(text) <= 40 and _FLOAT_RE.fullmatch(text):
        result = float(text)
        return result if math.isfinite(result) else None
    return None


def _round(ev: Evaluator, args: list[Any], offset: int) -> Any:
    """Half-up rounding (2.5 -> 3, as people expect), to 0-10 decimal places."""
    value, digits = args[0], args[1] if len(args) > 1 else 0
    if value is None:
        return None
    if not is_number(value) or not isinstance(digits, int) or isinstance(digits, bool) or not (
            0 <= digits <= 10):
        raise ExprError("type_error", "`round` needs a number and 0 to 10 decimal places", offset)
    if isinstance(value, int) or abs(value) >= 1e15 or not math.isfinite(value):
        return value
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits == 0 else float(rounded)


def parse_date(text: str) -> date | None:
    """ISO dates and datetimes, `2024-5-1`, and day-first `1/5/2024`, `01.05.2024`; else None."""
    text = text.strip()
    if len(text) > 40:
        return None
    try:
        if m := _DMY_RE.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _YMD_RE.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return None


def _date(ev: Evaluator, args: list[Any], offset: int) -> date | None:
    value = args[0]
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ExprError("type_error", f"`date` needs text, not {type_name(value)}", offset)


def _days_since(ev: Evaluator, args: list[Any], offset: int) -> int | None:
    """Whole days from a date to `now` (negative for a future date); null for null."""
    then = _date(ev, args, offset)
    now = ev.scope.get("now")
    if then is None:
        return None
    if not isinstance(now, date):
        raise ExprError("type_error", "`days_since` needs the current time (`now`)", offset)
    if isinstance(now, datetime) and isinstance(then, datetime) and now.utcoffset() is not None \
            and then.utcoffset() is not None:
        then = then.astimezone(now.tzinfo)
    a, b = comparable_dates(now, then)
    day_a = a.date() if isinstance(a, datetime) else a
    day_b = b.date() if isinstance(b, datetime) else b
    return (day_a - day_b).days


def _default(ev: Evaluator, args: list[Any], offset: int) -> Any:
    value = args[0]
    return args[1] if value is None or (isinstance(value, str) and value == "") else value


_FUNCTIONS: dict[str, Function] = {
    "lower": _text_function(str.lower), "upper": _text_function(str.upper),
    "trim": _text_function(str.strip), "len": _len, "number": _number,
    "string": lambda ev, args, offset: _capped(format_value(args[0]), offset),
    "round": _round, "date": _date, "days_since": _days_since, "default": _default,
}
