"""Comparing bot turns and `expect` with what happened, and the diffs a failure shows."""

from __future__ import annotations

from datetime import date

import pytest

from wactl.dsl import ast
from wactl.runtime.convtest_check import (
    FinalState,
    check_expect,
    compare_message,
    describe,
    text_matches,
    values_equal,
)
from wactl.runtime.effects import (
    Button,
    Row,
    Section,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)

TO = "849"


def _bot(**kw: object) -> ast.BotTurn:
    return ast.BotTurn.model_validate(kw)


def _buttons(body: str, *titles: str) -> SendInteractive:
    return SendInteractive(TO, body, tuple(Button(f"b{i}", t) for i, t in enumerate(titles)))


def _list(body: str, *ids: str) -> SendInteractive:
    rows = tuple(Row(i, i.title()) for i in ids)
    return SendInteractive(TO, body, list_button="Pick", sections=(Section(None, rows),))


@pytest.mark.parametrize(("expected", "actual", "ok"), [
    ("Hello", "Hello", True),
    ("Hello", "Hello!", False),
    ("/on its way/", "Order 1 is on its way.", True),
    ("/^on its way$/", "Order 1 is on its way.", False),
    ("/([/", "anything", False),
    ("/", "/", True),
    ("Hi", None, False),
])
def test_text_is_exact_or_a_searched_regex(expected: str, actual: str | None, ok: bool) -> None:
    assert text_matches(expected, actual) is ok


def test_matching_text_and_buttons_give_no_diff() -> None:
    turn = _bot(text="/on its way with GHN/", buttons=["Track it", "Talk to a person"])
    sent = _buttons("Order 10423 is on its way with GHN.", "Track it", "Talk to a person")
    assert compare_message(turn, sent) is None


def test_only_what_the_turn_names_is_compared() -> None:
    assert compare_message(_bot(text="Pick one"), _buttons("Pick one", "A", "B")) is None
    assert compare_message(_bot(buttons=["A", "B"]), _buttons("whatever", "A", "B")) is None


def test_a_changed_text_diffs_only_the_text() -> None:
    turn = _bot(text="Order 1 is packed.", buttons=["OK"])
    diff = compare_message(turn, _buttons("Order 1 is being packed.", "OK"))
    assert diff is not None
    assert "-Order 1 is packed." in diff and "+Order 1 is being packed." in diff
    assert "button: OK" in diff and "-button: OK" not in diff


def test_button_titles_must_match_in_order() -> None:
    diff = compare_message(_bot(buttons=["A", "B"]), _buttons("x", "B", "A"))
    assert diff is not None and "\n+button: B\n button: A\n-button: B" in diff
    missing = compare_message(_bot(buttons=["A"]), SendText(TO, "x"))
    assert missing is not None and "+button: (none)" in missing


def test_list_rows_are_compared_by_id() -> None:
    assert compare_message(_bot(list=["shipping", "returns"]),
                           _list("Topics", "shipping", "returns")) is None
    diff = compare_message(_bot(list=["shipping"]), _list("Topics", "returns"))
    assert diff is not None and "-row: shipping" in diff and "+row: returns" in diff


def test_template_by_name() -> None:
    sent = SendTemplate(TO, "cart_reminder", "vi", ("Mai", "https://x"))
    assert compare_message(_bot(template="cart_reminder"), sent) is None
    diff = compare_message(_bot(template="cart_last_call"), sent)
    assert diff is not None and "-template cart_last_call" in diff
    text = compare_message(_bot(text="Hi"), sent)
    assert text is not None and "+(not set)" in text


def test_image_by_link_media_or_header() -> None:
    pic = SendMedia(TO, "image", "https://x/p.jpg", "A gel")
    assert compare_message(_bot(image="https://x/p.jpg", text="A gel"), pic) is None
    header = SendInteractive(TO, "Body", (Button("b", "OK"),),
                             header_media=("image", "https://x/h.jpg"))
    assert compare_message(_bot(image="/h\\.jpg$/"), header) is None
    assert compare_message(_bot(image="https://x/p.jpg"), SendText(TO, "x")) is not None


def test_describe_shows_what_the_customer_sees() -> None:
    assert describe(_buttons("Pick\none", "A", "B")) == ["Pick", "one", "[1] A", "[2] B"]
    assert describe(_list("Topics", "shipping")) == ["Topics", "- shipping: Shipping"]
    assert describe(SendTemplate(TO, "t", "en", ("a", "b"))) == ["template t (en): a | b"]
    assert describe(SendMedia(TO, "document", "https://x/f.pdf")) == ["document https://x/f.pdf"]


# --------------------------------------------------------------------------- expect


@pytest.mark.parametrize(("expected", "actual", "ok"), [
    (10423, 10423.0, True),
    ("10423", 10423, False),
    (True, 1, False),
    (1, True, False),
    ("2030-12-28", date(2030, 12, 28), True),
    (date(2030, 12, 28), "2030-12-28", True),
    ({"a": [1, 2]}, {"a": [1, 2.0]}, True),
    ({"a": 1}, {"a": 1, "b": 2}, False),
    ([1], [1, 2], False),
    (None, None, True),
])
def test_values_equal_as_a_test_author_means(expected: object, actual: object, ok: bool) -> None:
    assert values_equal(expected, actual) is ok


def test_no_expect_passes() -> None:
    assert check_expect(None, FinalState()) == []


def test_vars_and_fields_are_checked_key_by_key() -> None:
    expect = ast.TestExpect(vars={"order_id": 10423, "slot": "Chiều"}, fields={"phone": "09"})
    final = FinalState(vars={"order_id": 10423, "slot": "Sáng", "other": 1},
                       fields={"phone": "09", "x": "y"})
    [failure] = check_expect(expect, final)
    assert failure.where == "expect.vars" and failure.message == "slot differs"
    assert '-slot: "Chiều"' in failure.diff and '+slot: "Sáng"' in failure.diff
    assert "order_id: 10423" in failure.diff


def test_a_missing_var_shows_not_set() -> None:
    [failure] = check_expect(ast.TestExpect(vars={"x": 1}), FinalState())
    assert "+x: (not set)" in failure.diff


def test_tags_are_a_set() -> None:
    expect = ast.TestExpect(tags=["vip", "refund_request"])
    assert check_expect(expect, FinalState(tags=["refund_request", "vip", "vip"])) == []
    [failure] = check_expect(ast.TestExpect(tags=[]), FinalState(tags=["cart"]))
    assert failure.where == "expect.tags" and "+cart" in failure.diff


def test_consent_handoff_and_events() -> None:
    expect = ast.TestExpect(consent="opted_out", handoff=True, events=["A", "B"])
    final = FinalState(consent="opted_in", handoff=False, events=["A", "Other"])
    failures = check_expect(expect, final)
    assert [f.where for f in failures] == ["expect.consent", "expect.handoff", "expect.events"]
    assert failures[0].message == 'expected "opted_out", got "opted_in"'
    assert failures[2].message == "not published: B"
    ok = FinalState(consent="opted_out", handoff=True, events=["B", "A", "C"])
    assert check_expect(expect, ok) == []
