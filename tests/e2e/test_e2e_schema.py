"""`wactl schema`: the YAML format's JSON Schema, and the IR's with --ir."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from cli_helpers import run_wactl


def test_yaml_schema_is_a_json_schema() -> None:
    result = run_wactl("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_ir_schema_validates_a_compiled_bundle(tmp_path: Path) -> None:
    from wactl.compiler import compile_project

    result = run_wactl("schema", "--ir", "-o", str(tmp_path / "ir.json"))
    assert result.exit_code == 0, result.output
    schema = json.loads((tmp_path / "ir.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    program = compile_project({"f.yaml": "flow: f\nsteps:\n  - id: a\n    send: hi\n"}).program
    assert program is not None
    jsonschema.validate(json.loads(program.to_json()), schema)
