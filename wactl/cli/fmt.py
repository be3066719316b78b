"""`wactl fmt`: canonical formatting in place, `--check` for CI, `--to` to change spelling.

Formatting must never change meaning, so each new text is loaded back and compared
with the original AST before anything is written; a mismatch is a wactl bug (WA901,
exit 3) and the file is left alone.  A file with load errors is refused: formatting
it could only guess at what the merchant meant.  `--to flow` converts files that hold
only flows; agents, tests and `wactl.yaml` stay YAML.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any

import typer

from wactl.cli import sources as src
from wactl.cli._common import echo, finish, print_diagnostics
from wactl.cli.exit_codes import ExitCode
from wactl.diagnostics import CODES, Diagnostic, Severity, Span
from wactl.dsl import ast


class Spelling(StrEnum):
    YAML = "yaml"
    FLOW = "flow"


@dataclass
class Plan:
    """What formatting one file would do: a new text, maybe under a new name, or why not."""

    path: str
    old_text: str
    new_path: str = ""
    new_text: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lost: list[tuple[int, str]] = field(default_factory=list)  # comments it would drop

    @property
    def changes(self) -> bool:
        return not self.diagnostics and not self.lost and (
            self.new_path != self.path or self.new_text != self.old_text)

    @property
    def internal(self) -> bool:
        return any(d.code == "WA901" for d in self.diagnostics)


def _content(file: ast.SourceFile) -> dict[str, Any]:
    """What a file says, regardless of its name and spelling."""
    return file.model_dump(by_alias=True, exclude={"path", "spelling"})


def target_spelling(file: ast.SourceFile, to: Spelling | None) -> Spelling:
    """The spelling to write: `to` when given and possible, else the file's own."""
    only_flows = not (file.agents or file.tests or file.project)
    if to is Spelling.FLOW and only_flows:
        return Spelling.FLOW
    if to is Spelling.YAML:
        return Spelling.YAML
    return Spelling(file.spelling)


def renamed(path: str, spelling: Spelling, old: str) -> str:
    """`flows/a.yaml` -> `flows/a.flow` (and back), or `path` when the spelling is kept."""
    if spelling.value == old:
        return path
    return str(PurePosixPath(path).with_suffix("." + spelling.value))


def render_as(file: ast.SourceFile, spelling: Spelling, path: str) -> str:
    copy = file.model_copy(update={"path": path, "spelling": spelling.value})
    if spelling is Spelling.FLOW:
        from wactl.dsl.flow_fmt import format_flow

        return format_flow(copy)
    from wactl.dsl.yaml_dump import dump_yaml

    return dump_yaml(copy)


def _wa901(path: str, message: str) -> Diagnostic:
    return Diagnostic("WA901", CODES["WA901"].severity, message, Span(path, 1, 1, 1, 1),
                      "this is a wactl bug, please report it; the file was left unchanged")


def verify(plan: Plan, original: ast.SourceFile) -> None:
    """Load the new text back; anything but the same AST is a formatter bug."""
    from wactl.dsl import load_source

    again, diags = load_source(plan.new_path, plan.new_text)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if again is None or errors:
        why = f" ({errors[0].code} at line {errors[0].span.line}: {errors[0].message})" \
            if errors else ""
        plan.diagnostics.append(_wa901(plan.path, f"formatted text does not load again{why}"))
    elif _content(again) != _content(original):
        plan.diagnostics.append(_wa901(plan.path, "formatting would change the meaning"))


def plan_file(path: str, text: str, to: Spelling | None) -> Plan:
    """Format one file in memory (nothing is written here)."""
    from wactl.dsl import load_source

    plan = Plan(path, text)
    file, diags = load_source(path, text)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if file is None or errors:
        plan.diagnostics = errors or [_wa901(path, "file did not load")]
        return plan
    spelling = target_spelling(file, to)
    plan.new_path = renamed(path, spelling, file.spelling)
    plan.new_text = render_as(file, spelling, plan.new_path)
    verify(plan, file)
    if plan.new_text != text:
        from wactl.dsl.comments import lost_comments

        plan.lost = lost_comments(path, text, plan.new_path, plan.new_text)
    if plan.new_path != path and os.path.exists(plan.new_path):
        plan.diagnostics.append(Diagnostic(
            "WA100", Severity.ERROR, f"cannot convert to `{plan.new_path}`: it already exists",
            Span(path, 1, 1, 1, 1), "remove or rename one of the two files"))
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
            Span(plan.path, 1, 1, 1, 1)))


def describe(plan: Plan, check: bool) -> str:
    verb = ("Would convert" if check else "Converted") if plan.new_path != plan.path else (
        "Would reformat" if check else "Reformatted")
    target = f" -> {plan.new_path}" if plan.new_path != plan.path else ""
    return f"{verb}: {plan.path}{target}\n"


def describe_kept(plan: Plan) -> str:
    """Why a file was not touched: formatting it would drop comments it has no node for."""
    line, body = plan.lost[0]
    more = f" and {len(plan.lost) - 1} more" if len(plan.lost) > 1 else ""
    return (f"note: {plan.path} left as is: formatting would drop the comment on line "
            f"{line} (# {body}){more}; put comments on their own line above a flow or "
            "step to keep them through `wactl fmt`\n")


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
         + (f", {len(kept)} left as is to keep comments" if kept else "")
         + (f", {len(refused)} refused.\n" if refused else ".\n"))
    if any(p.internal for p in refused):
        return ExitCode.INTERNAL
    return ExitCode.INVALID if refused or (check and changed) else ExitCode.OK


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
