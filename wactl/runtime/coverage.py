"""Step and branch coverage of flows, read from the traces of the runs tests made.

Every run keeps a trace: one entry per step it took (a step may leave several, an
`ask` asking and then taking its answer).  A step is *reached* when any trace names
it.  A *branch* is an edge out of a step that has more than one way out (a branch
arm, `else`, an ask's `fail`/`timeout`, a call's `error`, the `skip` of a `when`
guard), as branch coverage counts only decision points; one is *taken* when a trace
shows its step followed by its target in the same flow.  A sub-flow's way back to its
caller is its edge to `end` (its caller's trace says `returned from <flow>`).  When
two edges of one step lead to the same target, the trace's outcome picks the edge
kind it names (`skipped`, `timed out`, ...), else the first.

Total coverage is (steps reached + branches taken) / (steps + branches), like
coverage.py's statement-plus-branch figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from wactl.compiler.ir import IREdge, IRFlow, Program
from wactl.runtime.state import TraceEntry

END = "end"
EdgeKey = tuple[str, str, int]
"""(flow, step, index of the edge in the step's `edges`)."""
OUTCOME_HINTS = {"skip": ("skip",), "timeout": ("timed out", "timeout"),
                 "fail": ("fail", "gave up", "retries"), "error": ("error",)}


@dataclass(slots=True)
class Reached:
    """What the traces showed: steps (flow, step) and edges (flow, step, index)."""

    steps: set[tuple[str, str]] = field(default_factory=set)
    edges: set[EdgeKey] = field(default_factory=set)

    def update(self, other: Reached) -> None:
        self.steps |= other.steps
        self.edges |= other.edges


@dataclass(frozen=True, slots=True)
class FlowCoverage:
    """One flow: its steps and branches, and those no test reached."""

    flow: str
    steps: int
    branches: int
    missed_steps: tuple[str, ...]
    missed_branches: tuple[str, ...]
    """Each as `step -kind-> target` (`step -branch 2-> target` for the 2nd arm)."""

    @property
    def reached_steps(self) -> int:
        return self.steps - len(self.missed_steps)

    @property
    def taken_branches(self) -> int:
        return self.branches - len(self.missed_branches)

    @property
    def percent(self) -> float:
        return percent(self.reached_steps + self.taken_branches, self.steps + self.branches)


def percent(part: int, whole: int) -> float:
    """`part` of `whole` in percent; nothing to cover counts as fully covered."""
    return 100.0 if whole == 0 else 100.0 * part / whole


# --------------------------------------------------------------------------- reading traces


def reached_in(program: Program, traces: Iterable[Sequence[TraceEntry]]) -> Reached:
    """Steps and edges that the given run traces show."""
    flows = {f.id: f for f in program.flows}
    reached = Reached()
    for trace in traces:
        _read_trace(flows, trace, reached)
    return reached


def _read_trace(flows: dict[str, IRFlow], trace: Sequence[TraceEntry], out: Reached) -> None:
    last: dict[str, TraceEntry] = {}
    for entry in trace:
        flow = flows.get(entry.flow)
        if flow is None:
            continue
        if entry.step in flow.steps:
            out.steps.add((entry.flow, entry.step))
        returned = entry.outcome.removeprefix("returned from ")
        if entry.kind == "run" and returned != entry.outcome and returned in last:
            _mark(flows.get(returned), last.pop(returned), END, out)
        previous = last.get(entry.flow)
        if previous is not None and previous.step != entry.step:
            _mark(flow, previous, entry.step, out)
        last[entry.flow] = entry


def _mark(flow: IRFlow | None, previous: TraceEntry, target: str, out: Reached) -> None:
    """Record the edge of `previous`'s step to `target`, if the step has one."""
    step = None if flow is None else flow.steps.get(previous.step)
    if flow is None or step is None:
        return
    candidates = [i for i, e in enumerate(step.edges) if e.to == target]
    if not candidates:
        return
    hinted = [i for i in candidates if _hinted(step.edges[i], previous.outcome)]
    out.edges.add((flow.id, previous.step, (hinted or candidates)[0]))


def _hinted(edge: IREdge, outcome: str) -> bool:
    words = OUTCOME_HINTS.get(edge.kind, ())
    return any(word in outcome.lower() for word in words)


# --------------------------------------------------------------------------- report


def edge_name(step: str, edge: IREdge, index: int) -> str:
    """`ask_date -fail-> human`, `route -branch 2-> pending` (arms count from 1)."""
    kind = f"branch {index + 1}" if edge.kind == "branch" else edge.kind
    return f"{step} -{kind}-> {edge.to}"


def flow_coverage(flow: IRFlow, reached: Reached) -> FlowCoverage:
    """Coverage of one flow: branches are the edges of steps with more than one edge."""
    missed_steps = tuple(s for s in flow.steps if (flow.id, s) not in reached.steps)
    branches = 0
    missed: list[str] = []
    for sid, step in flow.steps.items():
        if len(step.edges) < 2:
            continue
        arms = [i for i, e in enumerate(step.edges) if e.kind == "branch"]
        for index, edge in enumerate(step.edges):
            branches += 1
            if (flow.id, sid, index) not in reached.edges:
                missed.append(edge_name(sid, edge, arms.index(index) if index in arms else 0))
    return FlowCoverage(flow.id, len(flow.steps), branches, missed_steps, tuple(missed))


def coverage_report(program: Program, reached: Reached,
                    flows: Iterable[str] | None = None) -> list[FlowCoverage]:
    """Coverage per flow of `program` (only `flows` when given), sorted by flow id."""
    wanted = None if flows is None else set(flows)
    return [flow_coverage(f, reached) for f in sorted(program.flows, key=lambda f: f.id)
            if wanted is None or f.id in wanted]


def total_percent(report: Sequence[FlowCoverage]) -> float:
    """Steps reached plus branches taken over steps plus branches, across `report`."""
    part = sum(c.reached_steps + c.taken_branches for c in report)
    return percent(part, sum(c.steps + c.branches for c in report))
