"""Answers from outside a paused run: a timer fired, an HTTP answer came back.

Each finds the run waiting for it by id and hands the kind's own resumption
(`steps.wait_over`, `ask.timed_out`, `steps.call_result`) to the loop; anything
nobody waits for is logged and changes nothing.
"""

from __future__ import annotations

from wactl.runtime.engine import ask, loop, steps
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import HttpResult, TimerFired


def on_timer(t: Turn, event: TimerFired) -> None:
    run = t.state.run
    w = None if run is None else run.waiting
    if run is None or w is None:
        t.log("info", "stale_timer", f"timer {event.timer_id} fired with no run waiting")
        return
    if w.kind == "wait" and w.id == event.timer_id:
        loop.resume(t, run, "wait", steps.wait_over(t, run))
    elif w.timer == event.timer_id and w.kind in ("ask", "extract"):
        loop.resume(t, run, "ask", ask.timed_out(t, run, w))
    else:
        t.log("info", "stale_timer", f"timer {event.timer_id} is not the one the run waits for")


def on_http_result(t: Turn, event: HttpResult) -> None:
    for run in [t.state.run, *t.state.side]:
        w = None if run is None else run.waiting
        if run is not None and w is not None and w.kind == "call" and w.id == event.request_id:
            loop.resume(t, run, "call", steps.call_result(t, run, event))
            return
    t.log("info", "stale_result", f"HTTP answer {event.request_id} has no run waiting for it")
