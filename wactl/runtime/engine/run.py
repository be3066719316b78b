"""Stepping through a flow's graph: starting runs, running steps until a pause, ending runs.

Control flow is only the IR's edges: `next` on success, `skip` when a `when` guard is
false, `branch` arms in order then `else`, `fail` when an ask runs out of retries,
`error` when a call fails, `timeout` when an ask's customer went quiet, `goto`.  A
target of `end` ends the frame: a sub-flow returns to its caller (whose `save` gets
the sub-flow's variables), the outermost frame ends the run.

A run pauses in `ask` (for an answer), `wait` (for a timer), `agent` (for the next
message), `call` (for an HTTP answer) and while the AI layer works; the state records
why, so whichever event comes next finds its place.  Every step taken is traced with
the variables it changed.  The runtime guard: at most `max_steps_per_event` steps per
event, `max_visits` per step, and runs older than `max_run_age` are not resumed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from wactl.compiler.ir import AnyStep, IRFlow
from wactl.runtime.effects import CancelTimer
from wactl.runtime.engine import steps as engine_steps
from wactl.runtime.engine.turn import Signal, Turn
from wactl.runtime.events import HttpResult, TimerFired
from wactl.runtime.expressions import ExprError
from wactl.runtime.state import MAX_TRACE, Frame, Run, TraceEntry

END = "end"


# --------------------------------------------------------------------------- starting


def start_by_id(t: Turn, flow_id: str, vars: dict[str, Any], *, reason: str) -> None:
    flow = t.engine.flows.get(flow_id)
    if flow is None:
        t.log("error", "unknown_flow", f"flow {flow_id!r} is not deployed")
        return
    if flow.rule:
        start_rule(t, flow, vars)
    else:
        start_flow(t, flow, vars, reason=reason)


def start_flow(t: Turn, flow: IRFlow, vars: dict[str, Any], *, reason: str) -> None:
    """Start `flow` as the conversation's run; a run in progress is superseded."""
    if t.state.run is not None:
        end_run(t, t.state.run, f"superseded by {flow.id}")
    run = new_run(t, flow, vars)
    t.state.run = run
    t.state.needs_human = False
    t.log("info", "run_started", f"flow {flow.id} started ({reason})", run.top)
    advance(t, run)


def start_rule(t: Turn, flow: IRFlow, vars: dict[str, Any]) -> None:
    """Run a rule beside whatever else goes on; it only waits for an HTTP answer."""
    run = new_run(t, flow, vars)
    t.state.side.append(run)
    advance(t, run)


def new_run(t: Turn, flow: IRFlow, vars: dict[str, Any]) -> Run:
    frame = Frame(flow.id, flow.hash or flow.id, flow.entry, {**flow.vars, **vars})
    return Run(t.state.next_id("run"), flow.id, t.event.at, [frame])


def end_run(t: Turn, run: Run, reason: str) -> None:
    """Finish `run`: cancel its timers, move it to `finished` with its trace."""
    if run.waiting is not None:
        for timer in (run.waiting.id if run.waiting.kind == "wait" else None, run.waiting.timer):
            if timer:
                t.emit(CancelTimer(t.state.wa_id, timer))
        run.waiting = None
    if t.state.run is run:
        t.state.run = None
    elif run in t.state.side:
        t.state.side.remove(run)
    if run.frames:
        _trace(t, run, run.top, run.top.step or END, "end", reason)
    t.state.finished.append(run)


# --------------------------------------------------------------------------- stepping


def advance(t: Turn, run: Run) -> None:
    """Take steps until the run pauses or ends."""
    if not t.engine.knows(run.top.version):
        t.log("warning", "version_missing", f"version {run.top.version[:12]} of {run.top.flow} "
              "is not loaded: the run goes on with the deployed version", run.top)
    while True:
        frame = run.top
        if frame.step is None or frame.step == END:
            if not _return(t, run):
                return
            continue
        flow = t.engine.version(frame.flow, frame.version)
        step = None if flow is None else flow.steps.get(frame.step)
        if flow is None or step is None:
            t.log("error", "version_missing", f"{frame.flow}.{frame.step} is not deployed", frame)
            end_run(t, run, "error: flow version missing")
            return
        if not _guard(t, run, frame, step):
            return
        signal = _take(t, run, frame, flow, step)
        if signal != "go":
            return


def _return(t: Turn, run: Run) -> bool:
    """A frame reached `end`: return to the caller (True to go on) or end the run."""
    if len(run.frames) == 1:
        end_run(t, run, "completed")
        return False
    child = run.frames.pop()
    parent = run.top
    if child.save:
        parent.vars[child.save] = dict(child.vars)
    _trace(t, run, parent, parent.step or END, "run", f"returned from {child.flow}",
           (child.save,) if child.save else ())
    return follow(t, run, parent, "next")


def _guard(t: Turn, run: Run, frame: Frame, step: AnyStep) -> bool:
    """The runtime guard; False when the run was ended by it."""
    t.steps += 1
    if t.steps > t.engine.limits.max_steps_per_event:
        t.log("error", "step_limit", f"more than {t.engine.limits.max_steps_per_event} steps "
              "in one event: the run was stopped", frame)
        end_run(t, run, "error: step limit")
        return False
    sid = frame.step or END
    frame.visits[sid] = visits = frame.visits.get(sid, 0) + 1
    if step.max_visits is not None and visits > step.max_visits:
        t.log("error", "max_visits", f"step {sid} visited more than {step.max_visits} times",
              frame)
        end_run(t, run, "error: max_visits")
        return False
    return True


def _take(t: Turn, run: Run, frame: Frame, flow: IRFlow, step: AnyStep) -> Signal:
    scope = t.scope(frame)
    if step.when is not None:
        try:
            skip = not t.test(step.when, scope)
        except ExprError as exc:
            t.log("warning", "expression_error", f"when: {exc.message}; step skipped", frame)
            skip = True
        if skip:
            _trace(t, run, frame, frame.step or END, step.kind, "skipped")
            return "go" if follow(t, run, frame, "skip") else "stop"
    try:
        return engine_steps.execute(t, run, frame, step, scope)
    except ExprError as exc:
        t.log("error", "expression_error", f"{step.kind} {frame.step}: {exc.message}", frame)
        end_run(t, run, f"error: {exc.code}")
        return "stop"


def follow(t: Turn, run: Run, frame: Frame, kind: str, index: int = 0) -> bool:
    """Move `frame` along its step's `index`-th edge of `kind`; False if the run ended."""
    targets = [] if frame.step is None else t.engine.targets(
        frame.flow, frame.version, frame.step, kind)
    frame.step = targets[index] if index < len(targets) else END
    return t.state.run is run or run in t.state.side


def trace(t: Turn, run: Run, frame: Frame, kind: str, outcome: str,
          changed: tuple[str, ...] = ()) -> None:
    _trace(t, run, frame, frame.step or END, kind, outcome, changed)


def _trace(t: Turn, run: Run, frame: Frame, step: str, kind: str, outcome: str,
           changed: tuple[str, ...] = ()) -> None:
    run.trace.append(TraceEntry(t.event.at, frame.flow, step, kind, outcome, changed))
    if len(run.trace) > MAX_TRACE:
        del run.trace[: len(run.trace) - MAX_TRACE]


def resume(t: Turn, run: Run, kind: str, index: int = 0) -> None:
    """Continue a paused run along an edge (after an answer, a timer, a result)."""
    run.waiting = None
    if t.event.at - run.started_at > t.engine.limits.max_run_age:
        t.log("warning", "run_expired", f"run {run.id} is older than "
              f"{t.engine.limits.max_run_age} and was not resumed", run.top)
        end_run(t, run, "expired")
        return
    if follow(t, run, run.top, kind, index):
        advance(t, run)


# --------------------------------------------------------------------------- events


def on_timer(t: Turn, event: TimerFired) -> None:
    run = t.state.run
    w = None if run is None else run.waiting
    if run is None or w is None:
        t.log("info", "stale_timer", f"timer {event.timer_id} fired with no run waiting")
        return
    if w.kind == "wait" and w.id == event.timer_id:
        trace(t, run, run.top, "wait", "timer fired")
        resume(t, run, "next")
    elif w.timer == event.timer_id and w.kind in ("ask", "extract"):
        trace(t, run, run.top, "ask", "timed out")
        w.timer = None
        resume(t, run, "timeout")
    else:
        t.log("info", "stale_timer", f"timer {event.timer_id} is not the one the run waits for")


def on_http_result(t: Turn, event: HttpResult) -> None:
    for run in [t.state.run, *t.state.side]:
        w = None if run is None else run.waiting
        if run is not None and w is not None and w.kind == "call" and w.id == event.request_id:
            engine_steps.call_result(t, run, event)
            return
    t.log("info", "stale_result", f"HTTP answer {event.request_id} has no run waiting for it")


def seconds(value: int | float) -> timedelta:
    return timedelta(seconds=float(value))


def as_instant(value: Any, tz: tzinfo) -> datetime | None:
    """A `wait until` value as an aware instant: a date means its midnight in the shop's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return None
