"""`wactl schema`: the JSON Schema of the YAML flow format (for editors), or of the IR.

Editors with the YAML language server validate and complete flow files when the file
starts with `# yaml-language-server: $schema=<path to this schema>`; `--ir` gives the
schema of `bundle.json` for whoever consumes compiled bundles.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from wactl.cli._common import finish, write_output
from wactl.cli.exit_codes import ExitCode


def schema_text(ir: bool) -> str:
    """The schema as indented JSON with sorted keys (stable for diffs and commits)."""
    if ir:
        from wactl.compiler import ir_json_schema

        schema = ir_json_schema()
    else:
        from wactl.dsl.yaml.schema import yaml_json_schema

        schema = yaml_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def command(
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write the schema here (default: stdout).")] = None,
    ir: Annotated[bool, typer.Option(
        "--ir", help="The schema of the compiled IR (bundle.json) instead.")] = False,
) -> None:
    """Print the JSON Schema of the YAML format (or, with --ir, of the compiled IR)."""
    write_output(schema_text(ir), output)
    finish(ExitCode.OK)
