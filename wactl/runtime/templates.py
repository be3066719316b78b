"""Rendering `{{ expr | filter }}` templates through the safe evaluator.

A template renders its holes with the display rules of `format_value`: null shows as
nothing (so a missing variable leaves a gap, never the word "None"), true and false as
those words, whole
numbers without `.0`, dates as ISO dates, lists as `a, b, c`.  All holes share one
`Meter`, so a text with many holes is bounded as a whole, and the result is capped at
`MAX_TEXT` characters.  Errors are `ExprError` with offsets into the template source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wactl.dsl.expr import Hole, TemplateNode, parse_template_source
from wactl.runtime.expressions import MAX_TEXT, ExprError, Meter, evaluate, format_value


def render(node: TemplateNode, scope: Mapping[str, Any], budget: int = 10_000,
           meter: Meter | None = None) -> str:
    """The text of `node` with every hole evaluated in `scope`; raises only ExprError."""
    meter = meter or Meter(budget)
    out: list[str] = []
    size = 0
    for part in node.parts:
        text = part if isinstance(part, str) else render_hole(part, scope, meter)
        size += len(text)
        if size > MAX_TEXT:
            offset = part.offset if isinstance(part, Hole) else 0
            raise ExprError("too_large", f"text is over the {MAX_TEXT:,} character limit",
                            offset)
        out.append(text)
    return "".join(out)


def render_src(src: str, scope: Mapping[str, Any], budget: int = 10_000) -> str:
    """Parse (cached) and render; a syntax error becomes ExprError("syntax_error")."""
    node, errors = parse_template_source(src)
    if node is None or errors:
        code, message, offset = errors[0]
        raise ExprError("syntax_error", f"{message} ({code})", offset)
    return render(node, scope, budget)


def render_hole(hole: Hole, scope: Mapping[str, Any], meter: Meter) -> str:
    """One hole's text; error offsets are moved from the hole's text to the template's."""
    try:
        text = format_value(evaluate(hole.expr, scope, meter=meter))
    except ExprError as exc:
        raise ExprError(exc.code, exc.message, hole.offset + exc.offset) from None
    meter.charge(len(text) // 100, hole.offset)
    return text
