"""AST → IR: one small function per step kind, dispatched on the step's type.

Only called when the checks found no errors, so every target exists and ids are
unique.  Each flow is lowered straight to its canonical JSON-shaped data (the dict
`IRFlow.to_data()` would give): a param the author did not give (None, empty) is left
out, so the IR only says what the author said.  That one dict is encoded once for the
hash and the program's text, and pydantic builds the typed IR models of
`wactl.compiler.ir` from it (in Rust, as `Program.from_json` does), which also checks
this side of the compiler/runtime contract against the models on every compile.
Building the models in Python first and dumping them again cost twice as much.

A message is {text, image, document, audio, video, caption, buttons, list}; a
customer-facing text is a template string, or {language: template} when per-language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from wactl.compiler import ir
from wactl.compiler.checks.triggers import normalise
from wactl.compiler.context import Context
from wactl.compiler.graph import FlowGraph
from wactl.compiler.ir import Program, hashed_data, hashed_node
from wactl.dsl import ast

_JSON: TypeAdapter[Any] = TypeAdapter(Any)
Data = dict[str, Any]


def lower_program(ctx: Context) -> Program:
    """The whole IR, with per-flow, per-agent and bundle hashes.

    Each flow and agent is encoded once, for its hash; that text is reused for the
    bundle's hash and `to_json()` (see `Program.build`).
    """
    flows = [hashed_data(ir.IRFlow, flow_data(ctx.flows[fid], ctx.graphs[fid]))
             for fid in sorted(ctx.flows)]
    agents = [hashed_node(lower_agent(ctx.agents[aid])) for aid in sorted(ctx.agents)]
    return Program.build(lower_project(ctx.project), flows, agents)


def lower_project(project: ast.Project) -> ir.IRProject:
    templates = {name: ir.IRTemplateSpec(params=spec.params, languages=list(spec.languages))
                 for name, spec in sorted(project.templates.items())}
    return ir.IRProject(shop=project.shop, language=project.language,
                        languages=list(project.languages), timezone=project.timezone,
                        service_url=project.service_url, templates=templates,
                        secrets=sorted(set(project.secrets)),
                        egress=ir.IREgress(allow_hosts=sorted(set(project.egress.allow_hosts)),
                                           allow_http=project.egress.allow_http))


def lower_flow(flow: ast.Flow, graph: FlowGraph) -> ir.IRFlow:
    """The IR of one flow, without its hash (see `lower_program`)."""
    return ir.IRFlow.model_validate(flow_data(flow, graph))


def flow_data(flow: ast.Flow, graph: FlowGraph) -> Data:
    """The canonical data of one flow: what `IRFlow.to_data()` gives, hash left out."""
    trigger = lower_trigger(flow.trigger)
    return {"id": flow.id, "title": flow.title, "description": flow.description,
            "priority": flow.priority or 0,
            "trigger": None if trigger is None else trigger.to_data(),
            "vars": _jsonable(flow.vars), "rule": flow.rule, "entry": graph.entry,
            "steps": {sid: step_data(graph.steps[sid], graph) for sid in graph.order}}


def step_data(step: ast.Step, graph: FlowGraph) -> Data:
    """One step's data: kind, `when`, `max_visits`, edges and its kind's params."""
    edges = [{"to": e.target, "kind": e.kind, "label": e.label} for e in graph.succ[step.id]]
    return {"kind": step.kind, "when": _expr(step.when), "max_visits": step.max_visits,
            "edges": edges, "params": _params(step)}


# --------------------------------------------------------------------------- leaves


def normalize_keyword(text: str) -> str:
    """How keywords compare at runtime: the same folding as the WA601 conflict check
    (lowercase, no diacritics, `đ` → `d`, words only), so the IR says what is matched."""
    return normalise(text)


def _jsonable(value: Any) -> Any:
    """A JSON value from a YAML one (dates become ISO strings)."""
    return _JSON.dump_python(value, mode="json")


def _given(data: Data, key: str, value: Any) -> None:
    """Set an optional param only when the author gave it (`ir.Omit`: not None or empty)."""
    if value is not None and value != [] and value != {}:
        data[key] = value


def _expr(node: ast.Expr | None) -> str | None:
    return None if node is None else node.src


def _tpl(node: ast.Template | None) -> str | None:
    return None if node is None else node.src


def _text(node: ast.Text | None) -> ir.Text | None:
    if node is None:
        return None
    variants = node.variants
    if len(variants) == 1 and "" in variants:
        return variants[""].src
    return {lang: tpl.src for lang, tpl in sorted(variants.items())}


def _float(value: float | None) -> float | None:
    """As the IR model stores it (an int read from YAML becomes a float)."""
    return None if value is None else float(value)


def _seconds(node: ast.Duration | None) -> int | None:
    return None if node is None else node.seconds


def _message(msg: ast.Message) -> Data:
    data: Data = {}
    _given(data, "text", _text(msg.text))
    if msg.image is not None:
        data["image"] = msg.image.src
    if msg.document is not None:
        data["document"] = msg.document.src
    if msg.audio is not None:
        data["audio"] = msg.audio.src
    if msg.video is not None:
        data["video"] = msg.video.src
    _given(data, "caption", _text(msg.caption))
    _given(data, "buttons", [b for b in map(_text, msg.buttons) if b is not None])
    if msg.list_ is not None:
        _given(data, "list", _list_menu(msg.list_))
    return data


def _list_menu(menu: ast.ListMenu) -> Data:
    """The list's data; empty (so left out) when it has neither a button nor sections."""
    button, sections = _text(menu.button), [_section(s) for s in menu.sections]
    if (button is None or button == {}) and not sections:
        return {}
    return {"button": button, "sections": sections}


def _section(section: ast.ListSection) -> Data:
    data: Data = {}
    _given(data, "title", _text(section.title))
    _given(data, "rows", [_row(r) for r in section.rows])
    return data


def _row(row: ast.ListRow) -> Data:
    data: Data = {"id": row.id}
    _given(data, "title", _text(row.title))
    _given(data, "description", _text(row.description))
    return data


def _template_ref(ref: ast.TemplateRef) -> Data:
    data: Data = {"name": ref.name}
    _given(data, "language", ref.language)
    _given(data, "params", [p.src for p in ref.params])
    return data


def _assignments(pairs: dict[str, Any]) -> Data:
    """Ordered assignments: `set: {a: 1, b: a + 1}` reads `a` after setting it."""
    data: Data = {}
    _given(data, "assign", [{"name": name, "value": node.src} for name, node in pairs.items()])
    return data


# --------------------------------------------------------------------------- triggers


def lower_trigger(trigger: ast.Trigger | None) -> ir.AnyTrigger | None:
    if trigger is None:
        return None
    cond = _expr(trigger.if_)
    if isinstance(trigger, ast.KeywordTrigger):
        return ir.IRKeywordTrigger(if_=cond, keywords=list(trigger.keywords),
                                   normalized=[normalize_keyword(k) for k in trigger.keywords])
    if isinstance(trigger, ast.RegexTrigger):
        return ir.IRRegexTrigger(if_=cond, pattern=trigger.pattern)
    if isinstance(trigger, ast.IntentTrigger):
        return ir.IRIntentTrigger(if_=cond, intent=trigger.intent,
                                  min_confidence=_float(trigger.min_confidence))
    if isinstance(trigger, ast.EventTrigger):
        return ir.IREventTrigger(if_=cond, event=trigger.event)
    return ir.IRScheduleTrigger(if_=cond, cron=trigger.cron, audience=_expr(trigger.audience))


# --------------------------------------------------------------------------- steps
# One function per kind: the params of `ir.IR<Kind>Params` as data, absent ones left out.


def _send(step: ast.SendStep) -> Data:
    data: Data = {}
    _given(data, "message", _message(step.send))
    if step.fallback_template is not None:
        data["fallback_template"] = _template_ref(step.fallback_template)
    return data


def _template(step: ast.TemplateStep) -> Data:
    return {"template": _template_ref(step.template)}


def _ask(step: ast.AskStep) -> Data:
    data: Data = {"expect": step.expect or "text",
                  "retries": 2 if step.retries is None else step.retries}
    _given(data, "message", _message(step.ask))
    _given(data, "save", step.save)
    _given(data, "retry_message", _text(step.retry_message))
    _given(data, "validate", _expr(step.validate_))
    _given(data, "extract", dict(sorted(step.extract.items())))
    _given(data, "timeout", _seconds(step.timeout))
    return data


def _branch(step: ast.BranchStep) -> Data:
    data: Data = {}
    _given(data, "arms", [{"if": arm.if_.src, "goto": arm.goto} for arm in step.branch])
    _given(data, "else", step.else_)
    return data


def _set(step: ast.SetStep) -> Data:
    return _assignments(step.set)


def _tag(step: ast.TagStep) -> Data:
    data: Data = {}
    _given(data, "tags", list(step.tag))
    return data


def _untag(step: ast.UntagStep) -> Data:
    data: Data = {}
    _given(data, "tags", list(step.untag))
    return data


def _field(step: ast.FieldStep) -> Data:
    return _assignments(step.field)


def _consent(step: ast.ConsentStep) -> Data:
    return {"consent": step.consent}


def _call(step: ast.CallStep) -> Data:
    req = step.call
    request: Data = {"method": req.method.upper(), "url": req.url.src}
    _given(request, "headers", {k: v.src for k, v in sorted(req.headers.items())})
    _given(request, "timeout", _seconds(req.timeout))
    _given(request, "retries", req.retries)
    if req.body is not None:  # `{}` is still a body
        request["body"] = _jsonable(req.body)
    data: Data = {"request": request}
    _given(data, "save", step.save)
    return data


def _wait(step: ast.WaitStep) -> Data:
    data: Data = {}
    _given(data, "seconds", _seconds(step.wait))
    _given(data, "until", _expr(step.until))
    return data


def _agent(step: ast.AgentStep) -> Data:
    data: Data = {"agent": step.agent}
    _given(data, "until", _expr(step.until))
    _given(data, "max_turns", step.max_turns)
    return data


def _handoff(step: ast.HandoffStep) -> Data:
    data: Data = {}
    _given(data, "message", _text(step.handoff))
    _given(data, "team", step.team)
    return data


def _goto(step: ast.GotoStep) -> Data:
    return {}


def _run(step: ast.RunStep) -> Data:
    data: Data = {"flow": step.run}
    _given(data, "with", {k: v.src for k, v in sorted(step.with_.items())})
    _given(data, "save", step.save)
    return data


def _link(step: ast.LinkStep) -> Data:
    return {"flow": step.link}


def _end(step: ast.EndStep) -> Data:
    data: Data = {}
    _given(data, "message", _text(step.end))
    return data


_PARAMS: dict[type[Any], Callable[[Any], Data]] = {
    ast.SendStep: _send, ast.TemplateStep: _template, ast.AskStep: _ask,
    ast.BranchStep: _branch, ast.SetStep: _set, ast.TagStep: _tag, ast.UntagStep: _untag,
    ast.FieldStep: _field, ast.ConsentStep: _consent, ast.CallStep: _call,
    ast.WaitStep: _wait, ast.AgentStep: _agent, ast.HandoffStep: _handoff,
    ast.GotoStep: _goto, ast.RunStep: _run, ast.LinkStep: _link, ast.EndStep: _end,
}
"""The params of each AST step class."""


def _params(step: ast.Step) -> Data:
    """The step's params, found by its exact class (a subclass by its nearest base)."""
    found = _PARAMS.get(type(step))
    if found is None:
        found = next((_PARAMS[c] for c in type(step).__mro__ if c in _PARAMS), None)
        if found is None:
            raise TypeError(f"no IR step for {type(step).__name__}")
    return found(step)


# --------------------------------------------------------------------------- agents


def lower_agent(agent: ast.Agent) -> ir.IRAgent:
    handoff = None
    if agent.handoff is not None:
        h = agent.handoff
        handoff = ir.IRAgentHandoff(keywords=list(h.keywords),
                                    normalized=[normalize_keyword(k) for k in h.keywords],
                                    intents=list(h.intents), message=_text(h.message))
    return ir.IRAgent(
        id=agent.id, model=agent.model, tone=agent.tone, language=agent.language,
        constraints=list(agent.constraints), prompt=_tpl(agent.prompt),
        context_messages=10 if agent.context_messages is None else agent.context_messages,
        max_tokens=agent.max_tokens, temperature=_float(agent.temperature), handoff=handoff)
