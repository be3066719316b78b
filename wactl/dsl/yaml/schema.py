"""The JSON Schema of the YAML spelling, for editors (yaml-language-server) and `wactl schema`.

Hand-written from LANGUAGE.md's keys (not derived from the pydantic AST, whose field
names and shapes differ from what merchants type), so an editor completes `retries`,
`on_fail`, `expect: number` and flags `retires:` as it is typed.  One schema serves
every file: the top-level key tells the kind, as it does for the loader; a file with
none of `flow`, `flows`, `agent`, `test` is checked as `wactl.yaml`.  The schema is a
helper for editors; `wactl validate` stays the judge (it checks ids, references,
expressions and limits that a schema cannot).
"""

from __future__ import annotations

from typing import Any

from wactl.dsl import ast
from wactl.dsl.step_keys import COMMON_KEYS as COMMON_STEP_KEYS
from wactl.dsl.step_keys import KIND_KEYS as STEP_KEYS
from wactl.dsl.yaml._schema_files import file_definitions

Schema = dict[str, Any]

DRAFT = "http://json-schema.org/draft-07/schema#"
LANG_KEY = "^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"
DURATION = r"^\+?(?:\d+[ \t]*(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d))+$"


def ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


def obj(props: dict[str, Schema], required: tuple[str, ...] = (), doc: str = "") -> Schema:
    """A closed mapping: unknown keys are errors, as they are for the loader (WA103)."""
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if doc:
        out["description"] = doc
    return out


def doc(schema: Schema, text: str) -> Schema:
    return {**schema, "description": text}


def one_or_many(item: Schema) -> Schema:
    return {"anyOf": [item, {"type": "array", "items": item}]}


def str_map(value: Schema) -> Schema:
    return {"type": "object", "additionalProperties": value}


def json_value() -> Schema:
    return {"type": ["object", "array", "string", "number", "integer", "boolean", "null"]}


def yaml_json_schema() -> dict[str, Any]:
    """The schema (draft-07, which yaml-language-server supports best)."""
    return {
        "$schema": DRAFT,
        "$id": "https://wactl.dev/schema/wactl-yaml.json",
        "title": "wactl flow, agent, test or project file",
        "type": "object",
        "properties": {
            "flow": doc(ref("flowId"), "A flow: its id (lower-case, digits, `_`)."),
            "flows": doc({"type": "array"}, "Several flows in one file."),
            "agent": doc(ref("flowId"), "An AI agent persona: its id."),
            "test": doc(ref("scalar"), "A conversation test: its name."),
        },
        "allOf": [_by_kind()],
        "definitions": {**_leaves(), **_messages(), **_triggers(), **_steps(), **_files()},
    }


def _by_kind() -> Schema:
    """The top-level key tells the kind of file, in the loader's order of precedence."""
    chain: Schema = ref("projectFile")
    for key, target in (("agent", "agentFile"), ("flow", "flowFile"),
                        ("flows", "flowsFile"), ("test", "testFile")):
        chain = {"if": {"required": [key]}, "then": ref(target), "else": chain}
    return chain


def _leaves() -> dict[str, Schema]:
    return {
        "scalar": {"type": ["string", "number", "boolean"]},
        "flowId": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "stepId": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "variable": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "expr": doc({"type": ["string", "number", "boolean", "null"]},
                    "An expression, e.g. 'order.status == \"shipped\"'."),
        "template": doc(ref("scalar"), "Text with {{ expression }} holes."),
        "text": doc({"anyOf": [ref("scalar"), {
            "type": "object", "minProperties": 1, "additionalProperties": False,
            "patternProperties": {LANG_KEY: ref("scalar")}}]},
            "Text, or a map from language to text: {vi: ..., en: ...}."),
        "duration": doc({"anyOf": [{"type": "string", "pattern": DURATION},
                                   {"type": "integer", "minimum": 0}]},
                        "A duration: 30s, 15m, 2h, 3d, 1h30m, 2 days, or whole seconds."),
        "strings": one_or_many(ref("scalar")),
        "json": json_value(),
    }


def _messages() -> dict[str, Schema]:
    media = doc(ref("template"), "A media URL.")
    return {
        "message": {"anyOf": [ref("text"), obj({
            "text": ref("text"), "image": media, "document": media, "audio": media,
            "video": media, "caption": ref("text"),
            "buttons": doc({"type": "array", "items": ref("text"), "maxItems": 3},
                           "Reply buttons (at most 3)."),
            "list": ref("listMenu"),
        })]},
        "listMenu": obj({
            "button": ref("text"),
            "sections": {"type": "array", "items": obj({
                "title": ref("text"),
                "rows": {"type": "array", "items": obj(
                    {"id": ref("scalar"), "title": ref("text"), "description": ref("text")},
                    ("id", "title"))},
            }, ("rows",))},
        }, ("button", "sections"), "An interactive list menu."),
        "templateRef": {"anyOf": [ref("scalar"), obj({
            "name": ref("scalar"), "language": ref("scalar"),
            "params": {"type": "array", "items": ref("template")},
        }, ("name",))]},
    }


def _triggers() -> dict[str, Schema]:
    kinds = {
        "keyword": doc(ref("strings"), "A word or list of words (case- and accent-insensitive)."),
        "regex": doc({"type": "string"}, "A regular expression (RE2, Python spelling); named "
                     "groups become variables."),
        "intent": {"anyOf": [ref("scalar"), obj(
            {"intent": ref("scalar"),
             "min_confidence": {"type": "number", "minimum": 0, "maximum": 1}}, ("intent",))]},
        "event": {"anyOf": [{"enum": list(ast.EVENT_NAMES)}, {"type": "string"}]},
        "schedule": obj({"cron": {"type": "string"}, "audience": ref("expr")}, ("cron",)),
    }
    confidence = doc({"type": "number", "minimum": 0, "maximum": 1},
                     "Beside `intent:`: the classifier's confidence needed (default 0.5).")
    trigger = obj({**kinds, "if": ref("expr"), "min_confidence": confidence},
                  doc="What starts the flow: exactly one kind.")
    trigger["oneOf"] = [{"required": [kind]} for kind in kinds]
    return {"trigger": trigger}




def _step_properties() -> dict[str, Schema]:
    expect = [*ast.EXPECT_KINDS]
    return {
        "id": doc(ref("stepId"), "The step's id, unique in the flow."),
        "next": doc(ref("stepId"), "The step to go to next (`end` ends the run)."),
        "when": doc(ref("expr"), "Skip the step unless this is true."),
        "max_visits": doc({"type": "integer", "minimum": 1}, "Loop bound for this step."),
        "send": doc(ref("message"), "Send a message."),
        "fallback_template": ref("templateRef"),
        "template": doc(ref("templateRef"), "Send an approved WhatsApp template."),
        "ask": doc(ref("message"), "Ask a question and wait for the answer."),
        "expect": {"anyOf": [{"enum": expect}, {"type": "string", "pattern": "^regex:"}]},
        "save": ref("variable"),
        "retries": {"type": "integer", "minimum": 0},
        "retry_message": ref("text"),
        "on_fail": ref("stepId"),
        "validate": ref("expr"),
        "extract": str_map({"enum": list(ast.EXTRACT_TYPES)}),
        "timeout": ref("duration"),
        "on_timeout": ref("stepId"),
        "branch": {"type": "array", "items": {"anyOf": [
            obj({"if": ref("expr"), "goto": ref("stepId")}, ("if", "goto")),
            obj({"else": ref("stepId")}, ("else",))]}},
        "set": doc(str_map(ref("expr")), "Set variables: {name: expression}."),
        "tag": ref("strings"), "untag": ref("strings"),
        "field": doc(str_map(ref("template")), "Set customer fields: {name: template}."),
        "consent": {"enum": ["opted_in", "opted_out"]},
        "call": {"anyOf": [ref("template"), ref("httpRequest")]},
        "on_error": ref("stepId"),
        "wait": {"anyOf": [ref("duration"), obj({"until": ref("expr")}, ("until",))]},
        "agent": doc(ref("flowId"), "Hand the conversation to an AI agent persona."),
        "until": ref("expr"),
        "max_turns": {"type": "integer", "minimum": 1},
        "handoff": doc({"anyOf": [ref("text"), {"type": "null"}]}, "Hand over to a person."),
        "team": ref("scalar"),
        "goto": ref("stepId"),
        "run": doc(ref("flowId"), "Run a sub-flow, then come back."),
        "with": str_map(ref("expr")),
        "link": doc(ref("flowId"), "Hand the conversation to another flow for good."),
        "end": {"anyOf": [ref("text"), {"type": "null"}]},
    }


def _steps() -> dict[str, Schema]:
    step = obj(_step_properties(), ("id",), "A step: `id` and exactly one kind key.")
    step["oneOf"] = [{"required": [kind]} for kind in STEP_KEYS]
    step["allOf"] = [
        {"if": {"required": [kind]},
         "then": {"propertyNames": {"enum": [*COMMON_STEP_KEYS, kind, *extra]}}}
        for kind, extra in STEP_KEYS.items()]
    return {
        "step": step,
        "httpRequest": obj({
            "method": {"enum": list(ast.HTTP_METHODS)}, "url": ref("template"),
            "headers": str_map(ref("template")), "body": ref("json"),
            "timeout": ref("duration"), "retries": {"type": "integer", "minimum": 0},
        }, ("url",)),
    }


def _files() -> dict[str, Schema]:
    flow = obj({
        "flow": ref("flowId"), "title": ref("scalar"), "description": ref("scalar"),
        "priority": doc({"type": "integer"}, "Higher wins when triggers overlap."),
        "trigger": ref("trigger"),
        "vars": doc(str_map(ref("json")), "Initial variables."),
        "rule": doc({"type": "boolean"}, "Runs alongside other flows; never takes over."),
        "steps": {"type": "array", "items": ref("step")},
    }, ("flow",))
    return {
        "flowFile": flow,
        "flowsFile": obj({"flows": {"type": "array", "items": ref("flowFile")}}, ("flows",)),
        **file_definitions(),
    }
