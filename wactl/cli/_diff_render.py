"""`wactl diff` output: plain text for a terminal, Markdown for a pull-request comment."""

from __future__ import annotations

from collections.abc import Iterator

from wactl.compiler.semdiff import FlowDiff, ProgramDiff

NO_CHANGES = "No semantic differences."


def headline(diff: ProgramDiff) -> str:
    return (f"Flows: {len(diff.flows_added)} added, {len(diff.flows_removed)} removed, "
            f"{len(diff.flows_changed)} changed, {diff.flows_unchanged} unchanged")


# --------------------------------------------------------------------------- text


def _flow_text(fd: FlowDiff) -> Iterator[str]:
    yield f"~ flow {fd.flow}"
    if fd.trigger:
        yield f"    trigger: {fd.trigger[0]} -> {fd.trigger[1]}"
    if fd.priority:
        yield f"    priority: {fd.priority[0]} -> {fd.priority[1]}"
    if fd.fields:
        yield f"    changed: {', '.join(fd.fields)}"
    yield from (f"    + step {s} ({kind})" for s, kind in fd.steps_added)
    yield from (f"    - step {s} ({kind})" for s, kind in fd.steps_removed)
    yield from (f"    ~ step {c.step}: {', '.join(c.fields)}" for c in fd.steps_changed)
    if fd.edges_added or fd.edges_removed:
        yield "    edges:"
        yield from (f"      - {e}" for e in fd.edges_removed)
        yield from (f"      + {e}" for e in fd.edges_added)
    if fd.unreachable:
        yield f"    newly unreachable: {', '.join(fd.unreachable)}"


def _agents_text(diff: ProgramDiff) -> Iterator[str]:
    yield from (f"+ agent {a}" for a in diff.agents_added)
    yield from (f"- agent {a}" for a in diff.agents_removed)
    yield from (f"~ agent {a}" for a in diff.agents_changed)
    if diff.project_changed:
        yield "~ project settings (wactl.yaml)"


def render_text(diff: ProgramDiff) -> str:
    """A terse, grep-friendly listing: `+`, `-` and `~` lines under a headline."""
    if diff.empty:
        return NO_CHANGES + "\n"
    lines = [headline(diff)]
    lines += [f"+ flow {f}" for f in diff.flows_added]
    lines += [f"- flow {f}" for f in diff.flows_removed]
    for fd in diff.flows_changed:
        lines.extend(_flow_text(fd))
    lines.extend(_agents_text(diff))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- markdown


def _code(items: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in items)


def _md_edge(edge: str) -> str:
    return f"`{edge}`"


def _flow_md(fd: FlowDiff) -> Iterator[str]:
    yield f"#### `{fd.flow}`"
    yield ""
    if fd.trigger:
        yield f"- **trigger**: `{fd.trigger[0]}` → `{fd.trigger[1]}`"
    if fd.priority:
        yield f"- **priority**: {fd.priority[0]} → {fd.priority[1]}"
    if fd.fields:
        yield f"- **changed**: {_code(fd.fields)}"
    if fd.steps_added:
        yield "- **steps added**: " + ", ".join(f"`{s}` ({k})" for s, k in fd.steps_added)
    if fd.steps_removed:
        yield "- **steps removed**: " + ", ".join(f"`{s}` ({k})" for s, k in fd.steps_removed)
    for c in fd.steps_changed:
        yield f"- **step `{c.step}` changed**: {_code(c.fields)}"
    if fd.edges_removed:
        yield "- **edges removed**: " + ", ".join(map(_md_edge, fd.edges_removed))
    if fd.edges_added:
        yield "- **edges added**: " + ", ".join(map(_md_edge, fd.edges_added))
    if fd.unreachable:
        yield f"- :warning: **newly unreachable**: {_code(fd.unreachable)}"
    yield ""


def _summary_table(diff: ProgramDiff) -> Iterator[str]:
    yield "| change | flows | agents |"
    yield "|---|---|---|"
    rows = (("added", diff.flows_added, diff.agents_added),
            ("removed", diff.flows_removed, diff.agents_removed),
            ("changed", [f.flow for f in diff.flows_changed], diff.agents_changed))
    for name, flows, agents in rows:
        if flows or agents:
            yield f"| {name} | {_code(flows) or '—'} | {_code(agents) or '—'} |"
    yield ""


def render_markdown(diff: ProgramDiff) -> str:
    """A pull-request comment: a summary table, then one section per changed flow."""
    lines = ["### wactl diff", ""]
    if diff.empty:
        return "\n".join([*lines, NO_CHANGES]) + "\n"
    lines += [headline(diff) + ".", ""]
    lines.extend(_summary_table(diff))
    for fd in diff.flows_changed:
        lines.extend(_flow_md(fd))
    if diff.project_changed:
        lines.append("Project settings (`wactl.yaml`) changed.")
    return "\n".join(lines).rstrip("\n") + "\n"
