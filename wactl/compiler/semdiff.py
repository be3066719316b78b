"""A semantic diff of two compiled programs: what a reviewer needs to know about a change.

A text diff of YAML says which lines moved; this says which flows changed (by their
content hash), which steps appeared, disappeared or changed (and in which field),
which edges of the step graph were rewired, which steps nobody can reach any more,
and whether a flow now starts on different triggers or at a different priority.
Pure data in, pure data out; the CLI (`wactl/cli/_diff_render.py`) renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wactl.compiler.ir import IRNode, canonical_json

if TYPE_CHECKING:
    from wactl.compiler.ir import IRAgent, IRFlow, IRStep, IRTrigger, Program

EdgeText = str
"""An edge spelled `source -[kind]-> target` (with the label when it is not the kind)."""


@dataclass
class StepChange:
    step: str
    fields: list[str]


@dataclass
class FlowDiff:
    """Everything that differs inside one flow present on both sides."""

    flow: str
    trigger: tuple[str, str] | None = None
    priority: tuple[int, int] | None = None
    fields: list[str] = field(default_factory=list)
    steps_added: list[tuple[str, str]] = field(default_factory=list)
    steps_removed: list[tuple[str, str]] = field(default_factory=list)
    steps_changed: list[StepChange] = field(default_factory=list)
    edges_added: list[EdgeText] = field(default_factory=list)
    edges_removed: list[EdgeText] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


@dataclass
class ProgramDiff:
    flows_added: list[str] = field(default_factory=list)
    flows_removed: list[str] = field(default_factory=list)
    flows_changed: list[FlowDiff] = field(default_factory=list)
    flows_unchanged: int = 0
    agents_added: list[str] = field(default_factory=list)
    agents_removed: list[str] = field(default_factory=list)
    agents_changed: list[str] = field(default_factory=list)
    project_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.flows_added or self.flows_removed or self.flows_changed
                    or self.agents_added or self.agents_removed or self.agents_changed
                    or self.project_changed)


def describe_trigger(trigger: IRTrigger | None) -> str:
    """A one-line reading of a trigger: `keyword "order", "đơn hàng" if ...`."""
    if trigger is None:
        return "none"
    data = trigger.to_data()
    kind = data.pop("kind")
    guard = data.pop("if", None)
    data.pop("normalized", None)
    if kind == "keyword":
        text = "keyword " + ", ".join(f'"{k}"' for k in data["keywords"])
    else:
        shown = [f"{k}={v!r}" if k != kind else repr(v) for k, v in data.items() if v is not None]
        text = f"{kind} " + " ".join(shown)
    return text + (f" if {guard}" if guard else "")


def edge_texts(step_id: str, step: IRStep) -> list[EdgeText]:
    out = []
    for e in step.edges:
        label = f" ({e.label})" if e.label and e.label != e.kind else ""
        out.append(f"{step_id} -[{e.kind}{label}]-> {e.to}")
    return out


def reachable(flow: IRFlow) -> set[str]:
    """Step ids reachable from the entry along any edge."""
    seen: set[str] = set()
    todo = [flow.entry] if flow.entry else []
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in flow.steps:
            continue
        seen.add(sid)
        todo.extend(e.to for e in flow.steps[sid].edges)
    return seen


def step_fields(old: IRStep, new: IRStep) -> list[str]:
    """Which fields of a step differ (`kind`, `when`, `max_visits`, `params.<key>`)."""
    changed = [name for name in ("kind", "when", "max_visits")
               if getattr(old, name) != getattr(new, name)]
    was, now = old.params.to_data(), new.params.to_data()
    keys = sorted(set(was) | set(now))
    changed += [f"params.{k}" for k in keys if was.get(k) != now.get(k)]
    return changed


FLOW_FIELDS = ("title", "description", "vars", "rule", "entry")


def diff_steps(old: IRFlow, new: IRFlow, out: FlowDiff) -> None:
    out.steps_added = [(s, new.steps[s].kind) for s in new.steps if s not in old.steps]
    out.steps_removed = [(s, old.steps[s].kind) for s in old.steps if s not in new.steps]
    for sid in (s for s in new.steps if s in old.steps):
        changed = step_fields(old.steps[sid], new.steps[sid])
        if changed:
            out.steps_changed.append(StepChange(sid, changed))
    before = {e for sid, step in old.steps.items() for e in edge_texts(sid, step)}
    after = {e for sid, step in new.steps.items() for e in edge_texts(sid, step)}
    out.edges_added, out.edges_removed = sorted(after - before), sorted(before - after)
    was, now = reachable(old), reachable(new)
    out.unreachable = sorted(s for s in new.steps if s in was and s not in now)


def diff_flow(old: IRFlow, new: IRFlow) -> FlowDiff:
    out = FlowDiff(new.id)
    if old.trigger != new.trigger:
        out.trigger = (describe_trigger(old.trigger), describe_trigger(new.trigger))
    if old.priority != new.priority:
        out.priority = (old.priority, new.priority)
    out.fields = [f for f in FLOW_FIELDS if getattr(old, f) != getattr(new, f)]
    diff_steps(old, new, out)
    return out


def _data(node: IRNode) -> str:
    return canonical_json(node.to_data())


def fingerprint(node: IRFlow | IRAgent) -> str:
    """The content hash (or, for IR without hashes, the canonical JSON itself)."""
    return node.hash or canonical_json(node.to_data())


def _by_hash(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """Added, removed and changed ids of two {id: fingerprint} maps."""
    return (sorted(set(new) - set(old)), sorted(set(old) - set(new)),
            sorted(k for k in new if k in old and old[k] != new[k]))


def diff_programs(old: Program, new: Program) -> ProgramDiff:
    """The semantic difference from `old` to `new`."""
    out = ProgramDiff()
    old_flows = {f.id: f for f in old.flows}
    new_flows = {f.id: f for f in new.flows}
    added, removed, changed = _by_hash({k: fingerprint(f) for k, f in old_flows.items()},
                                       {k: fingerprint(f) for k, f in new_flows.items()})
    out.flows_added, out.flows_removed = added, removed
    out.flows_changed = [diff_flow(old_flows[k], new_flows[k]) for k in changed]
    out.flows_unchanged = len(set(old_flows) & set(new_flows)) - len(changed)
    out.agents_added, out.agents_removed, out.agents_changed = _by_hash(
        {a.id: fingerprint(a) for a in old.agents}, {a.id: fingerprint(a) for a in new.agents})
    out.project_changed = _data(old.project) != _data(new.project)
    return out
