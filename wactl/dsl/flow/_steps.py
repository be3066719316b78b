"""Assembling one `.flow` step from its head and clauses.

A step line is `label: kind args clause clause ...`, and its indented block holds more
clauses.  Clauses arrive in any order; this module sorts them into the step's
fields, reporting a clause that does not belong to the step's kind (WA103) or one
given twice (WA109) instead of failing, so the rest of the file is still checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from lark import Token

from wactl.diagnostics import Span
from wactl.dsl import ast

LANG_RE = re.compile(r"[a-z]{2,3}(?:_[A-Za-z]{2,4})?")

if TYPE_CHECKING:
    from wactl.dsl.flow._transform import FlowTransformer


class Clause(NamedTuple):
    """One keyword-led piece of a step (or a flow attribute): name, arguments, keyword token."""

    name: str
    args: list[Any]
    tok: Token


_MESSAGE = frozenset({"buttons", "image", "document", "audio", "video", "caption", "lang", "list"})
_COMMON = frozenset({"then", "when", "visits"})
ALLOWED: dict[str, frozenset[str]] = {
    "say": _MESSAGE | {"fallback"},
    "ask": _MESSAGE | {"expect", "save", "retry", "on_fail", "validate", "extract", "timeout",
                       "on_timeout"},
    "template": frozenset(),
    "if": frozenset({"if", "else"}),
    "branch": frozenset({"if", "else"}),
    "set": frozenset({"set"}),
    "tag": frozenset(),
    "untag": frozenset(),
    "field": frozenset({"field"}),
    "consent": frozenset(),
    "call": frozenset({"header", "body", "timeout", "retry", "save", "on_error"}),
    "wait": frozenset({"until"}),
    "agent": frozenset({"until", "turns"}),
    "handoff": frozenset({"team", "lang"}),
    "goto": frozenset(),
    "run": frozenset({"with", "save"}),
    "link": frozenset(),
    "end": frozenset({"lang"}),
}
_REPEATABLE = frozenset({"buttons", "lang", "if", "set", "field", "with", "header", "extract"})
Slots = dict[str, Any]


def _collect(tr: FlowTransformer, kind: str, clauses: list[Clause]) -> Slots:
    """Clauses by name; repeatable ones as lists.  Misplaced or repeated ones are reported."""
    allowed = _COMMON | ALLOWED[kind]
    slots: Slots = {}
    for cl in clauses:
        if cl.name == "lang" and not LANG_RE.fullmatch(cl.tok.value):
            continue  # a misspelt clause keyword, already reported
        if cl.name not in allowed:
            shown = "branch" if kind == "if" else kind
            tr.ctx.report("WA103", f"a `{shown}` step does not take `{cl.tok.value}`",
                          tr.ctx.span(cl.tok))
        elif cl.name in _REPEATABLE:
            slots.setdefault(cl.name, []).append(cl)
        elif cl.name in slots:
            tr.ctx.report("WA109", f"`{cl.tok.value}` is given twice in one step",
                          tr.ctx.span(cl.tok))
        else:
            slots[cl.name] = cl
    return slots


def _name(cl: Clause | None, i: int = 0) -> str | None:
    return None if cl is None else str(cl.args[i].value)


def _arg(cl: Clause | None) -> Any:
    return None if cl is None else cl.args[0]


def _mapping(tr: FlowTransformer, items: list[Clause] | None, what: str) -> dict[str, Any]:
    """`set x = ...` / `with` / `field` / `header` / `extract` lines folded into one dict."""
    out: dict[str, Any] = {}
    for cl in items or ():
        for key, value, tok in cl.args:
            if key in out:
                tr.ctx.report("WA109", f"{what} `{key}` is given twice", tr.ctx.span(tok))
            out[key] = value
    return out


def _header_args(tr: FlowTransformer, cl: Clause) -> Clause:
    key, value = cl.args
    return cl._replace(args=[(tr.string(key), tr.template(value), key)])


def _with_langs(tr: FlowTransformer, text: ast.Text | None, s: Slots) -> ast.Text | None:
    """The head's text, or the text spelt as one `vi "..."` line per language below it."""
    for cl in s.get("lang", ()):
        lang, tpl = cl.args
        if not LANG_RE.fullmatch(lang.value):
            continue  # reported as a misspelt clause by the transformer
        if text is not None and (text.is_plain or lang.value in text.variants):
            tr.ctx.report("WA109", f"the text is given twice (`{lang.value}`)", tr.ctx.span(lang))
            continue
        text = text or ast.Text(variants={}, span=tr.ctx.span(lang))
        text.variants[str(lang.value)] = tpl
    return text


def _message(tr: FlowTransformer, text: ast.Text | None, s: Slots, span: Span) -> ast.Message:
    """The `Message` of a `say`/`ask`: its text, media, buttons, list."""
    text = _with_langs(tr, text, s)
    media = {k: tr.template(s[k].args[0]) for k in ("image", "document", "audio", "video")
             if k in s}
    buttons = [b for cl in s.get("buttons", ()) for b in cl.args]
    return ast.Message(text=text, caption=_arg(s.get("caption")), buttons=buttons,
                       list_=_arg(s.get("list")), span=span, **media)


def _send(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    fb = s.get("fallback")
    return ast.SendStep(send=_message(tr, h[0], s, base["span"]),
                        fallback_template=fb.args[1] if fb else None, **base)


def _retry(tr: FlowTransformer, s: Slots) -> tuple[ast.Text | None, int | None, str | None]:
    cl = s.get("retry")
    if cl is None:
        return None, None, None
    text, times, other = cl.args
    return text, int(times.value) if times is not None else None, _str(other)


def _str(tok: Token | None) -> str | None:
    return None if tok is None else str(tok.value)


def _ask(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    message, retries, on_fail = _retry(tr, s)
    if on_fail is not None and "on_fail" in s:
        tr.ctx.report("WA109", "`on fail` is given twice (also after `retry ..., else`)",
                      tr.ctx.span(s["on_fail"].tok))
    timeout = s.get("timeout")
    expect = s.get("expect")
    return ast.AskStep(
        ask=_message(tr, h[0], s, base["span"]), expect=expect.args[0][0] if expect else None,
        save=_name(s.get("save")), retries=retries, retry_message=message,
        on_fail=on_fail or _name(s.get("on_fail"), 1), validate_=_arg(s.get("validate")),
        extract=_mapping(tr, s.get("extract"), "variable"),
        timeout=tr.duration(timeout.args[0]) if timeout else None,
        on_timeout=_name(s.get("on_timeout"), 1), **base)


def _branch(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    arms = ([(h[0], h[1])] if h else []) + [(a.args[0], a.args[1]) for a in s.get("if", ())]
    return ast.BranchStep(
        branch=[ast.BranchArm(if_=cond, goto=str(target.value), span=cond.span,
                              key_spans={"goto": tr.ctx.span(target)})
                for cond, target in arms],
        else_=_name(s.get("else")), **base)


def _call(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    method, url = h
    text, retries, other = _retry(tr, s)
    if text is not None or other is not None:
        tr.ctx.report("WA104", "a call's `retry` takes only a count, like `retry 2 times`",
                      tr.ctx.span(s["retry"].tok))
    if method.value.upper() not in ast.HTTP_METHODS:
        tr.ctx.report("WA104", f"`{method.value}` is not an HTTP method", tr.ctx.span(method),
                      "use one of " + ", ".join(ast.HTTP_METHODS))
    timeout = s.get("timeout")
    headers = [_header_args(tr, cl) for cl in s.get("header", ())]
    request = ast.HttpRequest(
        method=method.value.upper(), url=tr.template(url), headers=_mapping(tr, headers, "header"),
        body=_arg(s.get("body")), timeout=tr.duration(timeout.args[0]) if timeout else None,
        retries=retries, span=tr.ctx.span(method),
        key_spans={"retries": tr.ctx.span(s["retry"].tok)} if "retry" in s else {})
    return ast.CallStep(call=request, save=_name(s.get("save")),
                        on_error=_name(s.get("on_error"), 1), **base)


def _consent(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    value = str(h[0].value)
    if value not in ("opted_in", "opted_out"):
        tr.ctx.report("WA104", f"consent is `opted_in` or `opted_out`, not `{value}`",
                      tr.ctx.span(h[0]))
    return ast.ConsentStep(consent="opted_out" if value == "opted_out" else "opted_in", **base)


def _wait(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    wait = tr.duration(h[0]) if h[0] is not None else None
    return ast.WaitStep(wait=wait, until=_arg(s.get("until")), **base)


def _agent(tr: FlowTransformer, h: list[Any], s: Slots, base: Slots) -> ast.Step:
    turns = s.get("turns")
    return ast.AgentStep(agent=tr.string(h[0]), until=_arg(s.get("until")),
                         max_turns=int(turns.args[0].value) if turns else None, **base)


def _first_assign(h: list[Any], s: Slots, key: str) -> list[Clause]:
    head = [Clause(key, [h[0]], h[0][2])] if h and h[0] is not None else []
    rest: list[Clause] = s.get(key, [])
    return head + rest


_BUILDERS: dict[str, Callable[[FlowTransformer, list[Any], Slots, Slots], ast.Step]] = {
    "say": _send,
    "ask": _ask,
    "if": _branch,
    "branch": _branch,
    "call": _call,
    "consent": _consent,
    "wait": _wait,
    "agent": _agent,
    "template": lambda tr, h, s, b: ast.TemplateStep(template=h[0], **b),
    "set": lambda tr, h, s, b: ast.SetStep(
        set=_mapping(tr, _first_assign(h, s, "set"), "variable"), **b),
    "field": lambda tr, h, s, b: ast.FieldStep(
        field=_mapping(tr, _first_assign(h, s, "field"), "field"), **b),
    "tag": lambda tr, h, s, b: ast.TagStep(tag=tr.strings(h[0]), **b),
    "untag": lambda tr, h, s, b: ast.UntagStep(untag=tr.strings(h[0]), **b),
    "handoff": lambda tr, h, s, b: ast.HandoffStep(
        handoff=_with_langs(tr, h[0], s),
        team=tr.string(s["team"].args[0]) if "team" in s else None, **b),
    "goto": lambda tr, h, s, b: ast.GotoStep(goto=str(h[0].value), **b),
    "run": lambda tr, h, s, b: ast.RunStep(
        run=tr.string(h[0]), with_=_mapping(tr, s.get("with"), "variable"),
        save=_name(s.get("save")), **b),
    "link": lambda tr, h, s, b: ast.LinkStep(link=tr.string(h[0]), **b),
    "end": lambda tr, h, s, b: ast.EndStep(end=_with_langs(tr, h[0], s), **b),
}


_VALUE_CLAUSES = {"then": ("next", 0), "save": ("save", 0), "on_fail": ("on_fail", 1),
                  "on_error": ("on_error", 1), "on_timeout": ("on_timeout", 1),
                  "else": ("else", 0)}
"""Clauses naming a step, flow or variable: clause → (key in `key_spans`, index of the name)."""
_VALUE_HEADS = frozenset({"goto", "run", "link", "agent"})


def _key_spans(tr: FlowTransformer, head: Clause, s: Slots) -> dict[str, Span]:
    """Where each name-valued clause's value was written (see `ast.span_of`)."""
    spans: dict[str, Span] = {}
    for name, cl in s.items():
        where = _VALUE_CLAUSES.get(name)
        if where is not None:
            spans[where[0]] = tr.ctx.span(cl.args[where[1]])
    retry, expect = s.get("retry"), s.get("expect")
    if retry is not None and retry.args[2] is not None:
        spans["on_fail"] = tr.ctx.span(retry.args[2])  # `retry ..., else x` wins, as in _ask
    if expect is not None:
        spans["expect"] = tr.ctx.span(expect.args[0][1])
    if head.name in _VALUE_HEADS:
        spans[head.name] = tr.ctx.span(head.args[0])
    return spans


def build_step(tr: FlowTransformer, step_id: str, span: Span, head: Clause,
               clauses: list[Clause]) -> ast.Step:
    """The AST step for `label: head clauses`; never raises (problems become diagnostics)."""
    kind = "say" if head.name == "say" else head.name
    s = _collect(tr, kind, clauses)
    visits = s.get("visits")
    base: Slots = {"id": step_id, "next": _name(s.get("then")), "when": _arg(s.get("when")),
                   "max_visits": int(visits.args[1].value) if visits else None, "span": span,
                   "key_spans": _key_spans(tr, head, s) if s or head.name in _VALUE_HEADS
                   else {}}
    return _BUILDERS[kind](tr, head.args, s, base)
