"""Names: duplicate ids, unknown step/flow/agent references, reserved ids (WA201–WA209).

Every flow of every file is checked, duplicates included, so a second `order_status`
gets its own unknown-target errors too; lookups of other flows use the resolved
table (first definition wins).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from wactl.compiler.context import Context
from wactl.compiler.resolve import all_flows
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast

FIRST = "first defined here"


def check(ctx: Context) -> None:
    """Run every names check over the whole project."""
    _duplicate_flows(ctx)
    _duplicate_agents(ctx)
    _duplicate_tests(ctx)
    for file, flow in all_flows(ctx):
        _duplicate_steps(ctx, flow)
        if file.path not in ctx.broken_files:
            _unknown_targets(ctx, flow)
        for step in flow.steps:
            _step_refs(ctx, step)


def _duplicate_flows(ctx: Context) -> None:
    seen: dict[str, ast.Flow] = {}
    for _, flow in all_flows(ctx):
        first = seen.setdefault(flow.id, flow)
        if first is not flow:
            ctx.bag.add("WA201", f"flow `{flow.id}` is defined twice", flow.span,
                        related=[(first.span, FIRST)],
                        hint="flow ids are unique across the project: rename one of them")


def _duplicate_agents(ctx: Context) -> None:
    seen: dict[str, ast.Agent] = {}
    for agent in (a for file in ctx.files for a in file.agents):
        first = seen.setdefault(agent.id, agent)
        if first is not agent:
            ctx.bag.add("WA206", f"agent `{agent.id}` is defined twice", agent.span,
                        related=[(first.span, FIRST)], hint="rename one of the two agents")


def _duplicate_tests(ctx: Context) -> None:
    seen: dict[str, ast.ConvTest] = {}
    for test in ctx.tests:
        first = seen.setdefault(test.name, test)
        if first is not test:
            ctx.bag.add("WA209", f"two tests are named `{test.name}`", test.span,
                        related=[(first.span, FIRST)],
                        hint="give each test its own name so reports can tell them apart")


def _duplicate_steps(ctx: Context, flow: ast.Flow) -> None:
    seen: dict[str, ast.Step] = {}
    for step in flow.steps:
        if step.id == ast.END:
            ctx.bag.add("WA207", "a step cannot be named `end`", step.span,
                        hint="`end` is reserved: `next: end` ends the run; pick another id")
            continue
        first = seen.setdefault(step.id, step)
        if first is not step:
            ctx.bag.add("WA202", f"step `{step.id}` appears twice in flow `{flow.id}`",
                        step.span, related=[(first.span, FIRST)],
                        hint="step ids are unique within a flow: rename one of them")


# --------------------------------------------------------------------------- references


def step_targets(step: ast.Step) -> Iterator[tuple[str, str]]:
    """Every step id a step names, with the key that names it."""
    for key, target, _ in _targets_at(step):
        yield key, target


def _targets_at(step: ast.Step) -> Iterator[tuple[str, str, ast.Node]]:
    """`step_targets` with the node whose `key_spans` say where (see `ast.span_of`)."""
    if step.next is not None:
        yield "next", step.next, step
    if isinstance(step, ast.GotoStep):
        yield "goto", step.goto, step
    if isinstance(step, ast.BranchStep):
        for arm in step.branch:
            yield "goto", arm.goto, arm
        if step.else_ is not None:
            yield "else", step.else_, step
    fields = type(step).model_fields  # a missing attribute is pydantic's slow path
    for key in ("on_fail", "on_error", "on_timeout"):
        target = getattr(step, key) if key in fields else None
        if isinstance(target, str):
            yield key, target, step


def _target_hint(ctx: Context, target: str, known: list[str]) -> str:
    """Did-you-mean, or the way to reach another flow when `target` names one."""
    if target in ctx.flows:
        return (f"`{target}` is a flow, not a step: go there with a step `link: {target}` "
                f"(for good) or `run: {target}` (and come back)")
    return did_you_mean(target, chain(known, [ast.END])) or \
        "use the id of a step of this flow, or `end` to end the run"


def _unknown_targets(ctx: Context, flow: ast.Flow) -> None:
    known = [s.id for s in flow.steps]
    ids = set(known)
    for step in flow.steps:
        for key, target, owner in _targets_at(step):
            if target != ast.END and target not in ids:
                ctx.bag.add("WA203", f"step `{step.id}` goes to `{target}` ({key}), "
                            f"but flow `{flow.id}` has no step `{target}`",
                            ast.span_of(owner, key),
                            hint=_target_hint(ctx, target, known))


def _step_refs(ctx: Context, step: ast.Step) -> None:
    if isinstance(step, ast.RunStep | ast.LinkStep):
        target = step.run if isinstance(step, ast.RunStep) else step.link
        _known_flow(ctx, step, target)
        if isinstance(step, ast.RunStep) and target in ctx.flows:
            _run_with(ctx, step, ctx.flows[target])
    elif isinstance(step, ast.AgentStep) and step.agent not in ctx.agents:
        ctx.bag.add("WA205", f"step `{step.id}` hands over to agent `{step.agent}`, "
                    "which no agent file defines", ast.span_of(step, "agent"),
                    hint=did_you_mean(step.agent, ctx.agents) or
                    "define it in agents/<id>.yaml (`agent: <id>`) or fix the id")


def _known_flow(ctx: Context, step: ast.RunStep | ast.LinkStep, target: str) -> None:
    if target in ctx.flows:
        return
    ctx.bag.add("WA204", f"step `{step.id}` uses flow `{target}` ({step.kind}), "
                "but no flow has that id", ast.span_of(step, step.kind),
                hint=did_you_mean(target, ctx.flows) or "check the flow id (`flow: <id>`)")


def _run_with(ctx: Context, step: ast.RunStep, sub: ast.Flow) -> None:
    for name, value in step.with_.items():
        if name not in sub.vars:
            span: Span = value.span if value.span.file == step.span.file else step.span
            declared = ", ".join(f"`{v}`" for v in sub.vars) or "none"
            ctx.bag.add("WA208", f"`with` sets `{name}`, but flow `{sub.id}` does not declare "
                        f"it in `vars` (declared: {declared})", span,
                        hint=did_you_mean(name, sub.vars) or
                        f"add `{name}` to the `vars` of flow `{sub.id}`")
