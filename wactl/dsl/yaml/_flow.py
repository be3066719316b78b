"""YAML → AST for flows and their triggers.

A flow whose id is unusable is still read (so its steps are checked) but dropped from
the result; a bad step is dropped and its siblings kept, so later checks still run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wactl.diagnostics import closest
from wactl.dsl import ast
from wactl.dsl.yaml._read import (
    BOOL,
    FLOAT,
    FLOW_ID,
    INT,
    STEP_ID,
    Pairs,
    Reader,
    after,
    opt,
)
from wactl.dsl.yaml._steps import lost_id, step
from wactl.dsl.yaml._text import expr

FLOW_KEYS = ("flow", "title", "description", "priority", "trigger", "vars", "rule", "steps")
TRIGGER_CLASSES: dict[str, type[ast.TriggerBase]] = {
    "keyword": ast.KeywordTrigger, "regex": ast.RegexTrigger, "intent": ast.IntentTrigger,
    "event": ast.EventTrigger, "schedule": ast.ScheduleTrigger,
}
_NO_MIN = -(2**63)
_BESIDE = {"intent": ("min_confidence",)}
"""Keys a trigger kind takes beside its own key, as every kind takes `if`."""


def flow(r: Reader, node: Node, pairs: Pairs, comments: list[str]) -> ast.Flow | None:
    """One flow mapping (the whole file, or one item of `flows:`)."""
    doubts = r.doubts
    r.check_keys(pairs, FLOW_KEYS, "a flow")
    id_node = r.require(pairs, "flow", node, "a flow")
    flow_id = None if id_node is None else r.identifier(id_node, "flow id", FLOW_ID)
    lost: list[str] = []
    fields: dict[str, Any] = {
        "title": opt(r, pairs, "title", Reader.string),
        "description": opt(r, pairs, "description", Reader.string),
        "priority": opt(r, pairs, "priority", _priority),
    }
    before_trigger = r.doubts
    fields["trigger"] = opt(r, pairs, "trigger", trigger)
    doubts += r.doubts - before_trigger  # a bad trigger changes no step, so no check's verdict
    fields.update(vars=opt(r, pairs, "vars", flow_vars) or {},
                  rule=opt(r, pairs, "rule", Reader.boolean) or False,
                  steps=_steps(r, pairs["steps"], lost) if "steps" in pairs else [])
    partial = r.doubts > doubts
    if flow_id is None:
        return None
    fields.update(id=flow_id, span=r.span(node), comments=comments, partial=partial,
                  lost_steps=lost)
    return ast.Flow.model_validate(fields)


def flows(r: Reader, key: Node, node: Node) -> list[ast.Flow]:
    """The `flows:` list form; each item's leading comments stay with it."""
    out: list[ast.Flow] = []
    start = after(key)
    for item in r.sequence(node, "flows") or ():
        comments = r.comments(start, item.start_mark.line)
        start = after(item)
        pairs = r.mapping(item, "flows")
        one = None if pairs is None else flow(r, item, pairs, comments)
        if one is not None:
            out.append(one)
    return out


def _priority(r: Reader, node: Node, what: str) -> int | None:
    return r.integer(node, what, minimum=_NO_MIN)


def flow_vars(r: Reader, node: Node, what: str) -> dict[str, Any] | None:
    """`vars: {attempts: 0}`: initial values, plain JSON."""
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    out: dict[str, Any] = {}
    for name, (key, value) in pairs.items():
        data = r.json(value)
        if r.identifier(key, "variable name", STEP_ID) is not None:
            out[name] = data
    return out


def _steps(r: Reader, pair: tuple[Node, Node], lost: list[str]) -> list[ast.StepBase]:
    """The steps that could be read; the ids of those that could not go to `lost`."""
    key, node = pair
    out: list[ast.StepBase] = []
    start = after(key)
    for item in r.sequence(node, "steps") or ():
        comments = r.comments(start, item.start_mark.line)
        start = after(item)
        one = step(r, item, comments)
        if one is not None:
            out.append(one)
        else:
            lost.append(lost_id(item))
    return out


# --------------------------------------------------------------------------- triggers


def trigger(r: Reader, node: Node, what: str) -> ast.TriggerBase | None:
    """`trigger:` with exactly one kind key, plus an optional `if`."""
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    kinds = [name for name in pairs if name in TRIGGER_CLASSES] or _misspelt_kind(r, pairs)
    if not kinds:
        if not any(ast.KEY_ALIASES.get(name) in TRIGGER_CLASSES for name in pairs):
            r.error("WA105", "this trigger has no kind: give it one of "
                    + ", ".join(TRIGGER_CLASSES), node)
        r.check_keys(pairs, (*TRIGGER_CLASSES, "if"), "a trigger")
        return None
    kind = kinds[0]
    for other in kinds[1:]:
        r.error("WA112", f"a trigger has exactly one kind, and this one is already `{kind}`",
                pairs.pop(other)[0], "a flow has one trigger; copy the flow for another one")
    r.check_keys(pairs, (kind, "if", *_BESIDE.get(kind, ())), f"this `{kind}` trigger")
    fields = _TRIGGERS[kind](r, pairs[kind][1])
    if_ = opt(r, pairs, "if", expr)
    beside = kind in _BESIDE and "min_confidence" in pairs
    confidence = opt(r, pairs, "min_confidence", _confidence) if beside else None
    if fields is None:
        return None
    if beside:
        if fields.get("min_confidence") is not None:
            r.error("WA112", "`min_confidence` is given twice: keep the one beside `intent:`",
                    pairs["min_confidence"][0])
        fields["min_confidence"] = confidence
    fields.update({"if": if_, "span": r.span(node)})
    return TRIGGER_CLASSES[kind].model_validate(fields)


def _misspelt_kind(r: Reader, pairs: Pairs) -> list[str]:
    """`keywrod: hi`: WA103 says so, and the trigger is read on as a `keyword` trigger."""
    for name in [n for n in pairs if n not in (*TRIGGER_CLASSES, "if", "min_confidence")]:
        alias = ast.KEY_ALIASES.get(name)
        meant = alias if alias in TRIGGER_CLASSES else closest(name, TRIGGER_CLASSES)
        if meant is not None:
            hint = f"did you mean `{meant}`?" + (
                f" (wactl spells `{name}` as `{meant}`)" if meant == alias else "")
            r.error("WA103", f"unknown key `{name}` in a trigger", pairs[name][0], hint,
                    repaired=True)
            pairs[meant] = pairs.pop(name)
            return [meant]
    return []


def _keyword(r: Reader, node: Node) -> dict[str, Any] | None:
    items = r.sequence(node, "keyword") if isinstance(node, SequenceNode) else [node]
    if items == []:
        r.wrong(node, "keyword", "a word or a list of words")
    words = [(item, word) for item in items or () if (word := _one_keyword(r, item))]
    if not words or len(words) != len(items or ()):
        return None
    return {"keywords": [w for _, w in words],
            "key_spans": {f"keywords.{i}": r.span(item) for i, (item, _) in enumerate(words)}}


def _one_keyword(r: Reader, node: Node) -> str | None:
    """A keyword is text a customer types: `5` or `yes` unquoted are YAML numbers and
    booleans (quote them), and an empty one would match nothing or everything."""
    if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT, BOOL):
        r.wrong(node, "keyword", "text", f'quote it if the customer types it: "{node.value}"')
        return None
    word = r.string(node, "keyword")
    if word is not None and not word.strip():
        r.error("WA104", "a keyword cannot be empty", node, "write the word customers type, "
                "or remove it")
        return None
    return word


def _regex(r: Reader, node: Node) -> dict[str, Any] | None:
    pattern = r.string(node, "regex")
    return None if pattern is None else {"pattern": pattern, "key_spans": {"pattern": r.span(node)}}


def _intent(r: Reader, node: Node) -> dict[str, Any] | None:
    if not isinstance(node, MappingNode):
        name = r.string(node, "intent")
        return None if name is None else {"intent": name}
    pairs = r.mapping(node, "intent") or {}
    r.check_keys(pairs, ("intent", "min_confidence"), "this `intent` trigger")
    name_node = r.require(pairs, "intent", node, "this `intent` trigger")
    name = None if name_node is None else r.string(name_node, "intent")
    confidence = opt(r, pairs, "min_confidence", _confidence)
    return None if name is None else {"intent": name, "min_confidence": confidence}


def _confidence(r: Reader, node: Node, what: str) -> float | None:
    value = r.number(node, what)
    if value is not None and not 0.0 <= value <= 1.0:
        r.wrong(node, what, "a number from 0 to 1")
        return None
    return value


def _event(r: Reader, node: Node) -> dict[str, Any] | None:
    name = r.string(node, "event")
    return None if name is None else {"event": name, "key_spans": {"event": r.span(node)}}


def _schedule(r: Reader, node: Node) -> dict[str, Any] | None:
    pairs = r.mapping(node, "schedule")
    if pairs is None:
        return None
    r.check_keys(pairs, ("cron", "audience"), "this `schedule` trigger")
    cron_node = r.require(pairs, "cron", node, "this `schedule` trigger")
    cron = None if cron_node is None else r.string(cron_node, "cron")
    audience = opt(r, pairs, "audience", expr)
    if cron is None or cron_node is None:
        return None
    return {"cron": cron, "audience": audience, "key_spans": {"cron": r.span(cron_node)}}


_TRIGGERS: dict[str, Callable[[Reader, Node], dict[str, Any] | None]] = {
    "keyword": _keyword, "regex": _regex, "intent": _intent, "event": _event,
    "schedule": _schedule,
}
