"""YAML → AST for the files that are not flows: agent personas and `wactl.yaml`.

Keys that are absent stay absent (the model's default applies), so `wactl fmt` never
invents keys the merchant did not write.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from wactl.diagnostics import Span
from wactl.dsl import ast
from wactl.dsl.yaml._read import FLOW_ID, NULL, Pairs, Reader, opt
from wactl.dsl.yaml._text import template, text

AGENT_KEYS = ("agent", "model", "tone", "language", "constraints", "prompt",
              "context_messages", "max_tokens", "temperature", "handoff")
PROJECT_KEYS = ("shop", "language", "languages", "timezone", "time_zone", "service_url",
                "paths", "templates", "secrets", "egress")
EGRESS_KEYS = ("allow_hosts", "allow_http")


def present(fields: dict[str, Any]) -> dict[str, Any]:
    """Only the keys that were written (and read cleanly)."""
    return {k: v for k, v in fields.items() if v is not None}


def agent(r: Reader, node: Node, pairs: Pairs, comments: list[str]) -> ast.Agent | None:
    r.check_keys(pairs, AGENT_KEYS, "an agent")
    id_node = r.require(pairs, "agent", node, "an agent")
    agent_id = None if id_node is None else r.identifier(id_node, "agent id", FLOW_ID)
    fields = present({
        "model": opt(r, pairs, "model", Reader.string),
        "tone": opt(r, pairs, "tone", _tone),
        "language": opt(r, pairs, "language", Reader.string),
        "constraints": opt(r, pairs, "constraints", Reader.strings),
        "prompt": opt(r, pairs, "prompt", template),
        "context_messages": opt(r, pairs, "context_messages", Reader.integer),
        "max_tokens": opt(r, pairs, "max_tokens", _positive),
        "temperature": opt(r, pairs, "temperature", _temperature),
        "handoff": opt(r, pairs, "handoff", _agent_handoff),
    })
    if agent_id is None:
        return None
    fields.update(id=agent_id, span=r.span(node), comments=comments)
    return ast.Agent.model_validate(fields)


def _tone(r: Reader, node: Node, what: str) -> str | None:
    return r.choice(node, what, ast.TONES)


def _positive(r: Reader, node: Node, what: str) -> int | None:
    return r.integer(node, what, minimum=1)


def _temperature(r: Reader, node: Node, what: str) -> float | None:
    value = r.number(node, what)
    if value is not None and not 0.0 <= value <= 2.0:
        r.wrong(node, what, "a number from 0 to 2")
        return None
    return value


def _agent_handoff(r: Reader, node: Node, what: str) -> ast.AgentHandoff | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, ("keywords", "intents", "message"), "an agent's `handoff`")
    fields = present({
        "keywords": opt(r, pairs, "keywords", Reader.strings),
        "intents": opt(r, pairs, "intents", Reader.strings),
        "message": opt(r, pairs, "message", text),
    })
    return ast.AgentHandoff.model_validate({**fields, "span": r.span(node)})


# --------------------------------------------------------------------------- project


def project(r: Reader, node: Node | None) -> ast.Project:
    """`wactl.yaml`; an empty file means all defaults."""
    if node is None:
        return ast.Project(span=Span(r.path))
    pairs = r.mapping(node, "wactl.yaml")
    if pairs is None:
        return ast.Project(span=r.span(node))
    r.check_keys(pairs, PROJECT_KEYS, "wactl.yaml")
    zone = pairs.get("timezone") or pairs.get("time_zone")
    if "timezone" in pairs and "time_zone" in pairs:
        r.error("WA112", "give the time zone once, as `timezone`", pairs["time_zone"][0])
    fields = present({
        "shop": opt(r, pairs, "shop", Reader.string),
        "language": opt(r, pairs, "language", Reader.string),
        "languages": opt(r, pairs, "languages", Reader.strings),
        "timezone": None if zone is None else r.string(zone[1], "timezone"),
        "service_url": opt(r, pairs, "service_url", Reader.string),
        "paths": opt(r, pairs, "paths", _paths),
        "templates": opt(r, pairs, "templates", _templates),
        "secrets": opt(r, pairs, "secrets", Reader.strings),
        "egress": opt(r, pairs, "egress", _egress),
    })
    written = ["timezone" if name == "time_zone" else name for name in pairs]
    spans = {key: r.span(value) for key, (_, value) in pairs.items()}
    if "time_zone" in spans:
        spans.setdefault("timezone", spans["time_zone"])
    return ast.Project.model_validate({**fields, "span": r.span(node), "written": written,
                                       "key_spans": spans})


def _paths(r: Reader, node: Node, what: str) -> ast.ProjectPaths | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, ("flows", "agents", "tests"), "`paths`")
    fields = {name: r.strings(value, f"paths.{name}") for name, (_, value) in pairs.items()
              if name in ("flows", "agents", "tests")}
    return ast.ProjectPaths.model_validate({**present(fields), "span": r.span(node),
                                            "written": list(fields)})


def _egress(r: Reader, node: Node, what: str) -> ast.Egress | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, EGRESS_KEYS, "`egress`")
    hosts = opt(r, pairs, "allow_hosts", Reader.strings)
    fields = present({
        "allow_hosts": None if hosts is None else [h.strip().rstrip(".").lower() for h in hosts],
        "allow_http": opt(r, pairs, "allow_http", Reader.boolean),
    })
    return ast.Egress.model_validate({**fields, "span": r.span(node)})


def _templates(r: Reader, node: Node, what: str) -> dict[str, ast.TemplateSpec] | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    out: dict[str, ast.TemplateSpec] = {}
    for name, (_, value) in pairs.items():
        spec = _template_spec(r, value, f"templates.{name}")
        if spec is not None:
            out[name] = spec
    return out


def _template_spec(r: Reader, node: Node, what: str) -> ast.TemplateSpec | None:
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return ast.TemplateSpec(span=r.span(node))
    if not isinstance(node, MappingNode):
        r.wrong(node, what, "a mapping like {params: 2, languages: [vi, en]}")
        return None
    pairs = r.mapping(node, what) or {}
    r.check_keys(pairs, ("params", "languages"), f"`{what}`")
    fields = present({
        "params": opt(r, pairs, "params", Reader.integer),
        "languages": opt(r, pairs, "languages", Reader.strings),
    })
    return ast.TemplateSpec.model_validate({**fields, "span": r.span(node)})
