"""A customer's answer to an `ask`: typed by `expect`, checked by `validate`, retried.

An answer that fails `expect` or `validate` gets `retry_message` (or the question
again) and counts one retry; `retries: 2` allows two more tries, and the next invalid
answer leaves by the `fail` edge (`on_fail`, or the end of the run).

With `extract`, a free-text answer first goes to the AI layer, which fills the
declared variables the message mentions (typed here: a date must parse as a date, a
number as a number; anything else is dropped as not mentioned).  If that filled the
ask's own `save` variable, the answer is that value (still checked by `validate`);
otherwise the text is read by `expect` as usual.  When the AI layer is down the text
is read by `expect` alone: the flow's later asks collect what is missing.
"""

from __future__ import annotations

from typing import Any, Literal

from wactl.compiler.ir import AnyStep, IRAskStep
from wactl.runtime.agents.answers import coerce
from wactl.runtime.answers import Answer, parse_answer
from wactl.runtime.effects import AiRequest, CancelTimer
from wactl.runtime.engine import run as er
from wactl.runtime.engine.messages import options_of, render_message, say
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import AiResult, Inbound
from wactl.runtime.expressions import ExprError, parse_date
from wactl.runtime.state import Frame, Run, Waiting

Taken = Literal["taken", "invalid"]


def current_step(t: Turn, frame: Frame) -> AnyStep | None:
    flow = t.engine.version(frame.flow, frame.version)
    return None if flow is None or frame.step is None else flow.steps.get(frame.step)


def on_answer(t: Turn, run: Run, message: Inbound) -> Taken:
    """Take `message` as the answer to the run's ask; "invalid" leaves the retry to the caller."""
    try:
        return _on_answer(t, run, message)
    except ExprError as exc:
        fail(t, run, exc)
        return "taken"


def fail(t: Turn, run: Run, exc: ExprError) -> None:
    """A text the ask needs (its options, its retry message) cannot be rendered: the run ends."""
    t.log("error", "expression_error", f"ask {run.top.step}: {exc.message}", run.top)
    er.end_run(t, run, f"error: {exc.code}")


def _on_answer(t: Turn, run: Run, message: Inbound) -> Taken:
    frame = run.top
    step = current_step(t, frame)
    if not isinstance(step, IRAskStep):
        return "invalid"
    extract = step.params.extract
    if extract and message.kind == "text" and message.text.strip():
        _request_extract(t, run, message.text, extract)
        return "taken"
    return _accept(t, run, frame, step, _parse(t, frame, step, message))


def _parse(t: Turn, frame: Frame, step: IRAskStep, message: Inbound) -> Answer:
    scope = t.scope(frame)
    options = options_of(t, step.params.message, scope, frame.step or "", frame.version)
    return parse_answer(step.params.expect, message, options,
                        today=t.now.date())


def _accept(t: Turn, run: Run, frame: Frame, step: IRAskStep, answer: Answer) -> Taken:
    if not answer.ok or not _valid(t, frame, step, answer.value):
        er.trace(t, run, frame, "ask", f"invalid answer ({answer.reason or 'validate'})")
        return "invalid"
    save = step.params.save
    if save:
        frame.vars[save] = answer.value
    _cancel_timeout(t, run)
    er.trace(t, run, frame, "ask", "answered", (save,) if save else ())
    er.resume(t, run, "next")
    return "taken"


def _valid(t: Turn, frame: Frame, step: IRAskStep, value: Any) -> bool:
    rule = step.params.validate_
    if rule is None:
        return True
    try:
        return t.test(rule, t.scope(frame, answer=value))
    except ExprError as exc:
        t.log("warning", "expression_error", f"validate: {exc.message}; answer refused", frame)
        return False


def retry(t: Turn, run: Run) -> None:
    """One more invalid answer: the retry message, or the `fail` edge when retries ran out."""
    try:
        _retry(t, run)
    except ExprError as exc:
        fail(t, run, exc)


def _retry(t: Turn, run: Run) -> None:
    frame = run.top
    step = current_step(t, frame)
    if not isinstance(step, IRAskStep):
        return
    frame.retries += 1
    if frame.retries > step.params.retries:
        _cancel_timeout(t, run)
        er.trace(t, run, frame, "ask", "out of retries")
        er.resume(t, run, "fail")
        return
    scope = t.scope(frame)
    if step.params.retry_message is not None:
        say(t, step.params.retry_message, scope)
    else:
        rendered = render_message(t, step.params.message, scope, frame.step or "")
        t.effects.extend(rendered.effects)


def _cancel_timeout(t: Turn, run: Run) -> None:
    if run.waiting is not None and run.waiting.timer:
        t.emit(CancelTimer(t.state.wa_id, run.waiting.timer))
        run.waiting.timer = None


# --------------------------------------------------------------------------- extract


def _request_extract(t: Turn, run: Run, text: str, fields: dict[str, str]) -> None:
    request_id = t.state.next_id("ai")
    t.emit(AiRequest(request_id, "extract", t.state.wa_id, text, fields=dict(fields),
                     language=t.language))
    timer = run.waiting.timer if run.waiting is not None else None
    run.waiting = Waiting("extract", request_id, timer, text)


def on_extract(t: Turn, run: Run, result: AiResult) -> None:
    """Values the AI layer found, then the held answer read as usual."""
    try:
        _on_extract(t, run, result)
    except ExprError as exc:
        fail(t, run, exc)


def _on_extract(t: Turn, run: Run, result: AiResult) -> None:
    frame = run.top
    step = current_step(t, frame)
    held = run.waiting.text if run.waiting is not None else ""
    timer = run.waiting.timer if run.waiting is not None else None
    run.waiting = Waiting("ask", "", timer)
    if not isinstance(step, IRAskStep):
        return
    found = {} if result.error else typed_values(result.values, step.params.extract)
    save = step.params.save
    own = found.pop(save, None) if save else None
    frame.vars.update(found)
    if found:
        er.trace(t, run, frame, "ask", "extracted", tuple(sorted(found)))
    if own is not None:
        answer = Answer(True, own)
    else:
        answer = _parse(t, frame, step, Inbound(t.state.wa_id, t.event.at, "text", text=held))
    if _accept(t, run, frame, step, answer) == "invalid":
        _retry(t, run)


def typed_values(values: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """The declared values the model gave, in their types (the AI layer's `coerce`, dates
    as dates for expressions); values that are not of their type are dropped."""
    out: dict[str, Any] = {}
    for name, kind in types.items():
        value = coerce(values.get(name), kind)
        if kind == "date" and value is not None:
            value = parse_date(value)
        if value is not None:
            out[name] = value
    return out
