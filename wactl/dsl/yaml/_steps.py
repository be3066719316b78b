"""YAML → AST for steps: one kind key per step, that kind's keys, then `id`/`next`/`when`.

Each kind has a reader returning its own fields (or None when its value is unusable);
`step()` adds the common keys and builds the model once.  A step that cannot be built
is skipped, but all its keys are still checked, so one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from wactl.diagnostics import Span, closest, did_you_mean
from wactl.dsl import ast
from wactl.dsl.step_keys import COMMON_KEYS, KIND_KEYS
from wactl.dsl.yaml._read import NULL, STEP_ID, Pairs, Reader, duration, opt
from wactl.dsl.yaml._text import expr, message, template, template_ref, text

Fields = dict[str, Any]

_ALLOWED = {kind: frozenset((*COMMON_KEYS, kind, *extra)) for kind, extra in KIND_KEYS.items()}
_OWNERS: dict[str, str] = {}
for _kind, _extra in KIND_KEYS.items():
    for _key in _extra:
        _OWNERS.setdefault(_key, f"`{_key}` belongs to `{_kind}` steps")
_ANY_KEY = frozenset(k for keys in _ALLOWED.values() for k in keys)
_CLASSES: dict[str, type[ast.StepBase]] = {
    "send": ast.SendStep, "template": ast.TemplateStep, "ask": ast.AskStep,
    "branch": ast.BranchStep, "set": ast.SetStep, "tag": ast.TagStep, "untag": ast.UntagStep,
    "field": ast.FieldStep, "consent": ast.ConsentStep, "call": ast.CallStep,
    "wait": ast.WaitStep, "agent": ast.AgentStep, "handoff": ast.HandoffStep,
    "goto": ast.GotoStep, "run": ast.RunStep, "link": ast.LinkStep, "end": ast.EndStep,
}
HTTP_KEYS = ("method", "url", "headers", "body", "timeout", "retries")
VALUE_KEYS = frozenset({"next", "goto", "on_fail", "on_error", "on_timeout", "run", "link",
                        "agent", "expect", "save"})
"""Step keys whose plain-string value gets its own span in `key_spans` (see ast.span_of)."""


def step(r: Reader, node: Node, comments: list[str]) -> ast.StepBase | None:
    """One step, or None (after reporting why) when it cannot be built."""
    doubts = r.doubts
    pairs = r.mapping(node, "step")
    if pairs is None:
        return None
    kinds = [name for name in pairs if name in KIND_KEYS] or _misspelt_kind(r, pairs)
    if not kinds:
        r.error("WA105", "this step has no kind: give it one of " + ", ".join(KIND_KEYS), node)
        r.check_keys(pairs, _ANY_KEY, "a step")
        return None
    kind = kinds[0]
    for other in kinds[1:]:
        r.error("WA112", f"a step has exactly one kind, and this one is already `{kind}`",
                pairs.pop(other)[0], "split it into two steps, joined with `next`")
    allowed = _ALLOWED[kind] if len(kinds) == 1 else \
        _ALLOWED[kind].union(*(_ALLOWED[k] for k in kinds[1:]))
    if not pairs.keys() <= allowed:  # the common case, every key known, costs no call
        r.check_keys(pairs, allowed, f"this `{kind}` step", _OWNERS)
    fields = _READERS[kind](r, pairs[kind][1], pairs)
    id_node = r.require(pairs, "id", node, f"this `{kind}` step")
    step_id = None if id_node is None else r.identifier(id_node, "step id", STEP_ID)
    nxt = opt(r, pairs, "next", Reader.string)
    when = opt(r, pairs, "when", expr)
    visits = opt(r, pairs, "max_visits", _positive)
    if fields is None or step_id is None:
        return None
    spans = fields.setdefault("key_spans", {})
    for k, (_, v) in pairs.items():
        if k in VALUE_KEYS:
            spans[k] = r.span(v)
    fields.update(id=step_id, next=nxt, when=when, max_visits=visits, span=r.span(node),
                  comments=comments, unsure=r.doubts > doubts)
    return _CLASSES[kind].model_validate(fields)


def _misspelt_kind(r: Reader, pairs: Pairs) -> list[str]:
    """A step without a kind key, but with one spelt wrong (`sned`, `reply`): read on as that
    kind after WA103 says so.  Keys of other kinds are left to `check_keys`."""
    for name in [n for n in pairs if n not in _ANY_KEY]:
        alias = ast.KEY_ALIASES.get(name)
        meant = alias if alias in KIND_KEYS else closest(name, KIND_KEYS)
        if meant is None:
            continue
        hint = f"did you mean `{meant}`? (wactl spells `{name}` as `{meant}`)" \
            if meant == alias else f"did you mean `{meant}`?"
        r.error("WA103", f"unknown key `{name}` in a step", pairs[name][0], hint,
                repaired=True)
        pairs[meant] = pairs.pop(name)
        return [meant]
    return []


def lost_id(node: Node) -> str:
    """The `id` written on a step that could not be read ("" when there is none), so that
    jumps to it are not reported as unknown targets (an echo of the real error)."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id" \
                    and isinstance(value, ScalarNode):
                return str(value.value)
    return ""


def _send(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    send = message(r, value, "send")
    fallback = opt(r, pairs, "fallback_template", template_ref)
    return None if send is None else {"send": send, "fallback_template": fallback}


def _template(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    ref = template_ref(r, value, "template")
    return None if ref is None else {"template": ref}


def _ask(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    ask = message(r, value, "ask")
    fields: Fields = {
        "ask": ask,
        "expect": opt(r, pairs, "expect", _expect),
        "save": opt(r, pairs, "save", _variable),
        "retries": opt(r, pairs, "retries", Reader.integer),
        "retry_message": opt(r, pairs, "retry_message", text),
        "on_fail": opt(r, pairs, "on_fail", Reader.string),
        "validate": opt(r, pairs, "validate", expr),
        "extract": opt(r, pairs, "extract", _extract) or {},
        "timeout": opt(r, pairs, "timeout", duration),
        "on_timeout": opt(r, pairs, "on_timeout", Reader.string),
    }
    return None if ask is None else fields


def _expect(r: Reader, node: Node, what: str) -> str | None:
    value = r.string(node, what)
    if value is None or value in ast.EXPECT_KINDS or value.startswith("regex:"):
        return value
    r.wrong(node, what, "one of " + ", ".join(ast.EXPECT_KINDS) + " or regex:<pattern>",
            did_you_mean(value, ast.EXPECT_KINDS))
    return None


def _variable(r: Reader, node: Node, what: str) -> str | None:
    return r.identifier(node, f"variable name in `{what}`", STEP_ID)


def _extract(r: Reader, node: Node, what: str) -> dict[str, str] | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for name, (key, value) in pairs.items():
        kind = r.choice(value, f"{what}.{name}", ast.EXTRACT_TYPES)
        if _variable(r, key, what) is not None and kind is not None:
            out[name] = kind
    return out


def _branch(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    items = r.sequence(value, "branch")
    if items is None:
        return None
    arms: list[ast.BranchArm] = []
    else_: str | None = None
    spans: dict[str, Span] = {}
    for index, item in enumerate(items):
        arm = r.mapping(item, "branch")
        if arm is None:
            continue
        if "else" in arm:
            else_ = _else_arm(r, arm, last=index == len(items) - 1)
            spans["else"] = r.span(arm["else"][1])
        else:
            one = _if_arm(r, arm, item)
            if one is not None:
                arms.append(one)
    if not items:
        r.wrong(value, "branch", "a list of `if`/`goto` arms")
    return {"branch": arms, "else": else_, "key_spans": spans}


def _if_arm(r: Reader, arm: Pairs, node: Node) -> ast.BranchArm | None:
    r.check_keys(arm, ("if", "goto"), "a branch arm")
    cond_node = r.require(arm, "if", node, "a branch arm")
    goto_node = r.require(arm, "goto", node, "a branch arm")
    cond = None if cond_node is None else expr(r, cond_node, "if")
    goto = None if goto_node is None else r.string(goto_node, "goto")
    if cond is None or goto is None or goto_node is None:
        return None
    return ast.BranchArm(if_=cond, goto=goto, span=r.span(node),
                         key_spans={"goto": r.span(goto_node)})


def _else_arm(r: Reader, arm: Pairs, last: bool) -> str | None:
    key = arm["else"][0]
    for other in ("if", "goto"):
        if other in arm:
            r.error("WA112", "an arm is either `if`/`goto` or `else`, not both", arm[other][0])
    r.check_keys(arm, ("else", "if", "goto"), "an `else` arm")
    if not last:
        r.error("WA104", "`else` must be the last arm of a branch", key)
    return r.string(arm["else"][1], "else")


def _set(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    assigned = _expr_map(r, value, "set")
    return None if assigned is None else {"set": assigned}


def _expr_map(r: Reader, node: Node, what: str) -> dict[str, ast.Expr] | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    out: dict[str, ast.Expr] = {}
    for name, (key, value) in pairs.items():
        if not isinstance(value, ScalarNode):
            r.wrong(value, f"{what}.{name}", "an expression",
                    "write lists and maps as an expression string, e.g. '[1, 2]'")
            continue
        one = expr(r, value, f"{what}.{name}")
        if _variable(r, key, what) is not None and one is not None:
            out[name] = one
    return out


def _tags(r: Reader, value: Node, pairs: Pairs, kind: str) -> Fields | None:
    tags = r.strings(value, kind)
    if tags == []:
        r.wrong(value, kind, "a tag or a list of tags")
    return {kind: tags} if tags else None


def _field(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    mapping = r.mapping(value, "field")
    if mapping is None:
        return None
    fields = {name: template(r, v, f"field.{name}") for name, (_, v) in mapping.items()}
    return {"field": {k: v for k, v in fields.items() if v is not None}}


def _consent(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    consent = r.choice(value, "consent", ("opted_in", "opted_out"))
    return None if consent is None else {"consent": consent}


def _call(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    request = http_request(r, value, "call")
    if request is None:
        return None
    return {"call": request, "save": opt(r, pairs, "save", _variable),
            "on_error": opt(r, pairs, "on_error", Reader.string)}


def http_request(r: Reader, node: Node, what: str) -> ast.HttpRequest | None:
    """`call: {method, url, headers, body, timeout, retries}`; a plain URL means GET."""
    if not isinstance(node, MappingNode):
        url = template(r, node, "url")
        return None if url is None else ast.HttpRequest(url=url, span=r.span(node))
    pairs = r.mapping(node, what) or {}
    r.check_keys(pairs, HTTP_KEYS, f"`{what}`")
    url_node = r.require(pairs, "url", node, f"`{what}`")
    url = None if url_node is None else template(r, url_node, "url")
    fields: Fields = {
        "method": opt(r, pairs, "method", _method) or "GET",
        "url": url,
        "headers": opt(r, pairs, "headers", _headers) or {},
        "body": r.json(pairs["body"][1]) if "body" in pairs else None,
        "timeout": opt(r, pairs, "timeout", duration),
        "retries": opt(r, pairs, "retries", Reader.integer),
        "span": r.span(node),
        "key_spans": {"retries": r.span(pairs["retries"][1])} if "retries" in pairs else {},
    }
    return None if url is None else ast.HttpRequest.model_validate(fields)


def _method(r: Reader, node: Node, what: str) -> str | None:
    value = r.string(node, what)
    if value is None or value in ast.HTTP_METHODS:
        return value
    hint = f"write it in capitals: `{value.upper()}`" if value.upper() in ast.HTTP_METHODS \
        else None
    r.wrong(node, what, "one of " + ", ".join(ast.HTTP_METHODS), hint)
    return None


def _headers(r: Reader, node: Node, what: str) -> dict[str, ast.Template] | None:
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    headers = {name: template(r, value, f"{what}.{name}") for name, (_, value) in pairs.items()}
    return {k: v for k, v in headers.items() if v is not None}


def _wait(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    if not isinstance(value, MappingNode):
        wait = duration(r, value, "wait")
        return None if wait is None else {"wait": wait}
    mapping = r.mapping(value, "wait") or {}
    r.check_keys(mapping, ("until",), "`wait`")
    until_node = r.require(mapping, "until", value, "`wait`")
    until = None if until_node is None else expr(r, until_node, "until")
    return None if until is None else {"until": until}


def _agent(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    agent = r.string(value, "agent")
    fields = {"agent": agent, "until": opt(r, pairs, "until", expr),
              "max_turns": opt(r, pairs, "max_turns", _positive)}
    return None if agent is None else fields


def _positive(r: Reader, node: Node, what: str) -> int | None:
    return r.integer(node, what, minimum=1)


def _handoff(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    empty = isinstance(value, ScalarNode) and value.tag == NULL
    said = None if empty else text(r, value, "handoff")
    fields = {"handoff": said, "team": opt(r, pairs, "team", Reader.string)}
    return None if said is None and not empty else fields


def _end(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    if isinstance(value, ScalarNode) and value.tag == NULL:
        return {"end": None}
    said = text(r, value, "end")
    return None if said is None else {"end": said}


def _name_step(kind: str) -> Callable[[Reader, Node, Pairs], Fields | None]:
    """`goto`, `link`: a single name as the value."""
    def read(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
        name = r.string(value, kind)
        return None if name is None else {kind: name}
    return read


def _run(r: Reader, value: Node, pairs: Pairs) -> Fields | None:
    flow = r.string(value, "run")
    fields = {"run": flow, "with": opt(r, pairs, "with", _expr_map) or {},
              "save": opt(r, pairs, "save", _variable)}
    return None if flow is None else fields


_READERS: dict[str, Callable[[Reader, Node, Pairs], Fields | None]] = {
    "send": _send, "template": _template, "ask": _ask, "branch": _branch, "set": _set,
    "tag": lambda r, v, p: _tags(r, v, p, "tag"),
    "untag": lambda r, v, p: _tags(r, v, p, "untag"),
    "field": _field, "consent": _consent, "call": _call, "wait": _wait, "agent": _agent,
    "handoff": _handoff, "goto": _name_step("goto"), "run": _run, "link": _name_step("link"),
    "end": _end,
}
