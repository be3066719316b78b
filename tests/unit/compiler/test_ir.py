"""The IR models: canonical JSON, round trip, hashes and the JSON Schema."""

from __future__ import annotations

import json
import textwrap
from typing import get_args

import jsonschema
import pydantic
import pytest

from wactl.compiler import SCHEMA_VERSION, Program, compile_project, ir_json_schema
from wactl.compiler.ir import (
    STEP_ADAPTER,
    STEP_TYPES,
    IRAgentStep,
    IRAskStep,
    IRHandoffStep,
    IRTemplateStep,
    StepKindIR,
    canonical_json,
    content_hash,
)

SOURCES = {
    "wactl.yaml": "shop: demo\nlanguages: [en]\ntemplates: {reminder: {params: 1}}\n",
    "agents/helper.yaml": "agent: helper\nprompt: Help\ntemperature: 0.3\n",
    "flows/a.yaml": textwrap.dedent("""
        flow: a
        trigger: {event: customer.opted_in, if: 'customer.tags contains "cart"'}
        vars: {count: 0, when: "2024-01-01"}
        steps:
          - id: t
            template: {name: reminder, params: ["{{ customer.name }}"]}
          - id: q
            ask: {text: "Pick one", list: {button: Open, sections: [{title: S, rows: [
                {id: r1, title: One, description: first}]}]}}
            expect: choice
            save: pick
          - id: chat
            agent: helper
            max_turns: 3
          - id: bye
            handoff: "A teammate will help"
            team: support
        """),
}


def program() -> Program:
    result = compile_project(SOURCES)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program


def test_round_trip_through_json_is_exact() -> None:
    prog = program()
    again = Program.from_json(prog.to_json())
    assert again.canonical_bytes() == prog.canonical_bytes()
    assert again.to_json() == prog.to_json()


def test_steps_are_typed_one_model_per_kind() -> None:
    steps = program().flows[0].steps
    t, q, chat, bye = steps["t"], steps["q"], steps["chat"], steps["bye"]
    assert isinstance(t, IRTemplateStep) and t.params.template.params == ["{{ customer.name }}"]
    assert isinstance(q, IRAskStep) and (q.params.expect, q.params.save) == ("choice", "pick")
    menu = q.params.message.list_
    assert menu is not None and menu.sections[0].rows[0].id == "r1"
    assert isinstance(chat, IRAgentStep) and chat.params.max_turns == 3
    assert isinstance(bye, IRHandoffStep) and bye.params.team == "support"
    assert set(STEP_TYPES) == set(get_args(StepKindIR))
    assert STEP_ADAPTER.validate_python(q.to_data()) == q


@pytest.mark.parametrize("data", [
    {"kind": "ask", "edges": [], "params": {"text": "a key of another kind's message"}},
    {"kind": "send", "edges": [], "params": {"request": {"url": "x"}}},
    {"kind": "wait", "edges": [], "params": {"seconds": "soon"}},
    {"kind": "jump", "edges": [], "params": {}},
])
def test_a_step_with_params_of_another_shape_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        STEP_ADAPTER.validate_python(data)


def test_to_json_is_the_canonical_text_of_the_data() -> None:
    prog = program()
    assert prog.to_json() == canonical_json(prog.to_data())
    assert Program.from_json(prog.to_json()) == prog
    pretty = prog.to_json(indent=2)
    assert pretty.endswith("}\n") and "\n  " in pretty and json.loads(pretty) == prog.to_data()


def test_a_changed_copy_is_encoded_afresh() -> None:
    changed = program().model_copy(update={"hash": "x"})
    assert json.loads(changed.to_json())["hash"] == "x"


def test_canonical_json_is_compact_sorted_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": "đ"}) == '{"a":"đ","b":1}'
    assert content_hash({"a": 1}) == content_hash({"a": 1})
    assert len(content_hash([])) == 64


def test_hashes_cover_the_body() -> None:
    prog = program()
    flow = prog.flows[0]
    body = flow.to_data()
    del body["hash"]
    assert flow.hash == content_hash(body)
    root = prog.to_data()
    del root["hash"]
    assert prog.hash == content_hash(root)


def test_ir_validates_against_its_json_schema() -> None:
    schema = ir_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(program().to_json())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == SCHEMA_VERSION


def test_schema_rejects_malformed_ir() -> None:
    validator = jsonschema.Draft202012Validator(ir_json_schema())
    data = json.loads(program().to_json())
    data["flows"][0]["steps"]["t"]["kind"] = "teleport"
    assert not validator.is_valid(data)
    data = json.loads(program().to_json())
    data["schema_version"] = "wactl.ir/0"
    assert not validator.is_valid(data)


def test_from_json_rejects_unknown_keys() -> None:
    data = json.loads(program().to_json())
    data["surprise"] = 1
    with pytest.raises(pydantic.ValidationError):
        Program.from_json(json.dumps(data))


def test_lookups_by_id() -> None:
    prog = program()
    assert prog.flow("a") is not None and prog.flow("zz") is None
    agent = prog.agent("helper")
    assert agent is not None and agent.temperature == 0.3
    assert prog.project.templates["reminder"].params == 1
