"""`wactl stats FLOW [--version V] [--service URL]`: a flow's funnel as a bar chart —
how many runs reached each step (in the order runs first reached them), per version —
and beneath it how the runs ended: completed, dropped (and where), in progress."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wactl.cli._common import finish
from wactl.cli.commands._remote import ServiceUrl, call, service_url
from wactl.cli.exit_codes import ExitCode

WIDTH = 40


def command(
    flow: Annotated[str, typer.Argument(help="The flow's id.")],
    version: Annotated[str | None, typer.Option("--version", help="One version only.")] = None,
    service: ServiceUrl = None,
) -> None:
    """Show how many runs reached each step of a flow."""
    url = service_url(service, None)
    query = f"?version={version}" if version else ""
    funnel = call("GET", url, f"/analytics/funnels/{flow}{query}")
    typer.echo(render_funnel(funnel), nl=False)
    finish(ExitCode.OK)


def render_funnel(funnel: dict[str, Any]) -> str:
    steps = funnel["steps"]
    if not steps:
        return f"{funnel['flow']}: no run has reached a step yet\n"
    lines: list[str] = []
    ends = {v["version"]: v for v in funnel.get("versions", [])}
    for version in dict.fromkeys(s["version"] for s in steps):
        mine = [s for s in steps if s["version"] == version]
        top = max(s["runs"] for s in mine) or 1
        name = max(len(s["step"]) for s in mine)
        lines.append(f"{funnel['flow']} @ {version[:12]}")
        for s in mine:
            bar = "█" * max(1, round(WIDTH * s["runs"] / top))
            lines.append(f"  {s['step']:<{name}}  {bar} {s['runs']}")
        if version in ends:
            lines.append(render_ends(ends[version]))
    return "\n".join(lines) + "\n"


def render_ends(v: dict[str, Any]) -> str:
    """`started 4 · completed 1 · handed off 0 · dropped 2 (phone 1, ask 1) · in progress 1`."""
    where = ", ".join(f"{d['step']} {d['runs']}" for d in v["dropped_at"])
    dropped = f"dropped {v['dropped']}" + (f" ({where})" if where else "")
    return (f"  started {v['started']} · completed {v['completed']} · "
            f"handed off {v.get('handed_off', 0)} · {dropped} · in progress {v['in_progress']}")
