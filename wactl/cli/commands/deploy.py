"""`wactl deploy [PATHS] [--dry-run] [--service URL] [--detailed-exitcode]`.

Compiles the project (nothing is sent when it does not compile), asks the service for
the plan (flows added, changed, removed, with the runs in progress on each changed one:
they finish on the version they started on; agents and the project's settings too),
prints it as a table, and applies it unless `--dry-run`.  As `terraform plan
-detailed-exitcode`: with `--detailed-exitcode` a plan with changes exits 2 (0: nothing
to do).  `--markdown` prints the plan as a Markdown table (for a pull-request comment).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from wactl.cli._common import compile_or_exit, finish, print_diagnostics
from wactl.cli.commands._remote import ServiceUrl, call, service_url
from wactl.cli.exit_codes import ExitCode

SYMBOLS = {"add": "+", "change": "~", "remove": "-", "keep": " "}


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files and folders to deploy (default: the project).", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only.")] = False,
    service: ServiceUrl = None,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 2 when the plan has changes.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="The plan as Markdown.")] = False,
) -> None:
    """Deploy the project's flows to the service: the plan, then (unless --dry-run) apply."""
    compiled = compile_or_exit(paths)
    program = compiled.result.program
    if program is None:
        print_diagnostics(compiled.diagnostics, compiled.sources)
        finish(ExitCode.INVALID)
    url = service_url(service, program.project.service_url)
    plan = call("POST", url, "/deploy", {"bundle": json.loads(program.to_json()),
                                         "dry_run": dry_run})
    typer.echo(render_markdown(plan) if markdown else render_table(plan), nl=False)
    changed = int(plan.get("changes", 0))
    finish(ExitCode.USAGE if detailed_exitcode and changed else ExitCode.OK)


def _verdict(plan: dict[str, Any]) -> str:
    changes = int(plan["changes"])
    if not changes:
        return "No changes: the service runs this project already."
    done = "Applied" if plan["applied"] else "Plan (not applied)"
    return f"{done}: {changes} change(s) for shop {plan['shop_id']}."


def _rows(plan: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(symbol, what, action, old, new, runs in progress) for flows, agents, settings."""
    rows = [(SYMBOLS[e["action"]], e["flow"], e["action"], (e["old_version"] or "")[:12],
             (e["new_version"] or "")[:12], str(e["runs_in_progress"]))
            for e in plan["entries"]]
    rows += [(SYMBOLS[a["action"]], f"agent {a['agent']}", a["action"],
              (a["old_hash"] or "")[:12], (a["new_hash"] or "")[:12], "")
             for a in plan.get("agents", [])]
    settings = plan.get("settings", "keep")
    if settings != "keep":
        rows.append((SYMBOLS[settings], "settings", settings, "", "", ""))
    return rows


def render_table(plan: dict[str, Any]) -> str:
    table = Table("", "flow", "action", "old", "new", "runs in progress", box=None)
    for row in _rows(plan):
        table.add_row(*row)
    console = Console(width=100, record=True, force_terminal=False)
    with console.capture() as out:
        console.print(table)
        console.print(_verdict(plan))
    return out.get()


def render_markdown(plan: dict[str, Any]) -> str:
    lines = ["| | flow | action | old | new | runs in progress |", "|---|---|---|---|---|---|"]
    lines += [f"| {sym} | `{what}` | {action} | {old} | {new} | {runs} |"
              for sym, what, action, old, new, runs in _rows(plan)]
    return "\n".join([*lines, "", _verdict(plan)]) + "\n"
