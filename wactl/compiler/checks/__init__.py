"""The check families, run in pipeline order; each appends diagnostics and never raises.

A family runs even when an earlier one found problems (all diagnostics in one run);
each family skips on its own what it cannot judge (e.g. a flow with a broken step list).
"""

from __future__ import annotations

from collections.abc import Callable

from wactl.compiler.checks import (
    calls,
    cycles,
    expressions,
    files,
    languages,
    limits,
    names,
    reachability,
    structure,
    tests,
    triggers,
    values,
    variables,
)
from wactl.compiler.context import Context

CHECKS: tuple[Callable[[Context], None], ...] = (
    values.check,
    names.check,
    expressions.check,
    reachability.check,
    cycles.check,
    structure.check,
    variables.check,
    limits.check,
    languages.check,
    triggers.check,
    calls.check,
    tests.check,
    files.check,
)

__all__ = ["CHECKS"]
