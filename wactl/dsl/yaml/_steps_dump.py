"""AST → emitter tree for steps and the texts and messages they carry.

The key order of a step is `id`, its kind key, that kind's keys in LANGUAGE.md's order,
then `when`, `next`, `max_visits`; keys holding their default are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wactl.dsl import ast
from wactl.dsl.durations import format_duration as duration_text
from wactl.dsl.yaml._emit import Raw, json_tree

Tree = dict[str, Any]
_EMPTY = Raw("")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def expr_tree(expr: ast.Expr) -> Any:
    """An expression; literals YAML reads back as the same source are written bare (`5`)."""
    src = expr.src
    return Raw(src) if src in ("true", "false", "null") or _NUMBER.fullmatch(src) else src


def text_tree(text: ast.Text) -> Any:
    """`"Hi"` for plain text, `{vi: ..., en: ...}` per language."""
    if text.is_plain:
        return text.variants[""].src
    return {lang: template.src for lang, template in text.variants.items()}


def message_tree(message: ast.Message) -> Any:
    if message.is_plain and message.text is not None and message.text.is_plain:
        return text_tree(message.text)
    tree: Tree = {}
    if message.text is not None:
        tree["text"] = text_tree(message.text)
    for name in ("image", "document", "audio", "video"):
        media: ast.Template | None = getattr(message, name)
        if media is not None:
            tree[name] = media.src
    if message.caption is not None:
        tree["caption"] = text_tree(message.caption)
    if message.buttons:
        tree["buttons"] = [text_tree(b) for b in message.buttons]
    if message.list_ is not None:
        tree["list"] = _list_menu(message.list_)
    return tree


def _list_menu(menu: ast.ListMenu) -> Tree:
    return {"button": text_tree(menu.button),
            "sections": [_section(s) for s in menu.sections]}


def _section(section: ast.ListSection) -> Tree:
    tree: Tree = {}
    if section.title is not None:
        tree["title"] = text_tree(section.title)
    tree["rows"] = [_row(r) for r in section.rows]
    return tree


def _row(row: ast.ListRow) -> Tree:
    tree: Tree = {"id": row.id, "title": text_tree(row.title)}
    if row.description is not None:
        tree["description"] = text_tree(row.description)
    return tree


def template_ref_tree(ref: ast.TemplateRef) -> Any:
    if ref.language is None and not ref.params:
        return ref.name
    tree: Tree = {"name": ref.name}
    if ref.language is not None:
        tree["language"] = ref.language
    if ref.params:
        tree["params"] = [p.src for p in ref.params]
    return tree


def duration(value: ast.Duration) -> str:
    return duration_text(value.seconds)


def step_tree(step: ast.StepBase) -> Tree:
    tree: Tree = {"id": step.id}
    _KINDS[type(step)](step, tree)
    if step.when is not None:
        tree["when"] = expr_tree(step.when)
    if step.next is not None:
        tree["next"] = step.next
    if step.max_visits is not None:
        tree["max_visits"] = Raw(str(step.max_visits))
    return tree


def _opt(tree: Tree, key: str, value: Any, convert: Callable[[Any], Any] = str) -> None:
    if value is not None:
        tree[key] = convert(value)


def _send(step: ast.SendStep, tree: Tree) -> None:
    tree["send"] = message_tree(step.send)
    _opt(tree, "fallback_template", step.fallback_template, template_ref_tree)


def _template(step: ast.TemplateStep, tree: Tree) -> None:
    tree["template"] = template_ref_tree(step.template)


def _ask(step: ast.AskStep, tree: Tree) -> None:
    tree["ask"] = message_tree(step.ask)
    _opt(tree, "expect", step.expect)
    _opt(tree, "save", step.save)
    _opt(tree, "retries", step.retries, lambda n: Raw(str(n)))
    _opt(tree, "retry_message", step.retry_message, text_tree)
    _opt(tree, "on_fail", step.on_fail)
    _opt(tree, "validate", step.validate_, expr_tree)
    if step.extract:
        tree["extract"] = dict(step.extract)
    _opt(tree, "timeout", step.timeout, duration)
    _opt(tree, "on_timeout", step.on_timeout)


def _branch(step: ast.BranchStep, tree: Tree) -> None:
    arms: list[Tree] = [{"if": expr_tree(arm.if_), "goto": arm.goto} for arm in step.branch]
    if step.else_ is not None:
        arms.append({"else": step.else_})
    tree["branch"] = arms


def _set(step: ast.SetStep, tree: Tree) -> None:
    tree["set"] = {name: expr_tree(e) for name, e in step.set.items()}


def _tag(step: ast.TagStep, tree: Tree) -> None:
    tree["tag"] = list(step.tag)


def _untag(step: ast.UntagStep, tree: Tree) -> None:
    tree["untag"] = list(step.untag)


def _field(step: ast.FieldStep, tree: Tree) -> None:
    tree["field"] = {name: t.src for name, t in step.field.items()}


def _consent(step: ast.ConsentStep, tree: Tree) -> None:
    tree["consent"] = step.consent


def _call(step: ast.CallStep, tree: Tree) -> None:
    call = step.call
    request: Tree = {"method": call.method, "url": call.url.src}
    if call.headers:
        request["headers"] = {name: t.src for name, t in call.headers.items()}
    if call.body is not None:
        request["body"] = json_tree(call.body)
    _opt(request, "timeout", call.timeout, duration)
    _opt(request, "retries", call.retries, lambda n: Raw(str(n)))
    tree["call"] = request
    _opt(tree, "save", step.save)
    _opt(tree, "on_error", step.on_error)


def _wait(step: ast.WaitStep, tree: Tree) -> None:
    if step.wait is not None:
        tree["wait"] = duration(step.wait)
    else:
        tree["wait"] = {"until": expr_tree(step.until) if step.until else Raw("true")}


def _agent(step: ast.AgentStep, tree: Tree) -> None:
    tree["agent"] = step.agent
    _opt(tree, "until", step.until, expr_tree)
    _opt(tree, "max_turns", step.max_turns, lambda n: Raw(str(n)))


def _handoff(step: ast.HandoffStep, tree: Tree) -> None:
    tree["handoff"] = _EMPTY if step.handoff is None else text_tree(step.handoff)
    _opt(tree, "team", step.team)


def _goto(step: ast.GotoStep, tree: Tree) -> None:
    tree["goto"] = step.goto


def _run(step: ast.RunStep, tree: Tree) -> None:
    tree["run"] = step.run
    if step.with_:
        tree["with"] = {name: expr_tree(e) for name, e in step.with_.items()}
    _opt(tree, "save", step.save)


def _link(step: ast.LinkStep, tree: Tree) -> None:
    tree["link"] = step.link


def _end(step: ast.EndStep, tree: Tree) -> None:
    tree["end"] = _EMPTY if step.end is None else text_tree(step.end)


_KINDS: dict[type[Any], Callable[[Any, Tree], None]] = {
    ast.SendStep: _send, ast.TemplateStep: _template, ast.AskStep: _ask,
    ast.BranchStep: _branch, ast.SetStep: _set, ast.TagStep: _tag, ast.UntagStep: _untag,
    ast.FieldStep: _field, ast.ConsentStep: _consent, ast.CallStep: _call, ast.WaitStep: _wait,
    ast.AgentStep: _agent, ast.HandoffStep: _handoff, ast.GotoStep: _goto, ast.RunStep: _run,
    ast.LinkStep: _link, ast.EndStep: _end,
}
