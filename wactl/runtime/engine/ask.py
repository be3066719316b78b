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

The ask's start (the question, its timeout timer), each answer, each retry, the
extraction's answer and the timeout all live here, and all return decisions that
`loop` carries out (it alone moves the run, traces and ends it).
"""

from __future__ import annotations

from typing import Any, Literal

from wactl.compiler.ir import AnyStep, IRAskStep
from wactl.runtime.agents.answers import coerce
from wactl.runtime.answers import Answer, parse_answer
from wactl.runtime.effects import AiRequest, CancelTimer, ScheduleTimer
from wactl.runtime.engine.decision import Decision, Go, Note, Pause, Stop, error
from wactl.runtime.engine.messages import deliver, options_of, render_message, say
from wactl.runtime.engine.steps import seconds
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import AiResult, Inbound
from wactl.runtime.expressions import ExprError, parse_date
from wactl.runtime.state import Frame, Run, Waiting

Taken = Literal["taken", "invalid"]


def current_step(t: Turn, frame: Frame) -> AnyStep | None:
    flow = t.engine.version(frame.flow, frame.version)
    return None if flow is None or frame.step is None else flow.steps.get(frame.step)


# --------------------------------------------------------------------------- asking


def ask(t: Turn, run: Run, frame: Frame, step: IRAskStep, scope: dict[str, Any]) -> Decision:
    """The question, and its timeout timer when the step has one: the run waits."""
    rendered = render_message(t, step.params.message, scope, frame.step or "")
    if not deliver(t, rendered):
        return error("window_closed", "cannot ask: the customer has not written in 24 hours")
    frame.retries = 0
    timer = None
    if step.params.timeout:
        timer = t.state.next_id("timer")
        t.emit(ScheduleTimer(t.state.wa_id, timer, t.event.at + seconds(step.params.timeout)))
    return Pause(Waiting("ask", "", timer), "asked")


def timed_out(t: Turn, run: Run, waiting: Waiting) -> list[Decision]:
    """The customer went quiet: the `timeout` edge (its timer has fired, nothing to cancel)."""
    waiting.timer = None
    return [Go("timed out", "timeout")]


# --------------------------------------------------------------------------- answers


def on_answer(t: Turn, run: Run, message: Inbound) -> tuple[Taken, list[Decision]]:
    """Take `message` as the answer to the run's ask; "invalid" leaves the retry to the caller."""
    try:
        return _on_answer(t, run, message)
    except ExprError as exc:
        return "taken", [fail(run, exc)]


def fail(run: Run, exc: ExprError) -> Stop:
    """A text the ask needs (its options, its retry message) cannot be rendered: the run ends."""
    return Stop(f"error: {exc.code}", None, "expression_error",
                f"ask {run.top.step}: {exc.message}")


def _on_answer(t: Turn, run: Run, message: Inbound) -> tuple[Taken, list[Decision]]:
    frame = run.top
    step = current_step(t, frame)
    if not isinstance(step, IRAskStep):
        return "invalid", []
    extract = step.params.extract
    if extract and message.kind == "text" and message.text.strip():
        return "taken", [_request_extract(t, run, message.text, extract)]
    return _accept(t, frame, step, _parse(t, frame, step, message), run.waiting)


def _parse(t: Turn, frame: Frame, step: IRAskStep, message: Inbound) -> Answer:
    scope = t.scope(frame)
    options = options_of(t, step.params.message, scope, frame.step or "", frame.version)
    return parse_answer(step.params.expect, message, options,
                        today=t.now.date())


def _accept(t: Turn, frame: Frame, step: IRAskStep, answer: Answer,
            waiting: Waiting | None) -> tuple[Taken, list[Decision]]:
    """A valid answer is saved and the run goes on (its timeout, in `waiting`, cancelled)."""
    if not answer.ok or not _valid(t, frame, step, answer.value):
        return "invalid", [Note(f"invalid answer ({answer.reason or 'validate'})")]
    save = step.params.save
    if save:
        frame.vars[save] = answer.value
    _cancel_timeout(t, waiting)
    return "taken", [Go("answered", changed=(save,) if save else ())]


def _valid(t: Turn, frame: Frame, step: IRAskStep, value: Any) -> bool:
    rule = step.params.validate_
    if rule is None:
        return True
    try:
        return t.test(rule, t.scope(frame, answer=value))
    except ExprError as exc:
        t.log("warning", "expression_error", f"validate: {exc.message}; answer refused", frame)
        return False


def retry(t: Turn, run: Run) -> list[Decision]:
    """One more invalid answer: the retry message, or the `fail` edge when retries ran out."""
    try:
        return _retry(t, run, run.waiting)
    except ExprError as exc:
        return [fail(run, exc)]


def _retry(t: Turn, run: Run, waiting: Waiting | None) -> list[Decision]:
    frame = run.top
    step = current_step(t, frame)
    if not isinstance(step, IRAskStep):
        return []
    frame.retries += 1
    if frame.retries > step.params.retries:
        _cancel_timeout(t, waiting)
        return [Go("out of retries", "fail")]
    scope = t.scope(frame)
    if step.params.retry_message is not None:
        say(t, step.params.retry_message, scope)
    else:
        rendered = render_message(t, step.params.message, scope, frame.step or "")
        t.effects.extend(rendered.effects)
    return []


def _cancel_timeout(t: Turn, waiting: Waiting | None) -> None:
    if waiting is not None and waiting.timer:
        t.emit(CancelTimer(t.state.wa_id, waiting.timer))
        waiting.timer = None


# --------------------------------------------------------------------------- extract


def _request_extract(t: Turn, run: Run, text: str, fields: dict[str, str]) -> Decision:
    request_id = t.state.next_id("ai")
    t.emit(AiRequest(request_id, "extract", t.state.wa_id, text, fields=dict(fields),
                     language=t.language))
    timer = run.waiting.timer if run.waiting is not None else None
    return Pause(Waiting("extract", request_id, timer, text))


def on_extract(t: Turn, run: Run, result: AiResult) -> list[Decision]:
    """Values the AI layer found, then the held answer read as usual."""
    held = run.waiting.text if run.waiting is not None else ""
    timer = run.waiting.timer if run.waiting is not None else None
    waiting = Waiting("ask", "", timer)
    out: list[Decision] = [Pause(waiting)]
    try:
        _on_extract(t, run, result, held, waiting, out)
    except ExprError as exc:
        out.append(fail(run, exc))
    return out


def _on_extract(t: Turn, run: Run, result: AiResult, held: str, waiting: Waiting,
                out: list[Decision]) -> None:
    frame = run.top
    step = current_step(t, frame)
    if not isinstance(step, IRAskStep):
        return
    found = {} if result.error else typed_values(result.values, step.params.extract)
    save = step.params.save
    own = found.pop(save, None) if save else None
    frame.vars.update(found)
    if found:
        out.append(Note("extracted", tuple(sorted(found))))
    if own is not None:
        answer = Answer(True, own)
    else:
        answer = _parse(t, frame, step, Inbound(t.state.wa_id, t.event.at, "text", text=held))
    taken, decided = _accept(t, frame, step, answer, waiting)
    out += decided
    if taken == "invalid":
        out += _retry(t, run, waiting)


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
