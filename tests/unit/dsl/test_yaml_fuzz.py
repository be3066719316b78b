"""Whatever the text, load_yaml returns diagnostics and never raises or reports a wactl bug."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.dsl.yaml.loader import load_yaml

KEYS = [
    "flow", "flows", "agent", "test", "title", "priority", "trigger", "vars", "rule", "steps",
    "id", "next", "when", "send", "ask", "branch", "set", "tag", "call", "wait", "handoff",
    "end", "run", "with", "expect", "retries", "timeout", "keyword", "intent", "schedule",
    "if", "goto", "else", "text", "buttons", "list", "sections", "rows", "url", "method",
    "turns", "user", "bot", "clock", "mocks", "http", "customer", "<<", "until", "template",
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(["30s", "1h30m", "2 hours", "number", "opted_in"]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def check(path: str, text: str) -> None:
    source, diags = load_yaml(path, text)
    assert all(d.code != "WA901" for d in diags), diags
    assert all(d.span.line >= 1 and d.span.col >= 1 for d in diags)
    assert source is not None or diags


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_only_diagnostics(text: str) -> None:
    check("flows/x.yaml", text)
    check("wactl.yaml", text)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_arbitrary_yaml_documents_give_only_diagnostics(doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    check("flows/x.yaml", text)
    check("wactl.yaml", text)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, documents, max_size=6), st.sampled_from(["flow", "agent", "test"]))
def test_flow_shaped_documents_give_only_diagnostics(doc: dict[str, Any], kind: str) -> None:
    doc = {kind: "x", **doc}
    doc.setdefault("steps", [{"id": "a", **doc}])
    check("flows/x.yaml", yaml.safe_dump(doc, allow_unicode=True))


def test_hostile_yaml_features() -> None:
    for text in [
        "!!python/object/apply:os.system ['ls']",
        "flow: !!python/name:os.system\nsteps: []\n",
        "flow: f\nsteps: !!set {a, b}\n",
        "flow: f\nsteps: [" * 500 + "]" * 500,
        "&a [*a, *a]",
        "flow: f\nsteps:\n  - &s {id: a, send: *s}\n",
        "? [a, b]\n: c\n",
        "%YAML 1.1\n---\nflow: f\n",
        "\ufeffflow: f\n",
        "flow: f\nsteps:\n" + "  - {id: a, send: hi}\n" * 3 + "---\n...\n",
    ]:
        check("flows/x.yaml", text)
