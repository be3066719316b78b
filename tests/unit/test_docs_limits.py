"""docs/limits.md states the bounds the code has: each figure is checked against its constant."""

from __future__ import annotations

from pathlib import Path

import pytest

from wactl import diagnostics
from wactl.cli.render import SNIPPET_WIDTH
from wactl.dsl import expr, source
from wactl.runtime import bounded_json, inbound_bounds, state
from wactl.runtime.engine import Limits

DOC = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text(encoding="utf-8")
MIB = 1024 * 1024


@pytest.mark.parametrize(("value", "written"), [
    (source.MAX_SOURCE_BYTES, f"{source.MAX_SOURCE_BYTES // MIB} MiB"),
    (source.MAX_PROJECT_BYTES, f"{source.MAX_PROJECT_BYTES // MIB} MiB"),
    (source.MAX_PROJECT_FILES, f"{source.MAX_PROJECT_FILES:,}"),
    (source.MAX_PROJECT_FLOWS, f"{source.MAX_PROJECT_FLOWS:,}"),
    (expr.MAX_HOLES, f"| {expr.MAX_HOLES} |"),
    (expr.MAX_CHARS, f"{expr.MAX_CHARS:,} characters, {expr.MAX_NODES} parts, "
                     f"{expr.MAX_DEPTH} levels"),
    (diagnostics.MAX_SUGGESTIONS, f"{diagnostics.MAX_SUGGESTIONS} searches of at most "
                                  f"{diagnostics.MAX_CANDIDATES:,} candidates"),
    (SNIPPET_WIDTH, f"{SNIPPET_WIDTH} columns"),
    (inbound_bounds.MAX_INBOUND_TEXT, f"{inbound_bounds.MAX_INBOUND_TEXT:,} characters"),
    (inbound_bounds.MAX_PROFILE_NAME, f"| {inbound_bounds.MAX_PROFILE_NAME} characters |"),
    (inbound_bounds.MAX_ID, f"| {inbound_bounds.MAX_ID} characters |"),
    (inbound_bounds.MAX_DETAIL, f"| {inbound_bounds.MAX_DETAIL:,} characters |"),
    (inbound_bounds.MAX_CONTACT_CARDS, f"| {inbound_bounds.MAX_CONTACT_CARDS} |"),
    (Limits().max_steps_per_event, f"| {Limits().max_steps_per_event:,} |"),
    (bounded_json.MAX_JSON_CHARS, f"{bounded_json.MAX_JSON_CHARS:,} characters, "
                                  f"{bounded_json.MAX_JSON_DEPTH} levels deep, "
                                  f"{bounded_json.MAX_JSON_VALUES:,} values"),
    (state.MAX_TRACE, f"{state.MAX_TRACE} entries; {state.MAX_HISTORY} messages"),
])
def test_the_doc_states_each_bound_as_the_code_has_it(value: int, written: str) -> None:
    assert value > 0
    assert written in DOC
