"""The loop: starting runs, taking steps until a pause, carrying out decisions, ending runs.

Step executors (`steps`, `ask`, `agent`) and the resumptions of paused kinds return
decisions (`decision`); this module alone follows edges, writes the trace and ends
runs.  Control flow is only the IR's edges: `next` on success, `skip` when a `when`
guard is false, `branch` arms in order then `else`, `fail` when an ask runs out of
retries, `error` when a call fails, `timeout` when an ask's customer went quiet,
`goto`.  A target of `end` ends the frame: a sub-flow returns to its caller (whose
`save` gets the sub-flow's variables), the outermost frame ends the run.

A run pauses in `ask` (for an answer), `wait` (for a timer), `agent` (for the next
message), `call` (for an HTTP answer) and while the AI layer works; the state records
why, so whichever event comes next finds its place.  Every step taken is traced with
the variables it changed.  The runtime guard: at most `max_steps_per_event` steps per
event, `max_visits` per step, and runs older than `max_run_age` are not resumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from wactl.compiler.ir import (
    AnyStep,
    IRAgentStep,
    IRAskStep,
    IRBranchStep,
    IRCallStep,
    IRConsentStep,
    IREndStep,
    IRFieldStep,
    IRFlow,
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
from wactl.runtime.effects import CancelTimer, Handoff
from wactl.runtime.engine import agent, ask, steps
from wactl.runtime.engine.decision import (
    Decision,
    Enter,
    Finish,
    Go,
    Handover,
    Link,
    Note,
    Pause,
    Stop,
)
from wactl.runtime.engine.turn import Turn
from wactl.runtime.expressions import ExprError
from wactl.runtime.state import MAX_TRACE, Frame, Run, TraceEntry

END = "end"
S = TypeVar("S", bound=AnyStep)
Executor = Callable[[Turn, Run, Frame, S, dict[str, Any]], Decision]


def _entry(kind: type[S], executor: Executor[S]) -> tuple[type[Any], Executor[Any]]:
    """One row of the table; mypy checks that the executor takes that kind of step."""
    return kind, executor


EXECUTORS: dict[type[AnyStep], Executor[Any]] = dict([
    _entry(IRSendStep, steps.send), _entry(IRTemplateStep, steps.template),
    _entry(IRAskStep, ask.ask), _entry(IRBranchStep, steps.branch),
    _entry(IRSetStep, steps.set_), _entry(IRTagStep, steps.tag),
    _entry(IRUntagStep, steps.untag), _entry(IRFieldStep, steps.field),
    _entry(IRConsentStep, steps.consent), _entry(IRCallStep, steps.call),
    _entry(IRWaitStep, steps.wait), _entry(IRAgentStep, agent.listen),
    _entry(IRHandoffStep, steps.handoff), _entry(IRGotoStep, steps.goto),
    _entry(IRRunStep, steps.run_), _entry(IRLinkStep, steps.link),
    _entry(IREndStep, steps.end),
])
"""The executor of each step kind, by the step's model."""


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
    return Run(t.state.next_id("run"), flow.id, t.event.at, [frame],
               pins=dict(t.engine.pins.get(flow.id, {})))


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


def hand_off(t: Turn, team: str | None, reason: str, by: Run) -> None:
    """A person takes the conversation: the run in progress ends (a rule may hand off in
    the middle of another flow, whose waits and timers must not talk over the person)."""
    t.state.handed_off, t.state.team, t.state.needs_human = True, team, True
    current = t.state.run
    if current is not None and current is not by:
        end_run(t, current, "handed off to a person")
    t.emit(Handoff(t.state.wa_id, team, reason))
    t.publish("ConversationPending", reason="handoff", team=team, detail=reason)


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
        if not apply(t, run, frame, step.kind, _take(t, run, frame, step)):
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


def _take(t: Turn, run: Run, frame: Frame, step: AnyStep) -> Decision:
    """What the step decides: `skip` when its guard is false, else its executor's word."""
    scope = t.scope(frame)
    if step.when is not None:
        try:
            skip = not t.test(step.when, scope)
        except ExprError as exc:
            t.log("warning", "expression_error", f"when: {exc.message}; step skipped", frame)
            skip = True
        if skip:
            return Go("skipped", "skip")
    try:
        return EXECUTORS[type(step)](t, run, frame, step, scope)
    except ExprError as exc:
        return Stop(f"error: {exc.code}", None, "expression_error",
                    f"{step.kind} {frame.step}: {exc.message}")


def apply(t: Turn, run: Run, frame: Frame, kind: str, decision: Decision) -> bool:
    """Carry out a decision about `frame`'s step; True when the run goes on stepping."""
    match decision:
        case Go(outcome=outcome, edge=edge, index=index, changed=changed):
            if outcome is not None:
                _trace(t, run, frame, frame.step or END, kind, outcome, changed)
            return follow(t, run, frame, edge, index)
        case Pause(waiting=waiting, outcome=outcome):
            run.waiting = waiting
            if outcome is not None:
                _trace(t, run, frame, frame.step or END, kind, outcome)
            return False
        case Note(outcome=outcome, changed=changed):
            _trace(t, run, frame, frame.step or END, kind, outcome, changed)
            return False
        case Stop(reason=reason, outcome=outcome, code=code, message=message):
            if outcome is not None:
                _trace(t, run, frame, frame.step or END, kind, outcome)
            if code is not None:
                t.log("error", code, message, frame)
            end_run(t, run, reason)
            return False
        case Enter(frame=sub, outcome=outcome):
            _trace(t, run, frame, frame.step or END, kind, outcome)
            run.frames.append(sub)
            return True
        case Finish(outcome=outcome):
            _trace(t, run, frame, frame.step or END, kind, outcome)
            if len(run.frames) > 1:  # `end` in a sub-flow returns to the caller
                frame.step = END
                return True
            end_run(t, run, "completed")
            return False
        case Link(flow=target, outcome=outcome):
            _trace(t, run, frame, frame.step or END, kind, outcome)
            end_run(t, run, f"linked to {target.id}")
            start_flow(t, target, {}, reason=f"link from {frame.flow}")
            return False
        case Handover(team=team, reason=reason, outcome=outcome):
            _trace(t, run, frame, frame.step or END, kind, outcome)
            hand_off(t, team, reason, run)
            end_run(t, run, "handed off")
            return False


def follow(t: Turn, run: Run, frame: Frame, kind: str, index: int = 0) -> bool:
    """Move `frame` along its step's `index`-th edge of `kind`; False if the run ended."""
    targets = () if frame.step is None else t.engine.targets(
        frame.flow, frame.version, frame.step, kind)
    frame.step = targets[index] if index < len(targets) else END
    return _alive(t, run)


def _trace(t: Turn, run: Run, frame: Frame, step: str, kind: str, outcome: str,
           changed: tuple[str, ...] = ()) -> None:
    run.trace.append(TraceEntry(t.event.at, frame.flow, step, kind, outcome, changed,
                                frame.version))
    if len(run.trace) > MAX_TRACE:
        del run.trace[: len(run.trace) - MAX_TRACE]


# --------------------------------------------------------------------------- resuming


def resume(t: Turn, run: Run, kind: str, decisions: Iterable[Decision]) -> None:
    """Carry out what a paused `kind` decided on an answer, a timer or a result.

    Trace lines and a new wait are applied in order; a `Go` continues the run along
    its edge (unless the run is too old to resume) and steps on until the next pause.
    """
    for decision in decisions:
        frame = run.top
        if not isinstance(decision, Go):
            if not apply(t, run, frame, kind, decision) and not _alive(t, run):
                return
            continue
        if decision.outcome is not None:
            _trace(t, run, frame, frame.step or END, kind, decision.outcome, decision.changed)
        run.waiting = None
        if t.event.at - run.started_at > t.engine.limits.max_run_age:
            t.log("warning", "run_expired", f"run {run.id} is older than "
                  f"{t.engine.limits.max_run_age} and was not resumed", run.top)
            end_run(t, run, "expired")
            return
        if follow(t, run, frame, decision.edge, decision.index):
            advance(t, run)
        return


def _alive(t: Turn, run: Run) -> bool:
    return t.state.run is run or run in t.state.side
