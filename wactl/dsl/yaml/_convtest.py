"""YAML → AST for conversation tests (`test:` files run by `wactl test`)."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from wactl.dsl import ast
from wactl.dsl.yaml._docs import present
from wactl.dsl.yaml._read import Pairs, Reader, duration, opt

TEST_KEYS = ("test", "flow", "customer", "mocks", "turns", "expect")
CUSTOMER_KEYS = ("wa_id", "name", "language", "tags", "fields", "consent")
HTTP_MOCK_KEYS = ("method", "url", "status", "json", "body", "delay")
AI_MOCK_KEYS = ("agent", "reply", "intent", "extract")
USER_KEYS = ("text", "button", "list", "image", "document", "audio", "video", "location")
BOT_KEYS = ("text", "buttons", "list", "template", "image")
EXPECT_KEYS = ("vars", "tags", "fields", "consent", "handoff", "events")
TURN_KINDS = ("user", "bot", "clock")


def conv_test(r: Reader, node: Node, pairs: Pairs) -> ast.ConvTest | None:
    r.check_keys(pairs, TEST_KEYS, "a test")
    name_node = r.require(pairs, "test", node, "a test")
    name = None if name_node is None else r.string(name_node, "test")
    fields = present({
        "flow": opt(r, pairs, "flow", Reader.string),
        "customer": opt(r, pairs, "customer", _customer),
        "mocks": opt(r, pairs, "mocks", _mocks),
        "turns": opt(r, pairs, "turns", _turns),
        "expect": opt(r, pairs, "expect", _expect),
    })
    if name is None:
        return None
    spans = {"flow": r.span(pairs["flow"][1])} if "flow" in pairs else {}
    return ast.ConvTest.model_validate({**fields, "name": name, "span": r.span(node),
                                        "key_spans": spans})


def _json_map(r: Reader, node: Node, what: str) -> dict[str, Any] | None:
    if not isinstance(node, MappingNode):
        r.wrong(node, what, "a mapping")
        return None
    value: dict[str, Any] = r.json(node)
    return value


def _customer(r: Reader, node: Node, what: str) -> ast.TestCustomer | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, CUSTOMER_KEYS, "`customer`")
    fields = present({
        "wa_id": opt(r, pairs, "wa_id", Reader.string),
        "name": opt(r, pairs, "name", Reader.string),
        "language": opt(r, pairs, "language", Reader.string),
        "tags": opt(r, pairs, "tags", Reader.strings),
        "fields": opt(r, pairs, "fields", _json_map),
        "consent": opt(r, pairs, "consent", Reader.string),
    })
    return ast.TestCustomer.model_validate({**fields, "span": r.span(node)})


def _mocks(r: Reader, node: Node, what: str) -> ast.Mocks | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, ("http", "ai"), "`mocks`")
    http = [_http_mock(r, item) for item in _items(r, pairs, "http")]
    ai = [_ai_mock(r, item) for item in _items(r, pairs, "ai")]
    return ast.Mocks(http=[m for m in http if m is not None], ai=[m for m in ai if m is not None],
                     span=r.span(node))


def _items(r: Reader, pairs: Pairs, name: str) -> list[Node]:
    return (r.sequence(pairs[name][1], name) or []) if name in pairs else []


def _http_mock(r: Reader, node: Node) -> ast.HttpMock | None:
    pairs = r.mapping(node, "http")
    if pairs is None:
        return None
    r.check_keys(pairs, HTTP_MOCK_KEYS, "an HTTP mock")
    url_node = r.require(pairs, "url", node, "an HTTP mock")
    url = None if url_node is None else r.string(url_node, "url")
    fields = present({
        "method": opt(r, pairs, "method", Reader.string),
        "status": opt(r, pairs, "status", Reader.integer),
        "body": opt(r, pairs, "body", Reader.string),
        "delay": opt(r, pairs, "delay", duration),
    })
    if "json" in pairs:
        fields["json"] = r.json(pairs["json"][1])
    if url is None:
        return None
    return ast.HttpMock.model_validate({**fields, "url": url, "span": r.span(node)})


def _ai_mock(r: Reader, node: Node) -> ast.AiMock | None:
    pairs = r.mapping(node, "ai")
    if pairs is None:
        return None
    r.check_keys(pairs, AI_MOCK_KEYS, "an AI mock")
    fields = present({
        "agent": opt(r, pairs, "agent", Reader.string),
        "reply": opt(r, pairs, "reply", Reader.string),
        "intent": opt(r, pairs, "intent", Reader.string),
        "extract": opt(r, pairs, "extract", _json_map),
    })
    spans = {"agent": r.span(pairs["agent"][1])} if "agent" in pairs else {}
    return ast.AiMock.model_validate({**fields, "span": r.span(node), "key_spans": spans})


def _turns(r: Reader, node: Node, what: str) -> list[ast.UserTurn | ast.BotTurn | ast.ClockTurn]:
    out: list[ast.UserTurn | ast.BotTurn | ast.ClockTurn] = []
    for item in r.sequence(node, what) or ():
        turn = _turn(r, item)
        if turn is not None:
            out.append(turn)
    return out


def _turn(r: Reader, node: Node) -> ast.UserTurn | ast.BotTurn | ast.ClockTurn | None:
    pairs = r.mapping(node, "turns")
    if pairs is None:
        return None
    kinds = [name for name in pairs if name in TURN_KINDS]
    if not kinds:
        r.error("WA105", "a turn needs one of `user`, `bot` or `clock`", node)
    for other in kinds[1:]:
        r.error("WA112", f"a turn has one kind, and this one is already `{kinds[0]}`",
                pairs.pop(other)[0], "write each message as its own turn")
    r.check_keys(pairs, TURN_KINDS, "a turn")
    if not kinds:
        return None
    value = pairs[kinds[0]][1]
    if kinds[0] == "clock":
        advance = duration(r, value, "clock")
        return None if advance is None else ast.ClockTurn(advance=advance, span=r.span(node))
    keys = USER_KEYS if kinds[0] == "user" else BOT_KEYS
    fields = _message_turn(r, value, kinds[0], keys)
    if fields is None:
        return None
    cls = ast.UserTurn if kinds[0] == "user" else ast.BotTurn
    return cls.model_validate({**fields, "span": r.span(node)})


def _message_turn(r: Reader, node: Node, kind: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """`user: hi` / `bot: "text"`, or the mapping form with its own keys."""
    if isinstance(node, ScalarNode):
        said = r.string(node, kind)
        return None if said is None else {"text": said}
    pairs = r.mapping(node, kind)
    if pairs is None:
        return None
    r.check_keys(pairs, keys, f"this `{kind}` turn")
    fields: dict[str, Any] = {}
    for name, (_, value) in pairs.items():
        if name in ("buttons", "list") and kind == "bot":
            fields[name] = r.strings(value, name)
        elif name == "location":
            fields[name] = _location(r, value)
        elif name in keys:
            fields[name] = r.string(value, name)
    if kind == "user" and len(pairs) > 1:
        r.error("WA112", "a customer sends one thing per turn", list(pairs.values())[1][0])
    return present(fields)


def _location(r: Reader, node: Node) -> dict[str, float] | None:
    pairs = r.mapping(node, "location")
    if pairs is None:
        return None
    r.check_keys(pairs, ("latitude", "longitude"), "a location")
    out: dict[str, float] = {}
    for name in ("latitude", "longitude"):
        value = r.require(pairs, name, node, "a location")
        number = None if value is None else r.number(value, name)
        if number is not None:
            out[name] = number
    return out


def _expect(r: Reader, node: Node, what: str) -> ast.TestExpect | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, EXPECT_KEYS, "a test's `expect`")
    fields = present({
        "vars": opt(r, pairs, "vars", _json_map),
        "tags": opt(r, pairs, "tags", Reader.strings),
        "fields": opt(r, pairs, "fields", _json_map),
        "consent": opt(r, pairs, "consent", Reader.string),
        "handoff": opt(r, pairs, "handoff", Reader.boolean),
        "events": opt(r, pairs, "events", Reader.strings),
    })
    return ast.TestExpect.model_validate({**fields, "span": r.span(node)})
