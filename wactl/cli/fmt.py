"""`wactl fmt`: canonical formatting in place, `--check` for CI, `--to` to change spelling.

The plans (new text, new name, or why not) come from `wactl.dsl.fmt`, which proves
that meaning and comments survive; this module reads the files, refuses to overwrite an
existing file when converting, writes, and reports (a WA901 plan exits 3).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from wactl.cli import sources as src
from wactl.cli._common import echo, finish, print_diagnostics
from wactl.cli.exit_codes import ExitCode
from wactl.diagnostics import Diagnostic, Severity, Span
from wactl.dsl.fmt import Plan, Spelling, format_source


def plan_file(path: str, text: str, to: Spelling | None) -> Plan:
    """The formatting plan of one file, refused when a conversion would overwrite a file."""
    plan = format_source(path, text, to)
    if plan.new_path != path and os.path.exists(plan.new_path):
        plan.diagnostics.append(Diagnostic(
            "WA100", Severity.ERROR, f"cannot convert to `{plan.new_path}`: it already exists",
            Span.whole(path), "remove or rename one of the two files"))
    return plan


def apply(plan: Plan) -> None:
    """Write the new text; a conversion writes the new file, then removes the old one."""
    try:
        with open(plan.new_path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(plan.new_text)
        if plan.new_path != plan.path:
            os.remove(plan.path)
    except OSError as exc:
        plan.diagnostics.append(Diagnostic(
            "WA100", Severity.ERROR, f"cannot write `{plan.new_path}`: {exc.strerror or exc}",
            Span.whole(plan.path)))


def describe(plan: Plan, check: bool) -> str:
    verb = ("Would convert" if check else "Converted") if plan.new_path != plan.path else (
        "Would reformat" if check else "Reformatted")
    target = f" -> {plan.new_path}" if plan.new_path != plan.path else ""
    return f"{verb}: {plan.path}{target}\n"


def describe_kept(plan: Plan) -> str:
    """Why a file was not formatted: a comment would be lost (it sits beside a key the
    canonical form leaves out); the file stays as it is, and the run fails."""
    line, body = plan.lost[0]
    more = f" and {len(plan.lost) - 1} more" if len(plan.lost) > 1 else ""
    return (f"error: {plan.path} not formatted: formatting would drop the comment on line "
            f"{line} (# {body}){more}, which sits beside something the formatted file "
            "leaves out; move the comment above the flow or step\n")


def report(plans: list[Plan], check: bool) -> ExitCode:
    """Print per-file lines and a summary; the exit code of the whole run."""
    from wactl.cli.render import plural

    changed = [p for p in plans if p.changes]
    refused = [p for p in plans if p.diagnostics]
    for plan in changed:
        echo(describe(plan, check))
    kept = [p for p in plans if p.lost and not p.diagnostics]
    for plan in kept:
        echo(describe_kept(plan), err=True)
    for plan in refused:
        print_diagnostics(plan.diagnostics, {plan.path: plan.old_text})
        why = "a wactl bug, see above" if plan.internal else "fix the errors above first"
        echo(f"error: {plan.path} not formatted ({why})\n", err=True)
    done = "would be changed" if check else "changed"
    echo(f"{plural(len(changed), 'file')} {done}, "
         f"{len(plans) - len(changed) - len(refused) - len(kept)} already formatted"
         + (f", {len(kept)} not formatted to keep comments" if kept else "")
         + (f", {len(refused)} refused.\n" if refused else ".\n"))
    if any(p.internal for p in refused):
        return ExitCode.INTERNAL
    return ExitCode.INVALID if refused or kept or (check and changed) else ExitCode.OK


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files and folders to format (default: the project).", show_default=False)] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; exit 1 and list the files that would change.")] = False,
    to: Annotated[Spelling | None, typer.Option(
        "--to", help="Convert flow files to this spelling (.flow or .yaml).")] = None,
) -> None:
    """Format flow files canonically, or convert them between YAML and .flow."""
    missing = src.missing_paths(paths or [])
    if missing:
        print_diagnostics(missing, {})
        finish(ExitCode.USAGE)
    sources, read_diags = src.read_sources(paths or src.default_paths())
    if read_diags:
        print_diagnostics(read_diags, {})
    plans = [plan_file(path, text, to) for path, text in sources.items()]
    if not check:
        for plan in plans:
            if plan.changes:
                apply(plan)
    code = report(plans, check)
    finish(ExitCode.INVALID if read_diags and code is ExitCode.OK else code)
