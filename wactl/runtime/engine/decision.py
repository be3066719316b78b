"""What a step, or the resumption of a paused one, decided: the loop carries it out.

Executors (`steps`, `ask`, `agent`) render messages, emit effects and set variables;
they never move a frame, write the trace or end a run.  They return one of these, and
`loop` alone follows the edge, traces the step and ends or pauses the run.  A paused
kind's resumption (an answer, a timer, an HTTP or AI answer) returns a list, applied
in order: a trace line or two (`Note`), then at most one decision that moves the run.

Decisions are made on every step, so they are plain slotted dataclasses (a frozen one
costs four times as much to build); nothing changes one after it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from wactl.compiler.ir import EdgeKindIR, IRFlow
from wactl.runtime.state import Frame, Waiting


@dataclass(slots=True)
class Go:
    """Leave along the `index`-th edge of kind `edge`, tracing `outcome` (None: no line)."""

    outcome: str | None = "ok"
    edge: EdgeKindIR = "next"
    index: int = 0
    changed: tuple[str, ...] = ()


@dataclass(slots=True)
class Pause:
    """The run waits for `waiting` (an answer, a timer, an HTTP or AI answer)."""

    waiting: Waiting
    outcome: str | None = None


@dataclass(slots=True)
class Stop:
    """The run ends for `reason`; `code` and `message`, when given, are logged as an error."""

    reason: str
    outcome: str | None = None
    code: str | None = None
    message: str = ""


@dataclass(slots=True)
class Note:
    """A trace line; the run stays where it is (an invalid answer, an agent's reply)."""

    outcome: str
    changed: tuple[str, ...] = ()


@dataclass(slots=True)
class Enter:
    """A `run` step: `frame` (the sub-flow) goes on top of the run."""

    frame: Frame
    outcome: str


@dataclass(slots=True)
class Finish:
    """An `end` step: a sub-flow returns to its caller, the outermost flow completes."""

    outcome: str


@dataclass(slots=True)
class Link:
    """A `link` step: the run ends and `flow` starts in its place."""

    flow: IRFlow
    outcome: str


@dataclass(slots=True)
class Handover:
    """A person takes the conversation: the run ends, with `Handoff` to `team`."""

    team: str | None
    reason: str
    outcome: str


Decision = Go | Pause | Stop | Note | Enter | Finish | Link | Handover


def error(code: str, message: str, outcome: str | None = None) -> Stop:
    """The run ends with an error logged under `code` (its reason: `error: <code>`)."""
    return Stop(f"error: {code}", outcome, code, message)
