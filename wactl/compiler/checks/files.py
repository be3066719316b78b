"""Files: one that defines nothing (WA114, a warning).

An empty `.yaml` or `.flow` file (or one holding only comments) used to pass without a
word, so a flow saved empty by mistake, or written in the wrong file, looked checked.
A file whose load failed is not reported again: its errors already say why.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.diagnostics import Severity, Span
from wactl.dsl import ast


def check(ctx: Context) -> None:
    failed = {d.span.file for d in ctx.bag if d.severity is Severity.ERROR}
    for file in ctx.files:
        if _defines_nothing(file) and file.path not in failed:
            ctx.bag.add("WA114", "this file defines nothing: no flow, agent, test or "
                        "project settings", Span.whole(file.path),
                        hint="write a flow here (`flow: my_flow` with `steps:`, or "
                        "`flow my_flow` in a .flow file), or delete the file")


def _defines_nothing(file: ast.SourceFile) -> bool:
    return not (file.flows or file.agents or file.tests or file.project is not None)
