"""What a deploy prepares once, so that handling an event only reads it.

A `Deployment` is built by `Engine.deploy` and never changes after: the current flows
and agents, every flow version runs may be pinned to, each version's edge table (where
a step's edges of a kind lead), the options of asks whose picks hold no template (by
version, step and language), the trigger index, the time zone and the languages.  A
new deploy builds a new one (reusing the tables of versions it already had), so an
event being handled never sees a table change under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from wactl.compiler.ir import (
    IRAgent,
    IRAskStep,
    IRFlow,
    IRMessage,
    IRRunStep,
    Program,
    Text,
)
from wactl.runtime.answers import Option
from wactl.runtime.engine.triggers import TriggerIndex

Edges = dict[str, dict[str, tuple[str, ...]]]
"""A flow version's edge table: step id → edge kind → targets, in order."""
OptionsKey = tuple[str, str, str]
"""(flow version, step id, language)."""
NO_TARGETS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Limits:
    """The runtime guard behind the compiler's cycle check."""

    max_steps_per_event: int = 1000
    max_run_age: timedelta = timedelta(days=30)
    expr_budget: int = 10_000


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deployed program and the tables prepared for it (read-only while handling)."""

    program: Program
    flows: Mapping[str, IRFlow]
    agents: Mapping[str, IRAgent]
    versions: Mapping[str, IRFlow]
    edges: Mapping[str, Edges]
    options: Mapping[OptionsKey, list[Option]]
    triggers: TriggerIndex
    tz: ZoneInfo
    languages: tuple[str, ...]
    limits: Limits
    secrets: Mapping[str, str]
    pins: Mapping[str, Mapping[str, str]]
    """Per flow, the versions of every flow its `run` steps reach: what a run pins."""

    def knows(self, version: str) -> bool:
        return version in self.versions

    def version(self, flow_id: str, version: str) -> IRFlow | None:
        """The flow a run pinned; the current one if that version is unknown but same id."""
        return self.versions.get(version) or self.flows.get(flow_id)

    def targets(self, flow_id: str, version: str, step_id: str,
                kind: str) -> tuple[str, ...]:
        """Where a step's edges of `kind` lead, in order (the table of the pinned version)."""
        table = self.edges.get(version)
        if table is None:
            flow = self.flows.get(flow_id)
            table = None if flow is None else self.edges.get(flow.hash or flow.id)
        step = None if table is None else table.get(step_id)
        return NO_TARGETS if step is None else step.get(kind, NO_TARGETS)


def deploy(program: Program, limits: Limits, secrets: Mapping[str, str],
           versions: Iterable[IRFlow], before: Deployment | None = None) -> Deployment:
    """The deployment of `program`; `versions` and `before`'s versions stay loaded."""
    known: dict[str, IRFlow] = dict(before.versions) if before is not None else {}
    known.update((f.hash or f.id, f) for f in versions)
    known.update((f.hash or f.id, f) for f in program.flows)
    langs = tuple(dict.fromkeys([program.project.language, *program.project.languages]))
    edges: dict[str, Edges] = {}
    options: dict[OptionsKey, list[Option]] = {}
    for key, flow in known.items():
        if before is not None and key in before.edges and before.languages == langs:
            edges[key] = before.edges[key]
            continue
        edges[key] = edge_table(flow)
        options.update(static_options(key, flow, langs, program.project.language))
    if before is not None and before.languages == langs:
        options.update((k, v) for k, v in before.options.items() if k[0] in known)
    return Deployment(
        program=program, flows={f.id: f for f in program.flows},
        agents={a.id: a for a in program.agents}, versions=known, edges=edges,
        options=options, triggers=TriggerIndex(program.flows),
        tz=ZoneInfo(program.project.timezone), languages=langs, limits=limits,
        secrets=dict(secrets), pins=sub_flow_pins(program.flows))


def sub_flow_pins(flows: Iterable[IRFlow]) -> dict[str, dict[str, str]]:
    """For each flow, the versions of every flow its `run` steps reach (transitively):
    what a run starting on it pins, so a later deploy does not change its sub-flows."""
    by_id = {f.id: f for f in flows}
    calls = {f.id: {s.params.flow for s in f.steps.values() if isinstance(s, IRRunStep)}
             for f in by_id.values()}
    pins: dict[str, dict[str, str]] = {}
    for flow_id in by_id:
        seen: set[str] = set()
        todo = list(calls[flow_id])
        while todo:
            callee = todo.pop()
            if callee in seen or callee not in by_id:
                continue
            seen.add(callee)
            todo += calls[callee]
        pins[flow_id] = {c: by_id[c].hash or c for c in sorted(seen)}
    return pins


def edge_table(flow: IRFlow) -> Edges:
    table: Edges = {}
    for sid, step in flow.steps.items():
        kinds: dict[str, list[str]] = {}
        for edge in step.edges:
            kinds.setdefault(edge.kind, []).append(edge.to)
        table[sid] = {kind: tuple(targets) for kind, targets in kinds.items()}
    return table


# --------------------------------------------------------------------------- options


def pick_text(text: Text | None, language: str, default: str) -> str | None:
    """The variant of a per-language text for `language` (then the default, then any)."""
    if text is None or isinstance(text, str):
        return text
    return text.get(language) or text.get(default) or next(iter(text.values()), None)


def static_options(version: str, flow: IRFlow, languages: tuple[str, ...],
                   default: str) -> dict[OptionsKey, list[Option]]:
    """The options of each ask whose picks' titles hold no template, per language: the
    same list `render_message` gives for them, made once instead of per answer."""
    out: dict[OptionsKey, list[Option]] = {}
    for sid, step in flow.steps.items():
        if not isinstance(step, IRAskStep) or not _static(step.params.message):
            continue
        for lang in languages:
            out[(version, sid, lang)] = _options(step.params.message, sid, lang, default)
    return out


def _titles(msg: IRMessage) -> list[Text | None]:
    if msg.buttons:
        return list(msg.buttons)
    if msg.list_ is None:
        return []
    return [row.title for sec in msg.list_.sections for row in sec.rows]


def _static(msg: IRMessage) -> bool:
    titles = _titles(msg)
    return bool(titles) and not any(
        "{{" in variant for title in titles if title is not None
        for variant in ([title] if isinstance(title, str) else title.values()))


def _options(msg: IRMessage, step_id: str, language: str, default: str) -> list[Option]:
    if msg.buttons:
        titles = [pick_text(b, language, default) or "" for b in msg.buttons]
        return [Option(f"{step_id}.{i + 1}", title, title) for i, title in enumerate(titles)]
    sections = [] if msg.list_ is None else msg.list_.sections
    return [Option(row.id, pick_text(row.title, language, default) or row.id, row.id)
            for sec in sections for row in sec.rows]
