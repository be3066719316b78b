"""Placeholder: being written."""

from __future__ import annotations

from wactl.compiler.context import Context


def check(ctx: Context) -> None:
    """Placeholder until the family is written."""
