"""The control-flow graph of one flow: which step can follow which, and whether the hop waits.

Every check that reasons about paths (reachability, cycles, dataflow, the 24h window)
and the lowering to IR (so coverage, which reads the IR's edges) read edges from here;
what each step's exits are is defined once, in `wactl.compiler.exits`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from wactl.compiler.exits import Edge, step_exits
from wactl.dsl import ast


@dataclass
class FlowGraph:
    """Steps by id, their out-edges, and the entry step (None for an empty flow)."""

    flow: ast.Flow
    steps: dict[str, ast.Step] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    succ: dict[str, list[Edge]] = field(default_factory=dict)
    _reachable: set[str] | None = field(default=None, repr=False, compare=False)

    @property
    def entry(self) -> str | None:
        return self.order[0] if self.order else None

    def edges(self) -> Iterator[Edge]:
        for sid in self.order:
            yield from self.succ[sid]

    def targets(self, *, waiting: bool = True) -> dict[str, list[str]]:
        """Successor step ids per step; `END` and unknown targets are left out.

        `END` is left out even when a (reserved, WA207) step is named `end`: a jump to
        `end` always ends the run.

        With `waiting=False` only the hops that need no customer message or timer count.
        """
        return {sid: [e.target for e in edges
                      if e.target != ast.END and e.target in self.steps
                      and (waiting or not e.waits)]
                for sid, edges in self.succ.items()}

    def reachable(self) -> set[str]:
        """The steps a run can ever enter, through any edge, from the entry.

        Worked out once: a graph does not change after `build_graph`, and several check
        families ask.  Callers must not change the set.
        """
        if self._reachable is None:
            self._reachable = reachable([self.entry], self.targets()) if self.entry else set()
        return self._reachable


def build_graph(flow: ast.Flow) -> FlowGraph:
    """The graph of one flow; duplicate step ids keep their first definition."""
    graph = FlowGraph(flow)
    for index, step in enumerate(flow.steps):
        if step.id in graph.steps:
            continue
        graph.steps[step.id] = step
        graph.order.append(step.id)
        graph.succ[step.id] = step_exits(flow, index)
    return graph


# --------------------------------------------------------------------------- algorithms
# Generic over node type so the same code serves steps of one flow, steps across flows
# (`link` hops) and the flow-level `run` graph.  All iterative: a 10,000-step flow must
# not hit Python's recursion limit, and each pass is linear in nodes + edges.

N = TypeVar("N", bound=Hashable)


def reachable(starts: Iterable[N], succ: Mapping[N, Sequence[N]]) -> set[N]:
    """Every node reachable from `starts` (included) through `succ`."""
    seen: set[N] = set(starts)
    todo = list(seen)
    while todo:
        for nxt in succ.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class _Tarjan(Generic[N]):
    """Tarjan's strongly connected components with an explicit stack instead of recursion."""

    def __init__(self, succ: Mapping[N, Sequence[N]]) -> None:
        self.succ = succ
        self.index: dict[N, int] = {}
        self.low: dict[N, int] = {}
        self.stack: list[N] = []
        self.on_stack: set[N] = set()
        self.components: list[list[N]] = []

    def _push(self, node: N, work: list[tuple[N, Iterator[N]]]) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)
        work.append((node, iter(self.succ.get(node, ()))))

    def _advance(self, node: N, edges: Iterator[N], work: list[tuple[N, Iterator[N]]]) -> bool:
        """Visit the next unvisited successor of `node`; False when none is left."""
        for nxt in edges:
            if nxt not in self.index:
                self._push(nxt, work)
                return True
            if nxt in self.on_stack:
                self.low[node] = min(self.low[node], self.index[nxt])
        return False

    def _pop_component(self, node: N) -> None:
        component: list[N] = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        self.components.append(component)

    def visit(self, root: N) -> None:
        work: list[tuple[N, Iterator[N]]] = []
        self._push(root, work)
        while work:
            node, edges = work[-1]
            if self._advance(node, edges, work):
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                self.low[parent] = min(self.low[parent], self.low[node])
            if self.low[node] == self.index[node]:
                self._pop_component(node)


def strongly_connected(nodes: Iterable[N], succ: Mapping[N, Sequence[N]]) -> list[list[N]]:
    """The strongly connected components of the graph, each listed in no particular order."""
    tarjan: _Tarjan[N] = _Tarjan(succ)
    for node in nodes:
        if node not in tarjan.index:
            tarjan.visit(node)
    return tarjan.components


def cyclic_components(nodes: Sequence[N], succ: Mapping[N, Sequence[N]]) -> list[list[N]]:
    """Components that hold a cycle (two or more nodes, or one with a self-loop).

    Each component is ordered like `nodes` and the list is ordered by each component's
    first node, so reports come out in source order.
    """
    rank = {node: i for i, node in enumerate(nodes)}
    found = []
    for comp in strongly_connected(nodes, succ):
        if len(comp) > 1 or comp[0] in succ.get(comp[0], ()):
            found.append(sorted(comp, key=rank.__getitem__))
    return sorted(found, key=lambda comp: rank[comp[0]])


def cycle_through(start: N, members: Set[N], succ: Mapping[N, Sequence[N]]) -> list[N]:
    """A shortest cycle from `start` back to it inside `members`: `[start, ..., closer]`.

    The last node is the one whose edge closes the loop.  Empty when there is none.
    """
    parent: dict[N, N] = {}
    queue: deque[N] = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in succ.get(node, ()):
            if nxt == start:
                return _unwind(node, start, parent)
            if nxt in members and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return []


def _unwind(last: N, start: N, parent: Mapping[N, N]) -> list[N]:
    path = [last]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return path[::-1]


def callers_of(succ: Mapping[N, Sequence[N]]) -> dict[N, list[N]]:
    """The reverse graph: for each node, the nodes with an edge to it."""
    callers: dict[N, list[N]] = {node: [] for node in succ}
    for node, targets in succ.items():
        for target in dict.fromkeys(targets):
            callers.setdefault(target, []).append(node)
    return callers


def callees_first(nodes: Sequence[N], succ: Mapping[N, Sequence[N]]) -> list[N]:
    """`nodes` in reverse topological order (Tarjan emits sink components first), so a
    bottom-up analysis over a call graph converges in one pass when there is no cycle."""
    return [node for comp in strongly_connected(nodes, succ) for node in comp]


def solve_worklist(order: Sequence[N], update: Callable[[N], Iterable[N]]) -> None:
    """Run `update` on every node of `order`, then again on each node it names, until quiet.

    Interprocedural facts only ever grow, so each node is revisited at most once per
    change of a node it depends on: linear in the call graph, not quadratic.
    """
    queue: deque[N] = deque(order)
    queued: set[N] = set(order)
    while queue:
        node = queue.popleft()
        queued.discard(node)
        for again in update(node):
            if again not in queued:
                queued.add(again)
                queue.append(again)
