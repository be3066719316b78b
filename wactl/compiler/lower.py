"""AST → IR: one small function per step kind, dispatched on the step's type.

Only called when the checks found no errors, so every target exists and ids are
unique.  What each step kind's `params` hold (absent keys mean "not given"):

- send: `message`, `fallback_template`        - template: `template`
- ask: `message`, `expect` (default "text"), `save`, `retries` (default 2),
  `retry_message`, `validate`, `extract`, `timeout` (seconds)
- branch: `arms` [{if, goto}], `else`          - set: `assign` [{name, value}] (in order)
- tag/untag: `tags`                            - field: `assign` [{name, value}]
- consent: `consent`                           - call: `request` {method, url, headers, body,
  timeout, retries}, `save`                    - wait: `seconds` or `until`
- agent: `agent`, `until`, `max_turns`         - handoff: `message`, `team`
- goto: (nothing: its edge)                    - run: `flow`, `with`, `save`
- link: `flow`                                 - end: `message`

A message is {text, image, document, audio, video, caption, buttons, list}; a
customer-facing text is a template string, or {language: template} when per-language.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from pydantic import TypeAdapter

from wactl.compiler.checks.triggers import normalise
from wactl.compiler.context import Context
from wactl.compiler.graph import FlowGraph
from wactl.compiler.ir import Program, hashed
from wactl.dsl import ast

Params = dict[str, Any]
Data = dict[str, Any]
"""An IR node as JSON-shaped data, every field present, keys spelled as in the IR JSON."""
_JSON: TypeAdapter[Any] = TypeAdapter(Any)


def lower_program(ctx: Context) -> Program:
    """The whole IR, with per-flow, per-agent and bundle hashes.

    Lowering builds JSON-shaped data (what `Program.to_data()` returns) rather than
    models, so each flow is encoded once for its hash and that text is reused for the
    bundle's hash and `to_json()`; `Program.build` validates the data into models.
    """
    flows = [hashed(lower_flow(ctx.flows[fid], ctx.graphs[fid])) for fid in sorted(ctx.flows)]
    agents = [hashed(lower_agent(ctx.agents[aid])) for aid in sorted(ctx.agents)]
    return Program.build(lower_project(ctx.project), flows, agents)


def lower_project(project: ast.Project) -> Data:
    templates = {name: {"params": spec.params, "languages": list(spec.languages)}
                 for name, spec in sorted(project.templates.items())}
    return {"shop": project.shop, "language": project.language,
            "languages": list(project.languages), "timezone": project.timezone,
            "service_url": project.service_url, "templates": templates,
            "secrets": sorted(set(project.secrets)),
            "egress": {"allow_hosts": sorted(set(project.egress.allow_hosts)),
                       "allow_http": project.egress.allow_http}}


def lower_flow(flow: ast.Flow, graph: FlowGraph) -> Data:
    steps = {sid: lower_step(graph.steps[sid], graph) for sid in graph.order}
    return {"id": flow.id, "title": flow.title, "description": flow.description,
            "priority": flow.priority or 0, "trigger": lower_trigger(flow.trigger),
            "vars": _jsonable(flow.vars), "rule": flow.rule, "entry": graph.entry,
            "steps": steps}


def lower_step(step: ast.Step, graph: FlowGraph) -> Data:
    edges = [{"to": e.target, "kind": e.kind, "label": e.label} for e in graph.succ[step.id]]
    return {"kind": step.kind, "when": _expr(step.when), "max_visits": step.max_visits,
            "params": _compact(step_params(step)), "edges": edges}


# --------------------------------------------------------------------------- leaves


def normalize_keyword(text: str) -> str:
    """How keywords compare at runtime: the same folding as the WA601 conflict check
    (lowercase, no diacritics, `đ` → `d`, words only), so the IR says what is matched."""
    return normalise(text)


def _compact(params: Params) -> Params:
    """Drop keys that were not given, so the IR only says what the author said."""
    return {k: v for k, v in params.items() if v is not None and v != {} and v != []}


def _jsonable(value: Any) -> Any:
    """A JSON value from a YAML one (dates become ISO strings)."""
    return _JSON.dump_python(value, mode="json")


def _expr(node: ast.Expr | None) -> str | None:
    return None if node is None else node.src


def _tpl(node: ast.Template | None) -> str | None:
    return None if node is None else node.src


def _text(node: ast.Text | None) -> str | dict[str, str] | None:
    if node is None:
        return None
    if node.is_plain:
        return node.variants[""].src
    return {lang: tpl.src for lang, tpl in sorted(node.variants.items())}


def _float(value: float | None) -> float | None:
    """As the IR model stores it (an int read from YAML becomes a float)."""
    return None if value is None else float(value)


def _seconds(node: ast.Duration | None) -> int | None:
    return None if node is None else node.seconds


def _message(msg: ast.Message) -> Params:
    return _compact({
        "text": _text(msg.text), "image": _tpl(msg.image), "document": _tpl(msg.document),
        "audio": _tpl(msg.audio), "video": _tpl(msg.video), "caption": _text(msg.caption),
        "buttons": [_text(b) for b in msg.buttons],
        "list": _list_menu(msg.list_) if msg.list_ is not None else None,
    })


def _list_menu(menu: ast.ListMenu) -> Params:
    sections = [_compact({"title": _text(s.title), "rows": [
        _compact({"id": r.id, "title": _text(r.title), "description": _text(r.description)})
        for r in s.rows]}) for s in menu.sections]
    return {"button": _text(menu.button), "sections": sections}


def _template_ref(ref: ast.TemplateRef | None) -> Params | None:
    if ref is None:
        return None
    return _compact({"name": ref.name, "language": ref.language,
                     "params": [p.src for p in ref.params]})


def _assignments(pairs: dict[str, Any]) -> list[Params]:
    """Ordered assignments: `set: {a: 1, b: a + 1}` reads `a` after setting it."""
    return [{"name": name, "value": node.src} for name, node in pairs.items()]


# --------------------------------------------------------------------------- triggers


def lower_trigger(trigger: ast.Trigger | None) -> Data | None:
    if trigger is None:
        return None
    data: Data = {"if": _expr(trigger.if_), "kind": trigger.kind}
    if isinstance(trigger, ast.KeywordTrigger):
        data.update(keywords=list(trigger.keywords),
                    normalized=[normalize_keyword(k) for k in trigger.keywords])
    elif isinstance(trigger, ast.RegexTrigger):
        data.update(pattern=trigger.pattern)
    elif isinstance(trigger, ast.IntentTrigger):
        data.update(intent=trigger.intent, min_confidence=_float(trigger.min_confidence))
    elif isinstance(trigger, ast.EventTrigger):
        data.update(event=trigger.event)
    else:
        data.update(cron=trigger.cron, audience=_expr(trigger.audience))
    return data


# --------------------------------------------------------------------------- steps


@singledispatch
def step_params(step: ast.StepBase) -> Params:
    """The kind-specific params of a step (see the module doc for each shape)."""
    return {}


@step_params.register
def _send(step: ast.SendStep) -> Params:
    return {"message": _message(step.send),
            "fallback_template": _template_ref(step.fallback_template)}


@step_params.register
def _template(step: ast.TemplateStep) -> Params:
    return {"template": _template_ref(step.template)}


@step_params.register
def _ask(step: ast.AskStep) -> Params:
    return {"message": _message(step.ask), "expect": step.expect or "text", "save": step.save,
            "retries": 2 if step.retries is None else step.retries,
            "retry_message": _text(step.retry_message), "validate": _expr(step.validate_),
            "extract": dict(sorted(step.extract.items())), "timeout": _seconds(step.timeout)}


@step_params.register
def _branch(step: ast.BranchStep) -> Params:
    return {"arms": [{"if": arm.if_.src, "goto": arm.goto} for arm in step.branch],
            "else": step.else_}


@step_params.register
def _set(step: ast.SetStep) -> Params:
    return {"assign": _assignments(step.set)}


@step_params.register
def _tag(step: ast.TagStep) -> Params:
    return {"tags": list(step.tag)}


@step_params.register
def _untag(step: ast.UntagStep) -> Params:
    return {"tags": list(step.untag)}


@step_params.register
def _field(step: ast.FieldStep) -> Params:
    return {"assign": _assignments(step.field)}


@step_params.register
def _consent(step: ast.ConsentStep) -> Params:
    return {"consent": step.consent}


@step_params.register
def _call(step: ast.CallStep) -> Params:
    req = step.call
    request = _compact({"method": req.method.upper(), "url": req.url.src,
                        "headers": {k: v.src for k, v in sorted(req.headers.items())},
                        "timeout": _seconds(req.timeout), "retries": req.retries})
    if req.body is not None:  # an explicit `{}` body is still a body
        request["body"] = _jsonable(req.body)
    return {"request": request, "save": step.save}


@step_params.register
def _wait(step: ast.WaitStep) -> Params:
    return {"seconds": _seconds(step.wait), "until": _expr(step.until)}


@step_params.register
def _agent(step: ast.AgentStep) -> Params:
    return {"agent": step.agent, "until": _expr(step.until), "max_turns": step.max_turns}


@step_params.register
def _handoff(step: ast.HandoffStep) -> Params:
    return {"message": _text(step.handoff), "team": step.team}


@step_params.register
def _run(step: ast.RunStep) -> Params:
    return {"flow": step.run, "with": {k: v.src for k, v in sorted(step.with_.items())},
            "save": step.save}


@step_params.register
def _link(step: ast.LinkStep) -> Params:
    return {"flow": step.link}


@step_params.register
def _end(step: ast.EndStep) -> Params:
    return {"message": _text(step.end)}


# --------------------------------------------------------------------------- agents


def lower_agent(agent: ast.Agent) -> Data:
    handoff = None
    if agent.handoff is not None:
        h = agent.handoff
        handoff = {"keywords": list(h.keywords),
                   "normalized": [normalize_keyword(k) for k in h.keywords],
                   "intents": list(h.intents), "message": _text(h.message)}
    return {"id": agent.id, "model": agent.model, "tone": agent.tone,
            "language": agent.language, "constraints": list(agent.constraints),
            "prompt": _tpl(agent.prompt),
            "context_messages": 10 if agent.context_messages is None else agent.context_messages,
            "max_tokens": agent.max_tokens, "temperature": _float(agent.temperature),
            "handoff": handoff}
