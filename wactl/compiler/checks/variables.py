"""Variables read before anything assigned them: a forward "must be assigned" dataflow.

Reading an unassigned variable yields null at runtime, so a typo (`oder_id`) renders as
an empty string in front of a customer instead of failing.  Two findings:

- WA404 (error): no step of the flow ever assigns the name and `vars` does not declare
  it — almost always a typo, so the hint is a did-you-mean over the flow's variables;
- WA405 (warning): some path from the entry reaches the read without an assignment.

Reads that are *meant* to see null are not warned: everything in a `when` guard ("ask
only what is not known yet"), the first argument of `default(...)`, and `x == null` /
`x != null`.  A step skipped because `when: x == null` was false proves `x` is set, so
the skip edge assigns it.  Assignments: `vars` (initial values), regex trigger groups,
`ask save`, `call save`, `set`, `run save`; `ask extract` keys only *may* be assigned
(the AI fills those the customer mentioned).

Cost: variables are bits of a Python int; only variables that are both read outside a
guard and assigned somewhere are tracked; the worklist re-queues a step only when its
incoming set shrinks, so a 10,000-step flow costs a few passes over its edges.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from wactl.compiler import _walk
from wactl.compiler.context import Context
from wactl.compiler.graph import FlowGraph, build_graph
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast
from wactl.dsl import expr as _expr
from wactl.dsl.expr import (
    ROOTS,
    Attr,
    Binary,
    Call,
    ExprNode,
    Filter,
    Index,
    Literal,
    Name,
    TemplateNode,
)

Tree = ExprNode | TemplateNode
MAX_PATHS = 20
"""WA405 diagnostics per flow that get a path (each costs one pass over the graph)."""


class _Read(NamedTuple):
    """One read of a flow variable: where (for the span) and whether it is null-aware.

    A named tuple: one is made per read per compile (a frozen dataclass is 4x slower).
    """

    step: str  # "" for the trigger
    name: str
    aware: bool
    src: str
    span: Span
    offset: int
    role: str

    def where(self) -> Span:
        return _expr.offset_to_span(self.span, self.src, self.offset, len(self.name))


def check(ctx: Context) -> None:
    """Run the dataflow on every flow that loaded without doubt (else a lost `save` would
    make every read of it "never assigned")."""
    cache: dict[int, list[tuple[str, int, bool]]] = {}
    for flow_id, flow in ctx.flows.items():
        if flow.in_doubt:
            continue
        graph = ctx.graphs.get(flow_id) or build_graph(flow)
        _check_flow(ctx, graph, cache)


def _check_flow(ctx: Context, graph: FlowGraph,
                cache: dict[int, list[tuple[str, int, bool]]]) -> None:
    flow = graph.flow
    reads = list(_flow_reads(ctx, graph, cache))
    if not reads:
        return
    must, maybe = _assignments(graph)
    groups = _regex_groups(flow.trigger)
    known = set(flow.vars) | maybe | groups
    _report_never(ctx, reads, known)
    tracked = sorted({r.name for r in reads if not r.aware and r.name in known}
                     - set(flow.vars))
    if tracked:
        bits = {name: 1 << i for i, name in enumerate(tracked)}
        _report_maybe(ctx, graph, reads, must, bits, _mask(groups, bits))


# --------------------------------------------------------------------------- reads


def _flow_reads(ctx: Context, graph: FlowGraph,
                cache: dict[int, list[tuple[str, int, bool]]]) -> Iterator[_Read]:
    """Every variable read of the flow: trigger first, then each step in order."""
    for role, expr in _walk.trigger_exprs(graph.flow.trigger):
        yield from _node_reads(ctx, "", role, expr, cache)
    for sid in graph.order:
        step = graph.steps[sid]
        for site in ctx.step_sites(step):
            if not isinstance(site.node, ast.Text):
                yield from _node_reads(ctx, sid, site.role, site.node, cache)
        if isinstance(step, ast.CallStep) and step.call.body is not None:
            for src in _walk.json_strings(step.call.body):
                tree, _diags = _expr.parse_template(src, step.call.span)  # reported elsewhere
                if tree is not None:
                    yield from _tree_reads(sid, "call.body", tree, src, step.call.span, cache)


def _node_reads(ctx: Context, sid: str, role: str, node: ast.Expr | ast.Template,
                cache: dict[int, list[tuple[str, int, bool]]]) -> Iterator[_Read]:
    tree = ctx.expr(node) if isinstance(node, ast.Expr) else ctx.template(node)
    if tree is not None:
        yield from _tree_reads(sid, role, tree, node.src, node.span, cache)


def _tree_reads(sid: str, role: str, tree: Tree, src: str, span: Span,
                cache: dict[int, list[tuple[str, int, bool]]]) -> Iterator[_Read]:
    """Reads of one parsed tree; trees are shared by equal sources, so cache per tree."""
    names = cache.get(id(tree))
    if names is None:
        names = cache[id(tree)] = _names(tree)
    guard = role == "when"
    for name, offset, aware in names:
        yield _Read(sid, name, aware or guard, src, span, offset, role)


def _names(tree: Tree) -> list[tuple[str, int, bool]]:
    """(name, offset, null-aware) for each variable name in a tree (roots excluded)."""
    aware: set[int] = set()
    for node, _base in _expr.walk(tree):
        if isinstance(node, Call | Filter) and node.name == "default":
            first = node.args[0] if isinstance(node, Call) and node.args else None
            _mark_base(first if isinstance(node, Call) else node.value, aware)
        elif isinstance(node, Binary) and node.op in ("==", "!="):
            if _is_null(node.right):
                _mark_base(node.left, aware)
            elif _is_null(node.left):
                _mark_base(node.right, aware)
    return [(n.name, base + n.offset, id(n) in aware) for n, base in _expr.walk(tree)
            if isinstance(n, Name) and n.name not in ROOTS]


def _is_null(node: ExprNode) -> bool:
    return isinstance(node, Literal) and node.value is None


def _mark_base(node: ExprNode | None, aware: set[int]) -> None:
    """Mark the name at the base of `x`, `x.a`, `x[0].b` as read null-aware."""
    while isinstance(node, Attr | Index):
        node = node.value
    if isinstance(node, Name):
        aware.add(id(node))


# --------------------------------------------------------------------------- assignments


def _assignments(graph: FlowGraph) -> tuple[dict[str, list[str]], set[str]]:
    """Per step, the names its normal exit surely assigns; and every name possibly assigned
    (over all steps, duplicates included, so a WA202 does not cascade into WA404s)."""
    must = {sid: names for sid in graph.order if (names := _step_assigns(graph.steps[sid]))}
    maybe: set[str] = set()
    for step in graph.flow.steps:
        maybe.update(_step_assigns(step))
        if step.kind == "ask" and isinstance(step, ast.AskStep):
            maybe.update(step.extract)
    return must, maybe


def _step_assigns(step: ast.Step) -> list[str]:
    kind = step.kind  # a string comparison first: see `_walk.step_texts`
    if kind == "set" and isinstance(step, ast.SetStep):
        return list(step.set)
    if kind in _SAVING and isinstance(step, ast.AskStep | ast.CallStep | ast.RunStep) \
            and step.save:
        return [step.save]
    return []


_SAVING = frozenset({"ask", "call", "run"})


def _regex_groups(trigger: ast.Trigger | None) -> set[str]:
    """Named groups of a regex trigger: set when the flow starts from it."""
    if not isinstance(trigger, ast.RegexTrigger):
        return set()
    pattern = _expr.compile_pattern(trigger.pattern)
    return set(pattern.groupindex) if isinstance(pattern, _expr.Pattern) else set()


def _when_facts(ctx: Context, step: ast.Step) -> list[str]:
    """Names a false `when` proves set: `x == null` alone or joined by `or`."""
    tree = ctx.expr(step.when) if step.when is not None else None
    out: list[str] = []
    stack = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Binary) and node.op == "or":
            stack.extend((node.left, node.right))
        elif isinstance(node, Binary) and node.op == "==":
            side = node.left if _is_null(node.right) else node.right if _is_null(
                node.left) else None
            if isinstance(side, Name):
                out.append(side.name)
    return out


def _mask(names: Iterable[str], bits: dict[str, int]) -> int:
    mask = 0
    for name in names:
        mask |= bits.get(name, 0)
    return mask


# --------------------------------------------------------------------------- dataflow


def _solve(graph: FlowGraph, entry_mask: int, gen: dict[tuple[str, str], int]) -> dict[str, int]:
    """Bits surely assigned on entry to each reachable step (intersection over in-edges)."""
    entry = graph.entry
    if entry is None:
        return {}
    facts = {entry: entry_mask}
    queue, queued = deque([entry]), {entry}
    while queue:
        sid = queue.popleft()
        queued.discard(sid)
        here = facts[sid]
        for edge in graph.succ[sid]:
            target = edge.target
            if target not in graph.steps:
                continue
            out = here | gen.get((sid, edge.kind), 0)
            old = facts.get(target)
            new = out if old is None else old & out
            if new != old:
                facts[target] = new
                if target not in queued:
                    queued.add(target)
                    queue.append(target)
    return facts


def _gen_masks(ctx: Context, graph: FlowGraph, must: dict[str, list[str]],
               bits: dict[str, int]) -> dict[tuple[str, str], int]:
    """What each (step, edge kind) assigns: saves on the normal exit, facts on a skip."""
    gen: dict[tuple[str, str], int] = {}
    for sid, names in must.items():
        mask = _mask(names, bits)
        if mask:
            gen[(sid, "next")] = mask
    for sid in graph.order:
        step = graph.steps[sid]
        if step.when is not None:
            mask = _mask(_when_facts(ctx, step), bits)
            if mask:
                gen[(sid, "skip")] = mask
    return gen


# --------------------------------------------------------------------------- reports


def _report_never(ctx: Context, reads: list[_Read], known: set[str]) -> None:
    """WA404 once per name nothing in the flow assigns, at its first read."""
    seen: set[str] = set()
    for read in reads:
        if read.name in known or read.name in seen:
            continue
        seen.add(read.name)
        hint = did_you_mean(read.name, known) or (
            f"assign it first (`set`, `ask ... save: {read.name}`, `call ... save`), or declare "
            f"it under `vars:` with an initial value")
        ctx.bag.add("WA404", f"variable `{read.name}` is never assigned in this flow "
                    "(it always reads as null)", read.where(), hint=hint)


def _report_maybe(ctx: Context, graph: FlowGraph, reads: list[_Read],
                  must: dict[str, list[str]], bits: dict[str, int], entry_mask: int) -> None:
    """WA405 once per variable, at its first read that some path reaches unassigned."""
    gen = _gen_masks(ctx, graph, must, bits)
    facts = _solve(graph, entry_mask, gen)
    reported: set[str] = set()
    positions: dict[str, dict[str, int]] = {}
    for read in reads:
        bit = bits.get(read.name, 0)
        if read.aware or not bit or read.name in reported:
            continue
        here = facts.get(read.step) if read.step else entry_mask
        if here is None:  # unreachable step: WA301 covers it
            continue
        if not here & bit and not _set_earlier(graph, read, positions):
            reported.add(read.name)
            path = _unassigned_path(graph, facts, gen, bit, read.step) \
                if len(reported) <= MAX_PATHS else ()
            ctx.bag.add("WA405", f"variable `{read.name}` may be read before it is assigned: "
                        "some path reaches this step without setting it", read.where(),
                        hint=f"give it an initial value under `vars:`, guard the step with "
                        f"`when: {read.name} != null`, or read it as "
                        f"`default({read.name}, ...)`", path=path)


def _unassigned_path(graph: FlowGraph, facts: dict[str, int], gen: dict[tuple[str, str], int],
                     bit: int, target: str) -> tuple[str, ...]:
    """A shortest path of step ids from the entry to `target` along which `bit` stays unset."""
    entry = graph.entry
    if not target or entry is None or facts.get(entry, 0) & bit:
        return ()
    parent: dict[str, str] = {entry: ""}
    queue = deque([entry])
    while queue and target not in parent:
        sid = queue.popleft()
        for edge in graph.succ[sid]:
            nxt = edge.target
            if nxt in graph.steps and nxt not in parent and not (
                    (facts.get(sid, 0) | gen.get((sid, edge.kind), 0)) & bit):
                parent[nxt] = sid
                queue.append(nxt)
    if target not in parent:
        return ()
    path = [target]
    while parent[path[-1]]:
        path.append(parent[path[-1]])
    return tuple(reversed(path))


def _set_earlier(graph: FlowGraph, read: _Read, positions: dict[str, dict[str, int]]) -> bool:
    """In `set: {a: 1, b: a + 1}`, `a` is already assigned when `b` is computed.

    Key positions are computed once per `set` step (memo in `positions`), so a `set` of
    10,000 keys each reading the one before costs linear time, not quadratic.
    """
    if not read.role.startswith("set."):
        return False
    step = graph.steps[read.step]
    if not isinstance(step, ast.SetStep):
        return False
    pos = positions.get(read.step)
    if pos is None:
        pos = positions[read.step] = {key: i for i, key in enumerate(step.set)}
    key = read.role[len("set."):]
    return read.name in pos and key in pos and pos[read.name] < pos[key]
