"""AST → IR: one small function per step kind, dispatched on the step's type.

Only called when the checks found no errors, so every target exists and ids are
unique.  Lowering builds the typed IR models of `wactl.compiler.ir` (one per step kind,
with its own params), so mypy checks this side of the compiler/runtime contract as it
checks the engine's.  Every param is passed, given or not: a model leaves the ones not
given (None, empty) out of its JSON, so the IR only says what the author said.

A message is {text, image, document, audio, video, caption, buttons, list}; a
customer-facing text is a template string, or {language: template} when per-language.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any, TypedDict

from pydantic import TypeAdapter

from wactl.compiler import ir
from wactl.compiler.checks.triggers import normalise
from wactl.compiler.context import Context
from wactl.compiler.graph import FlowGraph
from wactl.compiler.ir import IREdge, Program, hashed_node
from wactl.dsl import ast

_JSON: TypeAdapter[Any] = TypeAdapter(Any)


def lower_program(ctx: Context) -> Program:
    """The whole IR, with per-flow, per-agent and bundle hashes.

    Each flow and agent is encoded once, for its hash; that text is reused for the
    bundle's hash and `to_json()` (see `Program.build`).
    """
    flows = [hashed_node(lower_flow(ctx.flows[fid], ctx.graphs[fid])) for fid in sorted(ctx.flows)]
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
    steps = {sid: lower_step(graph.steps[sid], graph) for sid in graph.order}
    return ir.IRFlow(id=flow.id, title=flow.title, description=flow.description,
                     priority=flow.priority or 0, trigger=lower_trigger(flow.trigger),
                     vars=_jsonable(flow.vars), rule=flow.rule, entry=graph.entry, steps=steps)


def lower_step(step: ast.Step, graph: FlowGraph) -> ir.AnyStep:
    edges = [IREdge(to=e.target, kind=e.kind, label=e.label) for e in graph.succ[step.id]]
    return step_node(step, Head(when=_expr(step.when), max_visits=step.max_visits, edges=edges))


# --------------------------------------------------------------------------- leaves


def normalize_keyword(text: str) -> str:
    """How keywords compare at runtime: the same folding as the WA601 conflict check
    (lowercase, no diacritics, `đ` → `d`, words only), so the IR says what is matched."""
    return normalise(text)


def _jsonable(value: Any) -> Any:
    """A JSON value from a YAML one (dates become ISO strings)."""
    return _JSON.dump_python(value, mode="json")


def _expr(node: ast.Expr | None) -> str | None:
    return None if node is None else node.src


def _tpl(node: ast.Template | None) -> str | None:
    return None if node is None else node.src


def _text(node: ast.Text | None) -> ir.Text | None:
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


def _message(msg: ast.Message) -> ir.IRMessage:
    return ir.IRMessage(
        text=_text(msg.text), image=_tpl(msg.image), document=_tpl(msg.document),
        audio=_tpl(msg.audio), video=_tpl(msg.video), caption=_text(msg.caption),
        buttons=[b for b in map(_text, msg.buttons) if b is not None],
        list_=_list_menu(msg.list_) if msg.list_ is not None else None)


def _list_menu(menu: ast.ListMenu) -> ir.IRListMenu:
    sections = [ir.IRListSection(title=_text(s.title), rows=[
        ir.IRListRow(id=r.id, title=_text(r.title), description=_text(r.description))
        for r in s.rows]) for s in menu.sections]
    return ir.IRListMenu(button=_text(menu.button), sections=sections)


def _template_ref(ref: ast.TemplateRef) -> ir.IRTemplateRef:
    return ir.IRTemplateRef(name=ref.name, language=ref.language,
                            params=[p.src for p in ref.params])


def _fallback(ref: ast.TemplateRef | None) -> ir.IRTemplateRef | None:
    return None if ref is None else _template_ref(ref)


def _assignments(pairs: dict[str, Any]) -> list[ir.IRAssign]:
    """Ordered assignments: `set: {a: 1, b: a + 1}` reads `a` after setting it."""
    return [ir.IRAssign(name=name, value=node.src) for name, node in pairs.items()]


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


class Head(TypedDict):
    """What every step has besides its params."""

    when: str | None
    max_visits: int | None
    edges: list[IREdge]


@singledispatch
def step_node(step: ast.StepBase, h: Head) -> ir.AnyStep:
    """The typed IR step of an AST step: one model per kind (see `wactl.compiler.ir`)."""
    raise TypeError(f"no IR step for {type(step).__name__}")


@step_node.register
def _goto(step: ast.GotoStep, h: Head) -> ir.AnyStep:
    return ir.IRGotoStep(**h)


@step_node.register
def _send(step: ast.SendStep, h: Head) -> ir.AnyStep:
    return ir.IRSendStep(**h, params=ir.IRSendParams(
        message=_message(step.send), fallback_template=_fallback(step.fallback_template)))


@step_node.register
def _template(step: ast.TemplateStep, h: Head) -> ir.AnyStep:
    return ir.IRTemplateStep(**h, params=ir.IRTemplateParams(
        template=_template_ref(step.template)))


@step_node.register
def _ask(step: ast.AskStep, h: Head) -> ir.AnyStep:
    return ir.IRAskStep(**h, params=ir.IRAskParams(
        message=_message(step.ask), expect=step.expect or "text", save=step.save,
        retries=2 if step.retries is None else step.retries,
        retry_message=_text(step.retry_message), validate_=_expr(step.validate_),
        extract=dict(sorted(step.extract.items())), timeout=_seconds(step.timeout)))


@step_node.register
def _branch(step: ast.BranchStep, h: Head) -> ir.AnyStep:
    arms = [ir.IRArm(if_=arm.if_.src, goto=arm.goto) for arm in step.branch]
    return ir.IRBranchStep(**h, params=ir.IRBranchParams(arms=arms, else_=step.else_))


@step_node.register
def _set(step: ast.SetStep, h: Head) -> ir.AnyStep:
    return ir.IRSetStep(**h, params=ir.IRAssignParams(assign=_assignments(step.set)))


@step_node.register
def _tag(step: ast.TagStep, h: Head) -> ir.AnyStep:
    return ir.IRTagStep(**h, params=ir.IRTagsParams(tags=list(step.tag)))


@step_node.register
def _untag(step: ast.UntagStep, h: Head) -> ir.AnyStep:
    return ir.IRUntagStep(**h, params=ir.IRTagsParams(tags=list(step.untag)))


@step_node.register
def _field(step: ast.FieldStep, h: Head) -> ir.AnyStep:
    return ir.IRFieldStep(**h, params=ir.IRAssignParams(assign=_assignments(step.field)))


@step_node.register
def _consent(step: ast.ConsentStep, h: Head) -> ir.AnyStep:
    return ir.IRConsentStep(**h, params=ir.IRConsentParams(consent=step.consent))


@step_node.register
def _call(step: ast.CallStep, h: Head) -> ir.AnyStep:
    req = step.call
    request = ir.IRRequest(
        method=req.method.upper(), url=req.url.src,
        headers={k: v.src for k, v in sorted(req.headers.items())},
        timeout=_seconds(req.timeout), retries=req.retries,
        body=None if req.body is None else _jsonable(req.body))  # `{}` is still a body
    return ir.IRCallStep(**h, params=ir.IRCallParams(request=request, save=step.save))


@step_node.register
def _wait(step: ast.WaitStep, h: Head) -> ir.AnyStep:
    return ir.IRWaitStep(**h, params=ir.IRWaitParams(seconds=_seconds(step.wait),
                                                     until=_expr(step.until)))


@step_node.register
def _agent(step: ast.AgentStep, h: Head) -> ir.AnyStep:
    return ir.IRAgentStep(**h, params=ir.IRAgentParams(
        agent=step.agent, until=_expr(step.until), max_turns=step.max_turns))


@step_node.register
def _handoff(step: ast.HandoffStep, h: Head) -> ir.AnyStep:
    return ir.IRHandoffStep(**h, params=ir.IRHandoffParams(message=_text(step.handoff),
                                                           team=step.team))


@step_node.register
def _run(step: ast.RunStep, h: Head) -> ir.AnyStep:
    args = {k: v.src for k, v in sorted(step.with_.items())}
    return ir.IRRunStep(**h, params=ir.IRRunParams(flow=step.run, with_=args, save=step.save))


@step_node.register
def _link(step: ast.LinkStep, h: Head) -> ir.AnyStep:
    return ir.IRLinkStep(**h, params=ir.IRLinkParams(flow=step.link))


@step_node.register
def _end(step: ast.EndStep, h: Head) -> ir.AnyStep:
    return ir.IREndStep(**h, params=ir.IREndParams(message=_text(step.end)))



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
