"""Structure: rule flows (WA304), the 24h window (WA305), empty flows (WA306),
choice questions without choices (WA307), half-configured timeouts (WA308) and a
`next` that is never followed because its step ends the run (WA309).

The 24h window: WhatsApp delivers free-form messages only within 24 hours of the
customer's last message; outside it, only approved templates.  A forward "may be
outside" analysis over each flow's graph finds the steps a run can reach outside the
window: a flow started by a schedule starts outside; a `wait` longer than 24h (or
`wait: {until}`) and an `ask` timing out after more than 24h go outside; a customer
reply (an `ask`'s answer, an `agent` conversation) comes back inside.  Sub-flows are
entered outside when a caller reaches the `run`/`link` outside, and a `run` leaves the
caller outside when the sub-flow can end outside.  Everything is computed to a
fixpoint across flows (the facts only ever grow, so it terminates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wactl.compiler.context import Context
from wactl.compiler.exits import TERMINAL_KINDS, Edge
from wactl.compiler.graph import FlowGraph, callees_first, callers_of, solve_worklist
from wactl.compiler.resolve import all_flows
from wactl.dsl import ast

WINDOW_SECONDS = 24 * 3600
RULE_FORBIDDEN = (ast.AskStep, ast.WaitStep, ast.AgentStep, ast.RunStep, ast.LinkStep)
CHOICE_EXPECTS = ("choice", "choices")


def check(ctx: Context) -> None:
    for _, flow in all_flows(ctx):
        if not flow.steps and not flow.in_doubt:  # else an echo of the error
            ctx.bag.add("WA306", f"flow `{flow.id}` has no steps, so it does nothing",
                        flow.span, hint="add steps under `steps:`, or delete the flow")
        for step in flow.steps:
            _rule_step(ctx, flow, step)
            _choice_without_options(ctx, step)
            _timeout_pair(ctx, step)
            _next_after_the_end(ctx, step)
    window = WindowAnalysis(ctx)
    window.solve()
    window.report()


_ENDS = {"handoff": "hands the conversation to a person, which ends the run",
         "end": "ends the run", "link": "leaves this flow for good"}


def _next_after_the_end(ctx: Context, step: ast.Step) -> None:
    """`next` on a step whose only exit is `end` (see `exits.TERMINAL_KINDS`)."""
    if step.next is None or step.kind not in TERMINAL_KINDS or step.next == ast.END:
        return
    ctx.bag.add("WA309", f"step `{step.id}` {_ENDS[step.kind]}, so going on to "
                f"`{step.next}` after it never happens", ast.span_of(step, "next"),
                hint=f"remove `next` (`then` in .flow), or move `{step.id}` after the steps "
                "that should run first")


def _rule_step(ctx: Context, flow: ast.Flow, step: ast.Step) -> None:
    if flow.rule and isinstance(step, RULE_FORBIDDEN):
        ctx.bag.add("WA304", f"a rule flow cannot use `{step.kind}` (step `{step.id}`): rules "
                    "run alongside the conversation and never take it over", step.span,
                    hint="remove `rule: true` to make this a normal flow, or drop this step")


def _choice_without_options(ctx: Context, step: ast.Step) -> None:
    if isinstance(step, ast.AskStep) and step.expect in CHOICE_EXPECTS \
            and not step.ask.buttons and step.ask.list_ is None:
        ctx.bag.add("WA307", f"step `{step.id}` expects a {step.expect} but offers nothing "
                    "to pick", step.span,
                    hint="add `buttons:` or a `list:` to the question, or use another `expect`")


def _timeout_pair(ctx: Context, step: ast.Step) -> None:
    if not isinstance(step, ast.AskStep):
        return
    if step.on_timeout is not None and step.timeout is None:
        ctx.bag.add("WA308", f"step `{step.id}` has `on_timeout` but no `timeout`, so it is "
                    "never taken", step.span, hint="add `timeout:` (e.g. `timeout: 1h`)")
    elif step.timeout is not None and step.on_timeout is None:
        ctx.bag.add("WA308", f"step `{step.id}` has a `timeout` but no `on_timeout`: the run "
                    "just ends when the customer goes quiet", step.span,
                    hint="add `on_timeout:` with the step to go to (or `end` to say so)")


# --------------------------------------------------------------------------- WA305


@dataclass
class FlowWindow:
    """Result of one pass over a flow: steps entered outside the window, and why."""

    outside: dict[str, str] = field(default_factory=dict)
    exits_outside: bool = False


@dataclass
class WindowAnalysis:
    """The cross-flow fixpoint of the 24h window analysis (see module doc)."""

    ctx: Context
    entered_outside: dict[str, str] = field(default_factory=dict)
    exit_outside: dict[bool, set[str]] = field(
        default_factory=lambda: {False: set(), True: set()})
    results: dict[str, FlowWindow] = field(default_factory=dict)
    _callers: dict[str, list[str]] = field(default_factory=dict)
    _reachable: dict[str, set[str]] = field(default_factory=dict)
    _exits: dict[str, list[tuple[ast.Step, Edge]]] = field(default_factory=dict)

    def solve(self) -> None:
        calls = flow_calls(self.ctx)
        self._callers = callers_of(calls)
        solve_worklist(callees_first(sorted(calls), calls), self._update)

    def _live(self, flow_id: str) -> set[str]:
        if flow_id not in self._reachable:
            self._reachable[flow_id] = self.ctx.graphs[flow_id].reachable()
        return self._reachable[flow_id]

    def _leaving(self, graph: FlowGraph) -> list[tuple[ast.Step, Edge]]:
        """The live edges `_goes_outside` can say yes to (out of waits, asks and runs),
        listed once per flow: each flow is passed over several times."""
        flow_id = graph.flow.id
        found = self._exits.get(flow_id)
        if found is None:
            kinds = (ast.WaitStep, ast.AskStep, ast.RunStep)
            found = self._exits[flow_id] = [
                (step, edge) for sid in self._live(flow_id)
                if isinstance(step := graph.steps[sid], kinds) for edge in graph.succ[sid]]
        return found

    def _update(self, flow_id: str) -> list[str]:
        """Re-analyse one flow; the flows whose facts may have changed because of it."""
        graph = self.ctx.graphs[flow_id]
        revisit: list[str] = []
        for entry_outside in (False, True):
            if flow_id not in self.exit_outside[entry_outside] \
                    and self._pass(graph, entry_outside).exits_outside:
                self.exit_outside[entry_outside].add(flow_id)
                revisit.extend(self._callers.get(flow_id, ()))
        result = self.results[flow_id] = self._pass(graph, self._entry_reason(flow_id))
        for sid in result.outside:
            revisit.extend(self._enter_callee(flow_id, graph.steps[sid]))
        return revisit

    def _entry_reason(self, flow_id: str) -> str | None:
        trigger = self.ctx.flows[flow_id].trigger
        if isinstance(trigger, ast.ScheduleTrigger):
            return "the flow starts on a schedule, not from a customer message"
        return self.entered_outside.get(flow_id)

    def _enter_callee(self, flow_id: str, step: ast.Step) -> list[str]:
        callee = _callee(step)
        if callee is None or callee not in self.ctx.graphs or callee in self.entered_outside:
            return []
        self.entered_outside[callee] = f"flow `{flow_id}` can start it outside the window"
        return [callee]

    def _pass(self, graph: FlowGraph, entry: str | bool | None) -> FlowWindow:
        """Steps reachable outside the window when the flow starts outside iff `entry`."""
        result = FlowWindow()
        todo: list[tuple[str, str]] = []
        if entry and graph.entry is not None:
            todo.append((graph.entry, entry if isinstance(entry, str) else "entered outside"))
        for step, edge in self._leaving(graph):
            reason = self._goes_outside(step, edge)
            if reason:
                todo.append((edge.target, reason))
        while todo:
            sid, reason = todo.pop()
            if sid == ast.END:
                result.exits_outside = True
            elif sid in graph.steps and sid not in result.outside:
                result.outside[sid] = reason
                todo.extend((e.target, reason) for e in graph.succ[sid]
                            if self._stays_outside(graph.steps[sid], e))
        return result

    def _goes_outside(self, step: ast.Step, edge: Edge) -> str | None:
        """Why taking `edge` lands outside the window whatever the state before, if it does."""
        kind = step.kind  # a string comparison first: see `_walk.step_texts`
        if kind == "wait" and isinstance(step, ast.WaitStep) and edge.kind == "next":
            if step.until is not None or (step.wait and step.wait.seconds > WINDOW_SECONDS):
                return f"after the wait of step `{step.id}`, which can last over 24 hours"
        if kind == "ask" and isinstance(step, ast.AskStep) and edge.kind == "timeout" \
                and step.timeout is not None and step.timeout.seconds > WINDOW_SECONDS:
            return f"after step `{step.id}` times out (more than 24 hours without a reply)"
        if kind == "run" and isinstance(step, ast.RunStep) and edge.kind == "next" \
                and step.run in self.exit_outside[False]:
            return f"after sub-flow `{step.run}`, which can end outside the window"
        return None

    def _stays_outside(self, step: ast.Step, edge: Edge) -> bool:
        """Whether a run outside the window is still outside after `edge`."""
        kind = step.kind
        if kind == "link":
            return False  # the conversation left this flow for good
        if (kind == "ask" or kind == "agent") and edge.kind in ("next", "fail"):
            return False  # the customer wrote: the window is open again
        if kind == "run" and isinstance(step, ast.RunStep) and edge.kind == "next":
            return step.run not in self.ctx.graphs or step.run in self.exit_outside[True]
        return True

    def report(self) -> None:
        for flow_id in sorted(self.results):
            graph = self.ctx.graphs[flow_id]
            for sid, reason in self.results[flow_id].outside.items():
                _report_step(self.ctx, graph.steps[sid], reason)


def _callee(step: ast.Step) -> str | None:
    kind = step.kind
    if kind == "run" and isinstance(step, ast.RunStep):
        return step.run
    return step.link if kind == "link" and isinstance(step, ast.LinkStep) else None


def flow_calls(ctx: Context) -> dict[str, list[str]]:
    """Which known flows each flow enters through `run` or `link`."""
    return {flow_id: list(dict.fromkeys(
        c for c in map(_callee, ctx.flows[flow_id].steps) if c is not None and c in ctx.flows))
        for flow_id in ctx.flows}


def _free_form(step: ast.Step) -> str | None:
    """What a step would send as free-form text, if anything."""
    if isinstance(step, ast.SendStep) and step.fallback_template is None:
        return "sends a free-form message"
    if isinstance(step, ast.AskStep):
        return "asks a question"
    if isinstance(step, ast.HandoffStep) and step.handoff is not None:
        return "sends a handoff message"
    if isinstance(step, ast.EndStep) and step.end is not None:
        return "sends a closing message"
    return None


def _report_step(ctx: Context, step: ast.Step, reason: str) -> None:
    what = _free_form(step)
    if what is None:
        return
    hint = ("use a `template` step here, or add `fallback_template:` for when the window "
            "is closed" if isinstance(step, ast.SendStep) else
            "send an approved `template` first; free-form messages work again once the "
            "customer replies")
    ctx.bag.add("WA305", f"step `{step.id}` {what}, but it can run more than 24 hours after "
                f"the customer last wrote ({reason}); WhatsApp then only delivers templates",
                step.span, hint=hint)
