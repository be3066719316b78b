"""JSON Schema definitions of the non-flow files: agent personas, conversation tests, wactl.yaml."""

from __future__ import annotations

from typing import Any

from wactl.dsl import ast

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


def _obj(props: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _map(value: Schema) -> Schema:
    return {"type": "object", "additionalProperties": value}


def file_definitions() -> dict[str, Schema]:
    return {"agentFile": _agent(), "testFile": _test(), "projectFile": _project(),
            "userTurn": _user_turn(), "botTurn": _bot_turn()}


def _agent() -> Schema:
    return _obj({
        "agent": _ref("flowId"), "model": {"type": "string"},
        "tone": {"enum": list(ast.TONES)}, "language": {"type": "string"},
        "constraints": _ref("strings"), "prompt": _ref("template"),
        "context_messages": {"type": "integer", "minimum": 0},
        "max_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "handoff": _obj({"keywords": _ref("strings"), "intents": _ref("strings"),
                         "message": _ref("text")}),
    }, ("agent",))


def _test() -> Schema:
    http_mock = _obj({
        "method": {"type": "string"}, "url": {"type": "string"}, "status": {"type": "integer"},
        "json": _ref("json"), "body": {"type": "string"}, "delay": _ref("duration"),
    }, ("url",))
    ai_mock = _obj({"agent": _ref("scalar"), "reply": _ref("scalar"),
                    "intent": _ref("scalar"), "extract": _map(_ref("json"))})
    turn = {"anyOf": [
        _obj({"user": _ref("userTurn")}, ("user",)),
        _obj({"bot": _ref("botTurn")}, ("bot",)),
        _obj({"clock": _ref("duration")}, ("clock",)),
    ]}
    return _obj({
        "test": _ref("scalar"), "flow": _ref("flowId"),
        "customer": _obj({
            "wa_id": _ref("scalar"), "name": _ref("scalar"), "language": {"type": "string"},
            "tags": _ref("strings"), "fields": _map(_ref("json")), "consent": {"type": "string"},
        }),
        "mocks": _obj({"http": {"type": "array", "items": http_mock},
                       "ai": {"type": "array", "items": ai_mock}}),
        "turns": {"type": "array", "items": turn},
        "expect": _obj({
            "vars": _map(_ref("json")), "tags": _ref("strings"), "fields": _map(_ref("json")),
            "consent": {"type": "string"}, "handoff": {"type": "boolean"},
            "events": _ref("strings"),
        }),
    }, ("test",))


def _user_turn() -> Schema:
    one = {name: _ref("scalar") for name in
           ("text", "button", "list", "image", "document", "audio", "video")}
    location = _obj({"latitude": {"type": "number"}, "longitude": {"type": "number"}},
                    ("latitude", "longitude"))
    mapping = _obj({**one, "location": location})
    mapping.update(minProperties=1, maxProperties=1)
    return {"anyOf": [_ref("scalar"), mapping],
            "description": "What the customer sends: text, or {button|list|image|location: ...}."}


def _bot_turn() -> Schema:
    return {"anyOf": [_ref("scalar"), _obj({
        "text": _ref("scalar"), "buttons": _ref("strings"), "list": _ref("strings"),
        "template": _ref("scalar"), "image": _ref("scalar"),
    })], "description": "What the bot should send; /.../ is a regular expression."}


def _project() -> Schema:
    paths = _ref("strings")
    return _obj({
        "shop": _ref("scalar"),
        "language": {"type": "string", "description": "Default language (vi or en)."},
        "languages": _ref("strings"),
        "timezone": {"type": "string"}, "time_zone": {"type": "string"},
        "service_url": {"type": "string"},
        "paths": _obj({"flows": paths, "agents": paths, "tests": paths}),
        "templates": _map({"anyOf": [{"type": "null"}, _obj({
            "params": {"type": "integer", "minimum": 0}, "languages": _ref("strings")})]}),
        "secrets": _ref("strings"),
        "egress": _obj({"allow_hosts": _ref("strings"), "allow_http": {"type": "boolean"}}),
    })
