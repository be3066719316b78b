"""Canonical formatting and conversion between the spellings, as pure text-to-text plans.

Formatting must never change meaning, so each new text is loaded back and compared with
the original AST (a mismatch is a wactl bug, WA901, and the plan is void), and it must
never lose a comment (see `wactl.dsl.comments`).  A file with load errors is refused:
formatting it could only guess at what the merchant meant.  Only flows convert to
`.flow`; agents, tests and `wactl.yaml` stay YAML.  `wactl fmt` writes the plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

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
        from wactl.dsl.flow.fmt import format_flow

        return format_flow(copy)
    from wactl.dsl.yaml.dump import dump_yaml

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


def format_source(path: str, text: str, to: Spelling | None = None) -> Plan:
    """Format one file's text in memory: the new text and name, or why not (pure)."""
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
    if plan.new_text != text and not plan.diagnostics:
        _keep_comments(plan, file, text)
    return plan


def _keep_comments(plan: Plan, file: ast.SourceFile, text: str) -> None:
    """Put back the YAML comments the AST has no place for; what cannot be is `plan.lost`."""
    from wactl.dsl.comments import lost_comments

    plan.lost = lost_comments(plan.path, text, plan.new_path, plan.new_text)
    if not plan.lost or file.spelling != "yaml" or not plan.new_path.endswith((".yaml", ".yml")):
        return
    from wactl.dsl.yaml.comments_keep import keep_comments

    kept = keep_comments(text, plan.new_text)
    if kept is None:
        return
    trial = Plan(plan.path, text, plan.new_path, kept)
    verify(trial, file)
    if not trial.diagnostics:
        plan.new_text = kept
        plan.lost = lost_comments(plan.path, text, plan.new_path, kept)
