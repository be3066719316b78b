"""One function per step kind: what the step does, and which edge it leaves by.

Each returns "go" (the frame moved on: keep stepping), "pause" (the run waits; the
state says for what) or "stop" (the run ended).  An `ExprError` raised here ends the
run with a logged reason (see `engine_run._take`), except in `call`, where a request
that cannot be built takes the error branch like a request that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from wactl.compiler.egress import clamp_retries, clamp_timeout
from wactl.compiler.ir import IRStep
from wactl.runtime.bounded_json import JsonLimit, read_json
from wactl.runtime.effects import (
    ConsentChanged,
    FieldsChanged,
    Handoff,
    HttpRequest,
    ScheduleTimer,
    TagsChanged,
)
from wactl.runtime.engine import run as er
from wactl.runtime.engine.messages import deliver, render_message, say, template_effect
from wactl.runtime.engine.turn import Signal, Turn
from wactl.runtime.events import HttpResult
from wactl.runtime.expressions import ExprError, parse_date
from wactl.runtime.state import Frame, Run, Waiting, storable
from wactl.runtime.urls import render_url

Executor = Callable[[Turn, Run, Frame, IRStep, dict[str, Any]], Signal]
MAX_BODY = 1_000_000


def execute(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    return EXECUTORS[step.kind](t, run, frame, step, scope)


def _go(t: Turn, run: Run, frame: Frame, kind: str, outcome: str = "ok",
        changed: tuple[str, ...] = (), edge: str = "next", index: int = 0) -> Signal:
    er.trace(t, run, frame, kind, outcome, changed)
    return "go" if er.follow(t, run, frame, edge, index) else "stop"


def _stop(t: Turn, run: Run, frame: Frame, code: str, message: str) -> Signal:
    t.log("error", code, message, frame)
    er.end_run(t, run, f"error: {code}")
    return "stop"


# --------------------------------------------------------------------------- messages


def _send(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    p = step.params
    fallback = p.get("fallback_template")
    rendered = render_message(t, p.get("message", {}), scope, frame.step or "")
    if not deliver(t, rendered, template_effect(t, fallback, scope) if fallback else None):
        return _stop(t, run, frame, "window_closed", "the customer has not written in 24 hours: "
                     "only a template may be sent (add `fallback_template`)")
    return _go(t, run, frame, "send")


def _template(t: Turn, run: Run, frame: Frame, step: IRStep,
              scope: dict[str, Any]) -> Signal:
    t.emit(template_effect(t, step.params["template"], scope))
    return _go(t, run, frame, "template")


def _ask(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    rendered = render_message(t, step.params.get("message", {}), scope, frame.step or "")
    if not deliver(t, rendered):
        return _stop(t, run, frame, "window_closed",
                     "cannot ask: the customer has not written in 24 hours")
    frame.retries = 0
    timer = None
    if step.params.get("timeout"):
        timer = t.state.next_id("timer")
        t.emit(ScheduleTimer(t.state.wa_id, timer, t.event.at + er.seconds(step.params["timeout"])))
    run.waiting = Waiting("ask", "", timer)
    er.trace(t, run, frame, "ask", "asked")
    return "pause"


def _end(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    if not say(t, step.params.get("message"), scope):
        t.log("warning", "window_closed", "closing message not sent: 24h window closed", frame)
    er.trace(t, run, frame, "end", "ended")
    if len(run.frames) > 1:  # `end` in a sub-flow returns to the caller
        frame.step = er.END
        return "go"
    er.end_run(t, run, "completed")
    return "stop"


def _handoff(t: Turn, run: Run, frame: Frame, step: IRStep,
             scope: dict[str, Any]) -> Signal:
    if not say(t, step.params.get("message"), scope):
        t.log("warning", "window_closed", "handoff message not sent: 24h window closed", frame)
    hand_off(t, step.params.get("team"), f"step {frame.flow}.{frame.step}", run)
    er.trace(t, run, frame, "handoff", "handed off")
    er.end_run(t, run, "handed off")
    return "stop"


def hand_off(t: Turn, team: str | None, reason: str, by: Run) -> None:
    """A person takes the conversation: the run in progress ends (a rule may hand off in
    the middle of another flow, whose waits and timers must not talk over the person)."""
    t.state.handed_off, t.state.team, t.state.needs_human = True, team, True
    current = t.state.run
    if current is not None and current is not by:
        er.end_run(t, current, "handed off to a person")
    t.emit(Handoff(t.state.wa_id, team, reason))
    t.publish("ConversationPending", reason="handoff", team=team, detail=reason)


# --------------------------------------------------------------------------- data


def _branch(t: Turn, run: Run, frame: Frame, step: IRStep,
            scope: dict[str, Any]) -> Signal:
    for i, arm in enumerate(step.params.get("arms", [])):
        try:
            hit = t.test(arm["if"], scope)
        except ExprError as exc:
            t.log("warning", "expression_error", f"branch arm {i + 1}: {exc.message}; "
                  "taken as false", frame)
            hit = False
        if hit:
            return _go(t, run, frame, "branch", f"arm {i + 1}", edge="branch", index=i)
    return _go(t, run, frame, "branch", "else", edge="else")


def _set(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    changed = []
    for pair in step.params.get("assign", []):
        value = t.evaluate(pair["value"], scope)
        frame.vars[pair["name"]] = scope[pair["name"]] = value
        changed.append(pair["name"])
    return _go(t, run, frame, "set", changed=tuple(changed))


def _tag(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    tags = t.state.customer.tags
    added = tuple(tag for tag in dict.fromkeys(step.params.get("tags", [])) if tag not in tags)
    tags.extend(added)
    t.customer_changed()
    if added:
        t.emit(TagsChanged(t.state.wa_id, added=added))
    return _go(t, run, frame, "tag", f"added {', '.join(added) or 'nothing'}")


def _untag(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    tags = t.state.customer.tags
    removed = tuple(tag for tag in dict.fromkeys(step.params.get("tags", [])) if tag in tags)
    tags[:] = [tag for tag in tags if tag not in removed]
    t.customer_changed()
    if removed:
        t.emit(TagsChanged(t.state.wa_id, removed=removed))
    return _go(t, run, frame, "untag", f"removed {', '.join(removed) or 'nothing'}")


def _field(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    pairs = step.params.get("assign", [])
    values = {pair["name"]: t.render(pair["value"], scope) for pair in pairs}
    t.state.customer.fields.update(values)
    t.customer_changed()
    t.emit(FieldsChanged(t.state.wa_id, values))
    return _go(t, run, frame, "field", f"set {', '.join(values)}")


def _consent(t: Turn, run: Run, frame: Frame, step: IRStep,
             scope: dict[str, Any]) -> Signal:
    value = step.params["consent"]
    if t.state.customer.consent != value:
        t.state.customer.consent = value
        t.customer_changed()
        t.emit(ConsentChanged(t.state.wa_id, value))
        t.publish("CustomerOptInChanged", consent=value)
    return _go(t, run, frame, "consent", value)


# --------------------------------------------------------------------------- control


def _goto(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    return _go(t, run, frame, "goto", edge="goto")


def _wait(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    p = step.params
    due: datetime | None = None
    if p.get("seconds") is not None:
        due = t.event.at + er.seconds(p["seconds"])
    else:
        value = t.evaluate(p["until"], scope)
        due = er.as_instant(parse_date(value) if isinstance(value, str) else value,
                            t.engine.tz)
        if due is None:
            return _stop(t, run, frame, "bad_wait", f"wait until: {value!r} is not a date")
        if due <= t.event.at:
            return _go(t, run, frame, "wait", "already due")
    timer = t.state.next_id("timer")
    t.emit(ScheduleTimer(t.state.wa_id, timer, due))
    run.waiting = Waiting("wait", timer)
    er.trace(t, run, frame, "wait", f"until {due.isoformat()}")
    return "pause"


def _run(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    pinned = run.pins.get(step.params["flow"])
    sub = (t.engine.version(step.params["flow"], pinned) if pinned
           else t.engine.flows.get(step.params["flow"]))
    if sub is None:
        return _stop(t, run, frame, "unknown_flow", f"sub-flow {step.params['flow']} missing")
    args = {name: t.evaluate(src, scope) for name, src in step.params.get("with", {}).items()}
    er.trace(t, run, frame, "run", f"calls {sub.id}")
    run.frames.append(Frame(sub.id, sub.hash or sub.id, sub.entry, {**sub.vars, **args},
                            save=step.params.get("save")))
    return "go"


def _link(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    target = t.engine.flows.get(step.params["flow"])
    er.trace(t, run, frame, "link", f"to {step.params['flow']}")
    if target is None:
        return _stop(t, run, frame, "unknown_flow", f"linked flow {step.params['flow']} missing")
    er.end_run(t, run, f"linked to {target.id}")
    er.start_flow(t, target, {}, reason=f"link from {frame.flow}")
    return "stop"


def _agent(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    if step.params["agent"] not in t.engine.agents:
        return _stop(t, run, frame, "unknown_agent", f"agent {step.params['agent']} missing")
    frame.turns = 0
    run.waiting = Waiting("agent")
    er.trace(t, run, frame, "agent", f"{step.params['agent']} listening")
    return "pause"


# --------------------------------------------------------------------------- call


def _call(t: Turn, run: Run, frame: Frame, step: IRStep, scope: dict[str, Any]) -> Signal:
    req = step.params["request"]
    try:
        url = render_url(req["url"], scope, t.engine.limits.expr_budget)
        headers = {k: t.render(v, scope) for k, v in req.get("headers", {}).items()}
        body = _render_json(t, req["body"], scope) if "body" in req else None
    except ExprError as exc:
        t.log("error", "expression_error", f"call {frame.step}: {exc.message}", frame)
        return _go(t, run, frame, "call", f"error: {exc.code}", edge="error")
    request_id = t.state.next_id("http")
    t.emit(HttpRequest(request_id, req.get("method", "GET"), url, headers, body,
                       clamp_timeout(req.get("timeout")), clamp_retries(req.get("retries"))))
    run.waiting = Waiting("call", request_id)
    er.trace(t, run, frame, "call", f"{req.get('method', 'GET')} {url}")
    return "pause"


def _render_json(t: Turn, value: Any, scope: dict[str, Any]) -> Any:
    """A request body: every string in it is a template."""
    if isinstance(value, str):
        return t.render(value, scope)
    if isinstance(value, dict):
        return {k: _render_json(t, v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(t, v, scope) for v in value]
    return value


def call_result(t: Turn, run: Run, result: HttpResult) -> None:
    """Save a JSON answer and go on, or take the error branch (status, timeout, not JSON)."""
    frame = run.top
    flow = t.engine.version(frame.flow, frame.version)
    step = None if flow is None or frame.step is None else flow.steps.get(frame.step)
    save = None if step is None else step.params.get("save")
    problem, data = _decode(result)
    if problem:
        t.log("warning", "call_failed", f"call {frame.step}: {problem}", frame)
        er.trace(t, run, frame, "call", f"error: {problem}")
        er.resume(t, run, "error")
        return
    changed: tuple[str, ...] = ()
    if save:
        frame.vars[save] = data
        changed = (save,)
    er.trace(t, run, frame, "call", f"status {result.status}", changed)
    er.resume(t, run, "next")


def _decode(result: HttpResult) -> tuple[str, Any]:
    if result.error:
        return result.error, None
    if not 200 <= result.status < 300:
        return f"HTTP {result.status}", None
    if not result.body.strip():
        return "", None
    if len(result.body) > MAX_BODY:
        return "answer too large", None
    try:
        return "", storable(read_json(result.body))
    except JsonLimit as exc:
        return f"answer {exc}", None
    except (ValueError, RecursionError):
        kind = "HTML" if result.body.lstrip()[:1] == "<" else "text"
        return f"answer is {kind}, not JSON a flow can keep", None


EXECUTORS: dict[str, Executor] = {
    "send": _send, "template": _template, "ask": _ask, "branch": _branch, "set": _set,
    "tag": _tag, "untag": _untag, "field": _field, "consent": _consent, "call": _call,
    "wait": _wait, "agent": _agent, "handoff": _handoff, "goto": _goto, "run": _run,
    "link": _link, "end": _end,
}
