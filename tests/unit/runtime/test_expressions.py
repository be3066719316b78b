"""The evaluator: operators, functions, null-safety, errors and the step budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from wactl.dsl.expr import Binary, Call, Literal, Name, parse_source
from wactl.runtime.expressions import (
    MAX_SUBJECT,
    MAX_TEXT,
    ExprError,
    Meter,
    evaluate,
    evaluate_src,
    format_value,
    truthy,
)

ICT = timezone(timedelta(hours=7))
SCOPE: dict[str, Any] = {
    "message": {"text": "Cho mình hỏi đơn hàng 10423", "type": "text", "button_id": None},
    "customer": {"name": "Lan", "tags": ["vip", "new"], "fields": {"plan": "Silver", "points": 120},
                 "first_contacted_at": "2024-04-01T08:00:00+07:00"},
    "order": {"status": "shipped", "total": 250000, "items": [{"sku": "A1"}, {"sku": "B2"}]},
    "now": datetime(2024, 5, 10, 9, 30, tzinfo=ICT),
    "count": 3,
    "ratio": 2.5,
    "empty": "",
    "secrets": {"api_key": "k"},
}


def ev(src: str, scope: dict[str, Any] | None = None) -> Any:
    return evaluate_src(src, SCOPE if scope is None else scope)


def err(src: str, scope: dict[str, Any] | None = None) -> tuple[str, int]:
    with pytest.raises(ExprError) as info:
        ev(src, scope)
    return info.value.code, info.value.offset


@pytest.mark.parametrize(("src", "value"), [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("7 % 3", 1), ("-count + 1", -2),
    ("10 / 4", 2.5), ("10 / 2", 5), ("ratio * 2", 5.0), ("2 * -3", -6), ("0.1 + 0.2 > 0.3", True),
    ('"đơn " + "hàng"', "đơn hàng"), ('"Order " + 10423', "Order 10423"), ('2.0 + " kg"', "2 kg"),
    ("[1] + [2, 3]", [1, 2, 3]),
])
def test_arithmetic(src: str, value: Any) -> None:
    result = ev(src)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(("src", "value"), [
    ("1 == 1.0", True), ('"10" == 10', False), ("true == 1", False), ("null == null", True),
    ("missing == null", True), ("[1, true] == [1, 1]", False), ('{"a": 1} == 1', None),
    ("order.items == order.items", True), ("customer.tags != ['vip']", True),
    ("3 < 4", True), ("3 >= 3.0", True), ('"abc" < "abd"', True), ('"b" > "a"', True),
    ("now > date('2024-05-01')", True), ("date('2024-05-10') == now", True),
    ("date('2024-05-10T09:00:00') < now", False),
])
def test_comparisons(src: str, value: Any) -> None:
    if value is None:
        assert err(src)[0] == "syntax_error"
        return
    assert ev(src) is value


@pytest.mark.parametrize("src", ['"a" < 1', "null < 1", "[1] < [2]", "true > false",
                                 "now < 5"])
def test_ordering_incompatible_types_is_a_type_error(src: str) -> None:
    assert err(src)[0] == "type_error"


@pytest.mark.parametrize(("src", "value"), [
    ('customer.tags contains "vip"', True), ('"vip" in customer.tags', True),
    ('"gold" not in customer.tags', True), ('message.text contains "đơn hàng"', True),
    ('"Lan" in customer.name', True), ('"plan" in customer.fields', True),
    ('missing contains "x"', False), ('"x" in missing', False), ("1 in [1.0, 2]", True),
    ("[1] in [[1], [2]]", True), ('"A1" in order.items', False),
])
def test_membership(src: str, value: bool) -> None:
    assert ev(src) is value


def test_membership_type_errors() -> None:
    assert err('message.text contains 1')[0] == "type_error"
    assert err('5 contains 1')[0] == "type_error"


@pytest.mark.parametrize(("src", "value"), [
    ('message.text matches "\\d{5}$"', True), ('message.text matches "^\\d+$"', False),
    ("missing matches 'x'", False), ('10423 matches "^\\d+$"', True),
    ('"ABC" matches "(?i)abc"', True),
])
def test_matches(src: str, value: bool) -> None:
    assert ev(src) is value


def test_matches_rejects_bad_and_dangerous_patterns() -> None:
    assert err('"x" matches "("') == ("bad_regex", 12)
    assert err('"aaaa" matches "(a)\\\\1"')[0] == "bad_regex"
    assert err('"x" matches p', {"p": "a" * 501})[0] == "bad_regex"
    assert err("t matches 'a'", {"t": "a" * (MAX_SUBJECT + 1)})[0] == "too_large"
    assert err("t matches 1", {"t": "a"})[0] == "type_error"


def test_patterns_that_warn_in_python_work_without_warnings() -> None:
    assert ev('"[[x" matches "[[x]"') is True


@pytest.mark.parametrize(("src", "value"), [
    ("true and false", False), ("1 and 'x'", True), ("0 or ''", False), ("null or [0]", True),
    ("not ''", True), ("not customer.tags", False),
    ("false and 1 / 0", False), ("true or missing.x > 1", True),
])
def test_logic_short_circuits_and_returns_booleans(src: str, value: bool) -> None:
    assert ev(src) is value


@pytest.mark.parametrize(("src", "value"), [
    ("customer.name", "Lan"), ("customer.nope", None), ("customer.nope.deeper", None),
    ("order.items[1].sku", "B2"), ("order.items[-1].sku", "B2"), ("order.items[5]", None),
    ("order.items[-3]", None), ('customer.fields["plan"]', "Silver"), ("customer.fields[0]", None),
    ("order.items['0']", None), ("order.items[true]", None), ("count.x", None), ("count[0]", None),
    ('"abc"[1]', "b"), ("unknown_var", None), ("missing[0].x", None), ("now.year", 2024),
    ("now.hour", 9), ("now.weekday", 5), ("date('2024-05-10').hour", 0), ("now.second", None),
    ("vars.count", 3), ("vars.customer", None), ("secrets.api_key", "k"),
])
def test_lookups_are_null_safe(src: str, value: Any) -> None:
    assert ev(src) == value


def test_vars_root_prefers_an_explicit_scope_entry() -> None:
    assert ev("vars.a", {"vars": {"a": 1}, "a": 2}) == 1


def test_no_python_attribute_access() -> None:
    class Secret:
        password = "hunter2"

    scope = {"obj": Secret(), "s": "text", "l": [1]}
    assert ev("obj.password", scope) is None
    assert ev("s.upper", scope) is None
    assert ev("l.__class__", scope) is None
    assert ev("s.__class__.__name__", scope) is None


@pytest.mark.parametrize(("src", "value"), [
    ('lower("ĐƠN Hàng")', "đơn hàng"), ('upper("xin chào")', "XIN CHÀO"), ("upper(5)", "5"),
    ('trim("  hi  ")', "hi"), ("lower(missing)", None), ("len(customer.tags)", 2),
    ("len('Chào')", 4), ("len(missing)", 0), ("len(customer.fields)", 2),
    ('number("10423")', 10423), ('number(" 2.5 ")', 2.5), ('number("-3")', -3),
    ('number("abc")', None), ('number("")', None), ("number(7)", 7), ("number(null)", None),
    ("string(50.0)", "50"), ("string(null)", ""), ("string([1, 2])", "1, 2"),
    ("round(2.5)", 3), ("round(-2.5)", -3), ("round(2.345, 2)", 2.35), ("round(7)", 7),
    ("round(missing)", None),
    ('date("2024-05-01")', date(2024, 5, 1)), ('date("1/5/2024")', date(2024, 5, 1)),
    ('date("01.05.2024")', date(2024, 5, 1)), ('date("2024-5-1")', date(2024, 5, 1)),
    ('date("2024-05-01T10:00:00")', datetime(2024, 5, 1, 10)), ('date("31/02/2024")', None),
    ('date("soon")', None), ("date(missing)", None),
    ('days_since("2024-05-01")', 9), ("days_since(customer.first_contacted_at)", 39),
    ('days_since("2024-05-12")', -2), ("days_since(missing)", None),
    ('default(missing, "bạn")', "bạn"), ('default(empty, "x")', "x"), ("default(0, 5)", 0),
    ('default(customer.name, "bạn")', "Lan"),
    ('customer.name | default("bạn") | upper', "LAN"), ("missing | default(1)", 1),
])
def test_functions(src: str, value: Any) -> None:
    result = ev(src)
    assert result == value and type(result) is type(value)


def test_days_since_needs_now() -> None:
    assert err('days_since("2024-05-01")', {}) == ("type_error", 0)


def test_days_since_with_utc_timestamp_counts_local_days() -> None:
    scope = {"now": datetime(2024, 5, 10, 1, 0, tzinfo=ICT), "t": "2024-05-09T17:30:00+00:00"}
    assert ev("days_since(t)", scope) == 0


def test_naive_and_aware_datetimes_compare() -> None:
    scope = {"a": datetime(2024, 1, 1, 12, tzinfo=UTC), "b": datetime(2024, 1, 1, 11)}
    assert ev("a > b", scope) is True


@pytest.mark.parametrize(("src", "code", "offset"), [
    ("1 / 0", "division_by_zero", 4), ("count % 0", "division_by_zero", 8),
    ('"a" - 1', "type_error", 6), ("-'x'", "type_error", 0), ("null + 1", "type_error", 7),
    ("true + 1", "type_error", 7), ("upper([1])", "type_error", 0), ("len(5)", "type_error", 0),
    ("round(1, 'x')", "type_error", 0), ("number(true)", "type_error", 0),
    ("date(5)", "type_error", 0), ("9007199254740992 * 2", "too_large", 19),
    ("1e308 * 10", "too_large", 8), ("a +", "syntax_error", 3),
])
def test_errors_carry_a_code_and_an_offset(src: str, code: str, offset: int) -> None:
    assert err(src) == (code, offset)


def test_huge_text_concatenation_is_capped() -> None:
    big = "x" * (MAX_TEXT // 2 + 1)
    assert err("a + b", {"a": big, "b": big})[0] == "too_large"


def test_huge_list_concatenation_is_capped() -> None:
    assert err("a + a", {"a": list(range(6000))})[0] == "too_large"


def test_unknown_function_in_a_hand_built_tree() -> None:
    with pytest.raises(ExprError) as info:
        evaluate(Call("eval", (Literal("1"),), 4, 13), {})
    assert (info.value.code, info.value.offset) == ("unknown_function", 4)


def test_budget_counts_every_node_visited() -> None:
    node, _ = parse_source("a + b * 2")
    assert node is not None
    meter = Meter(100)
    assert evaluate(node, {"a": 1, "b": 2}, meter=meter) == 5
    assert meter.used == 5


def test_budget_exceeded() -> None:
    node, _ = parse_source(" + ".join(["1"] * 60))
    assert node is not None
    assert evaluate(node, {}, budget=119) == 60
    with pytest.raises(ExprError) as info:
        evaluate(node, {}, budget=118)
    assert info.value.code == "budget_exceeded"


def test_comparing_big_lists_is_charged_per_element() -> None:
    meter = Meter(10_000)
    data = list(range(3000))
    evaluate(Binary("==", Name("a"), Name("b")), {"a": data, "b": list(data)}, meter=meter)
    assert meter.used > 3000
    with pytest.raises(ExprError) as info:
        evaluate(Binary("==", Name("a"), Name("a")), {"a": list(range(20_000))})
    assert info.value.code == "budget_exceeded"


def test_deeply_nested_data_is_refused_not_crashing() -> None:
    deep: Any = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(ExprError) as info:
        ev("a == b", {"a": deep, "b": deep})
    assert info.value.code == "too_large"


def test_deep_hand_built_trees_are_refused() -> None:
    node: Any = Literal(1)
    for _ in range(400):
        node = Binary("+", node, Literal(1))
    with pytest.raises(ExprError) as info:
        evaluate(node, {})
    assert info.value.code == "too_large"


@pytest.mark.parametrize(("value", "truth"), [
    (None, False), (False, False), (0, False), (0.0, False), ("", False), ([], False),
    ({}, False), ("0", True), ([0], True), (date(2024, 1, 1), True), (-1, True),
])
def test_truthiness(value: Any, truth: bool) -> None:
    assert truthy(value) is truth


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (False, "false"), (50, "50"), (50.0, "50"), (2.5, "2.5"),
    (0.1 + 0.2, "0.3"), (-3.0, "-3"), ("Chào bạn", "Chào bạn"), (["a", 1, 2.0], "a, 1, 2"),
    ([], ""), (date(2024, 5, 1), "2024-05-01"), (datetime(2024, 5, 1, 9, 30), "2024-05-01"),
    ({"a": "ư", "n": 1}, '{"a": "ư", "n": 1}'), ({"d": date(2024, 1, 2)}, '{"d": "2024-01-02"}'),
])
def test_format_value(value: Any, text: str) -> None:
    assert format_value(value) == text


def test_format_value_refuses_python_objects() -> None:
    with pytest.raises(ExprError):
        format_value(object())
