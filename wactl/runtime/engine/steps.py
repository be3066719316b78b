"""One function per step kind (but `ask` and `agent`): what the step does, and its decision.

Each returns a `Decision` (see `decision`): go along an edge, pause with what the run
waits for, or stop with a reason; `loop` carries it out.  An `ExprError` raised here
ends the run with a logged reason (see `loop`), except in `call`, where a request
that cannot be built takes the error branch like a request that failed.  The paused
kinds kept here have their resumption beside their start: `call` (its HTTP answer)
and `wait` (its timer).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from wactl.compiler.egress import clamp_retries, clamp_timeout
from wactl.compiler.ir import (
    IRBranchStep,
    IRCallStep,
    IRConsentStep,
    IREndStep,
    IRFieldStep,
    IRGotoStep,
    IRHandoffStep,
    IRLinkStep,
    IRRunStep,
    IRSendStep,
    IRSetStep,
    IRTagStep,
    IRTemplateStep,
    IRUntagStep,
    IRWaitStep,
)
from wactl.runtime.bounded_json import JsonLimit, read_json
from wactl.runtime.effects import (
    ConsentChanged,
    FieldsChanged,
    HttpRequest,
    ScheduleTimer,
    TagsChanged,
)
from wactl.runtime.engine.decision import (
    Decision,
    Enter,
    Finish,
    Go,
    Handover,
    Link,
    Pause,
    error,
)
from wactl.runtime.engine.messages import deliver, render_message, say, template_effect
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import HttpResult
from wactl.runtime.expressions import ExprError, parse_date
from wactl.runtime.state import Frame, Run, Waiting, storable
from wactl.runtime.urls import render_url

MAX_BODY = 1_000_000


# --------------------------------------------------------------------------- messages


def send(t: Turn, run: Run, frame: Frame, step: IRSendStep, scope: dict[str, Any]) -> Decision:
    fallback = step.params.fallback_template
    rendered = render_message(t, step.params.message, scope, frame.step or "")
    if not deliver(t, rendered, template_effect(t, fallback, scope) if fallback else None):
        return error("window_closed", "the customer has not written in 24 hours: "
                     "only a template may be sent (add `fallback_template`)")
    return Go()


def template(t: Turn, run: Run, frame: Frame, step: IRTemplateStep,
             scope: dict[str, Any]) -> Decision:
    t.emit(template_effect(t, step.params.template, scope))
    return Go()


def end(t: Turn, run: Run, frame: Frame, step: IREndStep, scope: dict[str, Any]) -> Decision:
    if not say(t, step.params.message, scope):
        t.log("warning", "window_closed", "closing message not sent: 24h window closed", frame)
    return Finish("ended")


def handoff(t: Turn, run: Run, frame: Frame, step: IRHandoffStep,
            scope: dict[str, Any]) -> Decision:
    if not say(t, step.params.message, scope):
        t.log("warning", "window_closed", "handoff message not sent: 24h window closed", frame)
    return Handover(step.params.team, f"step {frame.flow}.{frame.step}", "handed off")


# --------------------------------------------------------------------------- data


def branch(t: Turn, run: Run, frame: Frame, step: IRBranchStep,
           scope: dict[str, Any]) -> Decision:
    for i, arm in enumerate(step.params.arms):
        try:
            hit = t.test(arm.if_, scope)
        except ExprError as exc:
            t.log("warning", "expression_error", f"branch arm {i + 1}: {exc.message}; "
                  "taken as false", frame)
            hit = False
        if hit:
            return Go(f"arm {i + 1}", "branch", i)
    return Go("else", "else")


def set_(t: Turn, run: Run, frame: Frame, step: IRSetStep, scope: dict[str, Any]) -> Decision:
    changed = []
    for pair in step.params.assign:
        value = t.evaluate(pair.value, scope)
        frame.vars[pair.name] = scope[pair.name] = value
        changed.append(pair.name)
    return Go(changed=tuple(changed))


def tag(t: Turn, run: Run, frame: Frame, step: IRTagStep, scope: dict[str, Any]) -> Decision:
    tags = t.state.customer.tags
    added = tuple(tag for tag in dict.fromkeys(step.params.tags) if tag not in tags)
    tags.extend(added)
    t.customer_changed()
    if added:
        t.emit(TagsChanged(t.state.wa_id, added=added))
    return Go(f"added {', '.join(added) or 'nothing'}")


def untag(t: Turn, run: Run, frame: Frame, step: IRUntagStep,
          scope: dict[str, Any]) -> Decision:
    tags = t.state.customer.tags
    removed = tuple(tag for tag in dict.fromkeys(step.params.tags) if tag in tags)
    tags[:] = [tag for tag in tags if tag not in removed]
    t.customer_changed()
    if removed:
        t.emit(TagsChanged(t.state.wa_id, removed=removed))
    return Go(f"removed {', '.join(removed) or 'nothing'}")


def field(t: Turn, run: Run, frame: Frame, step: IRFieldStep,
          scope: dict[str, Any]) -> Decision:
    values = {pair.name: t.render(pair.value, scope) for pair in step.params.assign}
    t.state.customer.fields.update(values)
    t.customer_changed()
    t.emit(FieldsChanged(t.state.wa_id, values))
    return Go(f"set {', '.join(values)}")


def consent(t: Turn, run: Run, frame: Frame, step: IRConsentStep,
            scope: dict[str, Any]) -> Decision:
    value = step.params.consent
    if t.state.customer.consent != value:
        t.state.customer.consent = value
        t.customer_changed()
        t.emit(ConsentChanged(t.state.wa_id, value))
        t.publish("CustomerOptInChanged", consent=value)
    return Go(value)


# --------------------------------------------------------------------------- control


def goto(t: Turn, run: Run, frame: Frame, step: IRGotoStep, scope: dict[str, Any]) -> Decision:
    return Go("ok", "goto")


def wait(t: Turn, run: Run, frame: Frame, step: IRWaitStep, scope: dict[str, Any]) -> Decision:
    p = step.params
    due: datetime | None = None
    if p.seconds is not None:
        due = t.event.at + seconds(p.seconds)
    elif p.until is None:
        return error("bad_wait", "wait has neither seconds nor until")
    else:
        value = t.evaluate(p.until, scope)
        due = as_instant(parse_date(value) if isinstance(value, str) else value, t.engine.tz)
        if due is None:
            return error("bad_wait", f"wait until: {value!r} is not a date")
        if due <= t.event.at:
            return Go("already due")
    timer = t.state.next_id("timer")
    t.emit(ScheduleTimer(t.state.wa_id, timer, due))
    return Pause(Waiting("wait", timer), f"until {due.isoformat()}")


def wait_over(t: Turn, run: Run) -> list[Decision]:
    """The wait's timer fired: the run goes on."""
    return [Go("timer fired")]


def seconds(value: int | float) -> timedelta:
    return timedelta(seconds=float(value))


def as_instant(value: Any, tz: tzinfo) -> datetime | None:
    """A `wait until` value as an aware instant: a date means its midnight in the shop's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return None


def run_(t: Turn, run: Run, frame: Frame, step: IRRunStep, scope: dict[str, Any]) -> Decision:
    pinned = run.pins.get(step.params.flow)
    sub = (t.engine.version(step.params.flow, pinned) if pinned
           else t.engine.flows.get(step.params.flow))
    if sub is None:
        return error("unknown_flow", f"sub-flow {step.params.flow} missing")
    args = {name: t.evaluate(src, scope) for name, src in step.params.with_.items()}
    return Enter(Frame(sub.id, sub.hash or sub.id, sub.entry, {**sub.vars, **args},
                       save=step.params.save), f"calls {sub.id}")


def link(t: Turn, run: Run, frame: Frame, step: IRLinkStep, scope: dict[str, Any]) -> Decision:
    target = t.engine.flows.get(step.params.flow)
    if target is None:
        return error("unknown_flow", f"linked flow {step.params.flow} missing",
                     f"to {step.params.flow}")
    return Link(target, f"to {step.params.flow}")


# --------------------------------------------------------------------------- call


def call(t: Turn, run: Run, frame: Frame, step: IRCallStep, scope: dict[str, Any]) -> Decision:
    req = step.params.request
    try:
        url = render_url(req.url, scope, t.engine.limits.expr_budget)
        headers = {k: t.render(v, scope) for k, v in req.headers.items()}
        body = _render_json(t, req.body, scope) if req.body is not None else None
    except ExprError as exc:
        t.log("error", "expression_error", f"call {frame.step}: {exc.message}", frame)
        return Go(f"error: {exc.code}", "error")
    request_id = t.state.next_id("http")
    t.emit(HttpRequest(request_id, req.method, url, headers, body,
                       clamp_timeout(req.timeout), clamp_retries(req.retries)))
    return Pause(Waiting("call", request_id), f"{req.method} {url}")


def _render_json(t: Turn, value: Any, scope: dict[str, Any]) -> Any:
    """A request body: every string in it is a template."""
    if isinstance(value, str):
        return t.render(value, scope)
    if isinstance(value, dict):
        return {k: _render_json(t, v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(t, v, scope) for v in value]
    return value


def call_result(t: Turn, run: Run, result: HttpResult) -> list[Decision]:
    """Save a JSON answer and go on, or take the error branch (status, timeout, not JSON)."""
    frame = run.top
    flow = t.engine.version(frame.flow, frame.version)
    step = None if flow is None or frame.step is None else flow.steps.get(frame.step)
    save = step.params.save if isinstance(step, IRCallStep) else None
    problem, data = _decode(result)
    if problem:
        t.log("warning", "call_failed", f"call {frame.step}: {problem}", frame)
        return [Go(f"error: {problem}", "error")]
    changed: tuple[str, ...] = ()
    if save:
        frame.vars[save] = data
        changed = (save,)
    return [Go(f"status {result.status}", changed=changed)]


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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
