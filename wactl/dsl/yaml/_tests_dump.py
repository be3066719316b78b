"""AST → emitter tree for conversation tests (`test:` files)."""

from __future__ import annotations

from typing import Any

from wactl.dsl import ast
from wactl.dsl.durations import format_duration as duration_text
from wactl.dsl.yaml._emit import Raw, float_text, json_tree

Tree = dict[str, Any]


def conv_test_tree(test: ast.ConvTest) -> Tree:
    tree: Tree = {"test": test.name}
    if test.flow is not None:
        tree["flow"] = test.flow
    if test.customer is not None:
        tree["customer"] = _customer(test.customer)
    if test.mocks is not None:
        tree["mocks"] = _mocks(test.mocks)
    if test.turns:
        tree["turns"] = [_turn(turn) for turn in test.turns]
    if test.expect is not None:
        tree["expect"] = _expect(test.expect)
    return tree


def _customer(customer: ast.TestCustomer) -> Tree:
    tree: Tree = {"wa_id": customer.wa_id}
    for name in ("name", "language"):
        if getattr(customer, name) is not None:
            tree[name] = getattr(customer, name)
    if customer.tags:
        tree["tags"] = list(customer.tags)
    if customer.fields:
        tree["fields"] = json_tree(customer.fields)
    if customer.consent is not None:
        tree["consent"] = customer.consent
    return tree


def _mocks(mocks: ast.Mocks) -> Tree:
    tree: Tree = {}
    if mocks.http:
        tree["http"] = [_http_mock(m) for m in mocks.http]
    if mocks.ai:
        tree["ai"] = [_ai_mock(m) for m in mocks.ai]
    return tree


def _http_mock(mock: ast.HttpMock) -> Tree:
    tree: Tree = {"method": mock.method, "url": mock.url}
    if mock.status != 200:
        tree["status"] = Raw(str(mock.status))
    if mock.json_ is not None:
        tree["json"] = json_tree(mock.json_)
    if mock.body is not None:
        tree["body"] = mock.body
    if mock.delay is not None:
        tree["delay"] = duration_text(mock.delay.seconds)
    return tree


def _ai_mock(mock: ast.AiMock) -> Tree:
    tree: Tree = {}
    for name in ("agent", "reply", "intent"):
        if getattr(mock, name) is not None:
            tree[name] = getattr(mock, name)
    if mock.extract:
        tree["extract"] = json_tree(mock.extract)
    return tree


def _turn(turn: ast.UserTurn | ast.BotTurn | ast.ClockTurn) -> Tree:
    if isinstance(turn, ast.ClockTurn):
        return {"clock": "+" + duration_text(turn.advance.seconds)}
    fields = turn.model_dump(by_alias=True, exclude={"kind"}, exclude_none=True)
    if list(fields) == ["text"]:
        return {turn.kind: fields["text"]}
    if isinstance(turn, ast.UserTurn) and turn.location is not None:
        fields["location"] = {k: Raw(float_text(v)) for k, v in turn.location.items()}
    return {turn.kind: fields}


def _expect(expect: ast.TestExpect) -> Tree:
    tree: Tree = {}
    for name in ("vars", "fields"):
        if getattr(expect, name) is not None:
            tree[name] = json_tree(getattr(expect, name))
    for name in ("tags", "events"):
        if getattr(expect, name) is not None:
            tree[name] = list(getattr(expect, name))
    if expect.consent is not None:
        tree["consent"] = expect.consent
    if expect.handoff is not None:
        tree["handoff"] = Raw("true" if expect.handoff else "false")
    return tree
