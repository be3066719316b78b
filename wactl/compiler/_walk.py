"""Every expression, template and customer-facing text of a flow or agent, with where it sits.

Checks that look at "all the expressions" (syntax, root fields, variable reads,
WhatsApp limits, languages) walk the same places; listing them here once means a new
step key is added to one function, not to five checks.  A `Site` names the owning step
(`""` for the trigger) and the role of the node (`when`, `set.total`, `call.url`, ...)
so the dataflow check can tell guard reads from ordinary ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from wactl.dsl import ast


class Site(NamedTuple):
    """One Expr/Template/Text node: owning step id (`""` = trigger/agent) and its role.

    A named tuple: one is made per expression and template per compile (a frozen
    dataclass is 4x slower to make).
    """

    owner: str
    role: str
    node: ast.Expr | ast.Template | ast.Text


# --------------------------------------------------------------------------- texts


def message_texts(msg: ast.Message) -> Iterator[tuple[str, ast.Text]]:
    """The customer-facing texts of a message, with their role (`text`, `button`, ...)."""
    if msg.text is not None:
        yield "text", msg.text
    if msg.caption is not None:
        yield "caption", msg.caption
    for button in msg.buttons:
        yield "button", button
    if msg.list_ is not None:
        yield "list.button", msg.list_.button
        for section in msg.list_.sections:
            if section.title is not None:
                yield "section.title", section.title
            for row in section.rows:
                yield "row.title", row.title
                if row.description is not None:
                    yield "row.description", row.description


def message_media(msg: ast.Message) -> Iterator[tuple[str, ast.Template]]:
    """The media URL templates of a message."""
    if msg.image is not None:
        yield "image", msg.image
    if msg.document is not None:
        yield "document", msg.document
    if msg.audio is not None:
        yield "audio", msg.audio
    if msg.video is not None:
        yield "video", msg.video


def step_texts(step: ast.Step) -> Iterator[tuple[str, ast.Text]]:
    """Every customer-facing Text of one step.

    Here and below, steps are told apart by `kind` first: a string comparison, where an
    isinstance of a pydantic model that fails goes through ABCMeta (these walks run for
    every step of every compile); the isinstance after it (true: a fast exact-type
    check) is what mypy narrows on.
    """
    kind = step.kind
    if kind == "send" and isinstance(step, ast.SendStep):
        yield from message_texts(step.send)
    elif kind == "ask" and isinstance(step, ast.AskStep):
        yield from message_texts(step.ask)
        if step.retry_message is not None:
            yield "retry_message", step.retry_message
    elif kind == "handoff" and isinstance(step, ast.HandoffStep):
        if step.handoff is not None:
            yield kind, step.handoff
    elif kind == "end" and isinstance(step, ast.EndStep):
        if step.end is not None:
            yield kind, step.end


def flow_texts(flow: ast.Flow) -> Iterator[tuple[ast.Step, str, ast.Text]]:
    """Every customer-facing Text of a flow with its step."""
    for step in flow.steps:
        for role, text in step_texts(step):
            yield step, role, text


# --------------------------------------------------------------------------- expressions


def trigger_exprs(trigger: ast.Trigger | None) -> Iterator[tuple[str, ast.Expr]]:
    """The trigger's `if` and a schedule's audience."""
    if trigger is None:
        return
    if trigger.if_ is not None:
        yield "trigger.if", trigger.if_
    if isinstance(trigger, ast.ScheduleTrigger) and trigger.audience is not None:
        yield "trigger.audience", trigger.audience


def step_exprs(step: ast.Step) -> Iterator[tuple[str, ast.Expr]]:
    """Every Expr of one step (`when` first: it is evaluated before the step runs)."""
    if step.when is not None:
        yield "when", step.when
    kind = step.kind
    if kind == "branch" and isinstance(step, ast.BranchStep):
        for arm in step.branch:
            yield "branch.if", arm.if_
    elif kind == "set" and isinstance(step, ast.SetStep):
        for key, value in step.set.items():
            yield f"set.{key}", value
    elif kind == "ask" and isinstance(step, ast.AskStep):
        if step.validate_ is not None:
            yield "validate", step.validate_
    elif (kind == "wait" or kind == "agent") and isinstance(step, ast.WaitStep | ast.AgentStep):
        if step.until is not None:
            yield "until", step.until
    elif kind == "run" and isinstance(step, ast.RunStep):
        for key, value in step.with_.items():
            yield f"with.{key}", value


def json_strings(value: Any) -> Iterator[str]:
    """The string leaves of a JSON value (an HTTP body), in document order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def step_templates(step: ast.Step) -> Iterator[tuple[str, ast.Template]]:
    """Every Template of one step, including those inside its Texts (body leaves excluded:
    they carry no node of their own, see `json_strings`)."""
    for role, text in step_texts(step):
        for template in text.variants.values():
            yield role, template
    kind = step.kind
    if kind == "send" and isinstance(step, ast.SendStep):
        yield from message_media(step.send)
        if step.fallback_template is not None:
            yield from (("template.param", p) for p in step.fallback_template.params)
    elif kind == "ask" and isinstance(step, ast.AskStep):
        yield from message_media(step.ask)
    elif kind == "template" and isinstance(step, ast.TemplateStep):
        yield from (("template.param", p) for p in step.template.params)
    elif kind == "call" and isinstance(step, ast.CallStep):
        yield "call.url", step.call.url
        yield from ((f"call.header.{k}", v) for k, v in step.call.headers.items())
    elif kind == "field" and isinstance(step, ast.FieldStep):
        yield from ((f"field.{k}", v) for k, v in step.field.items())


def step_sites(step: ast.Step) -> list[Site]:
    """Every Expr of one step, then every Template (see `Context.step_sites`)."""
    sid = step.id
    sites = [Site(sid, role, expr) for role, expr in step_exprs(step)]
    sites.extend([Site(sid, role, template) for role, template in step_templates(step)])
    return sites


def flow_sites(flow: ast.Flow) -> Iterator[Site]:
    """Every Expr and Template of a flow (trigger first, then steps in order)."""
    for role, expr in trigger_exprs(flow.trigger):
        yield Site("", role, expr)
    for step in flow.steps:
        yield from step_sites(step)


def agent_templates(agent: ast.Agent) -> Iterator[tuple[str, ast.Template]]:
    """The agent's prompt and handoff message templates."""
    if agent.prompt is not None:
        yield "prompt", agent.prompt
    if agent.handoff is not None and agent.handoff.message is not None:
        for template in agent.handoff.message.variants.values():
            yield "handoff", template

