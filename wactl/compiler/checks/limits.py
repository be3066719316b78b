"""WhatsApp Cloud API limits, checked in every language variant of every text.

WhatsApp rejects a message that breaks one of these limits at send time, in the middle
of a customer's conversation; catching them at compile time is the point of the family.
Lengths are counted on the text as written, so a `{{ placeholder }}` counts its own
characters (the rendered value may be shorter or longer): `len()` of the Python string
(code points), which matches WhatsApp's own count closely enough.
"""

from __future__ import annotations

from collections.abc import Iterable

from wactl.compiler import _walk
from wactl.compiler.context import Context
from wactl.diagnostics import DiagnosticBag, Span, did_you_mean
from wactl.dsl import ast

MAX_BUTTONS = 3
MAX_ROWS = 10
MAX_SECTIONS = 10
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
CAPTION_MAX = 1024
TITLE_MAX = {
    "button": ("reply button title", 20),
    "list.button": ("list button text", 20),
    "row.title": ("list row title", 24),
    "section.title": ("list section title", 24),
    "row.description": ("list row description", 72),
}
PLACEHOLDER_NOTE = "placeholders like `{{ name }}` are counted as written"


def check(ctx: Context) -> None:
    """Check every message, text and template reference of every flow and agent."""
    for flow in ctx.flows.values():
        for step in flow.steps:
            _check_step(ctx, step)
    for agent in ctx.agents.values():
        if agent.handoff is not None and agent.handoff.message is not None:
            _check_length(ctx.bag, agent.handoff.message, TEXT_MAX, "handoff message")


def _check_step(ctx: Context, step: ast.Step) -> None:
    """One step's texts and template references (told apart by `kind`: one string
    comparison each, where an isinstance of a pydantic model goes through ABCMeta)."""
    kind = step.kind
    if kind == "send" and isinstance(step, ast.SendStep):
        _check_message(ctx.bag, step.send)
        if step.fallback_template is not None:
            _check_template(ctx, step.fallback_template)
    elif kind == "ask" and isinstance(step, ast.AskStep):
        _check_message(ctx.bag, step.ask)
        if step.retry_message is not None:
            _check_length(ctx.bag, step.retry_message, TEXT_MAX, "retry message")
    elif kind == "handoff" and isinstance(step, ast.HandoffStep):
        if step.handoff is not None:
            _check_length(ctx.bag, step.handoff, TEXT_MAX, "handoff message")
    elif kind == "end" and isinstance(step, ast.EndStep):
        if step.end is not None:
            _check_length(ctx.bag, step.end, TEXT_MAX, "closing message")
    elif kind == "template" and isinstance(step, ast.TemplateStep):
        _check_template(ctx, step.template)


# --------------------------------------------------------------------------- messages


def _check_message(bag: DiagnosticBag, msg: ast.Message) -> None:
    interactive = bool(msg.buttons) or msg.list_ is not None
    if msg.text is not None:
        limit = INTERACTIVE_BODY_MAX if interactive else TEXT_MAX
        what = "interactive message body" if interactive else "message text"
        _check_length(bag, msg.text, limit, what)
    if msg.caption is not None:
        _check_length(bag, msg.caption, CAPTION_MAX, "caption")
    for role, text in _walk.message_texts(msg):
        if role in TITLE_MAX:
            what, limit = TITLE_MAX[role]
            _check_length(bag, text, limit, what, code="WA502")
    _check_buttons(bag, msg)
    if msg.list_ is not None:
        _check_list(bag, msg.list_)
    if msg.buttons and msg.list_ is not None:
        bag.add("WA508", "a message cannot carry both reply buttons and a list",
                msg.list_.span, hint="send the list in a message of its own, or use buttons only",
                related=[(msg.buttons[0].span, "the buttons")])
    _check_header(bag, msg)


def _check_header(bag: DiagnosticBag, msg: ast.Message) -> None:
    """WA509: an interactive message needs a text body, and its header may be an image,
    video or document (buttons) or text only (a list); WhatsApp refuses it otherwise."""
    if (msg.buttons or msg.list_ is not None) and msg.text is None:
        bag.add("WA509", "a message with reply buttons or a list needs a text body", msg.span,
                hint="add `text:`; media alone cannot carry buttons or a list")
    if msg.list_ is not None:
        media = [m for m in (msg.image, msg.video, msg.document, msg.audio) if m is not None]
        allowed = "a list message can only have a text header"
    elif msg.buttons:
        media = [msg.audio] if msg.audio is not None else []
        allowed = "a message with reply buttons can carry an image, video or document"
    else:
        return
    if media:
        kind = "a list" if msg.list_ is not None else "reply buttons"
        bag.add("WA509", f"WhatsApp cannot send this media with {kind}", media[0].span,
                hint=f"{allowed}; send the media in a message of its own")


def _check_length(bag: DiagnosticBag, text: ast.Text, limit: int, what: str,
                  *, code: str = "WA504") -> None:
    """One diagnostic per language variant longer than `limit`."""
    for lang, template in text.variants.items():
        size = len(template.src)
        if size > limit:
            where = f" ({lang})" if lang else ""
            bag.add(code, f"{what}{where} is {size} characters, WhatsApp allows at most {limit}",
                    template.span, hint=f"shorten it; {PLACEHOLDER_NOTE}")


def _check_buttons(bag: DiagnosticBag, msg: ast.Message) -> None:
    if len(msg.buttons) > MAX_BUTTONS:
        extra = msg.buttons[MAX_BUTTONS]
        bag.add("WA501", f"{len(msg.buttons)} reply buttons, WhatsApp allows at most {MAX_BUTTONS}",
                extra.span, hint="use a list (up to 10 rows) for more choices")
    for lang in _languages(msg.buttons):
        titles = [b.variants.get(lang) or b.variants.get("") for b in msg.buttons]
        _report_duplicates(bag, [(t.src, t.span) for t in titles if t is not None],
                           "button title", lang)


def _check_list(bag: DiagnosticBag, menu: ast.ListMenu) -> None:
    rows = [row for section in menu.sections for row in section.rows]
    if len(menu.sections) > MAX_SECTIONS:
        bag.add("WA503", f"{len(menu.sections)} list sections, WhatsApp allows at most "
                f"{MAX_SECTIONS}", menu.sections[MAX_SECTIONS].span)
    if len(rows) > MAX_ROWS:
        bag.add("WA503", f"{len(rows)} list rows in total, WhatsApp allows at most {MAX_ROWS} "
                "across all sections", rows[MAX_ROWS].span,
                hint="split the choices over two questions")
    _report_duplicates(bag, [(row.id, row.span) for row in rows], "list row id", "")


def _languages(texts: Iterable[ast.Text]) -> list[str]:
    """The variant keys used by any of `texts`, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        seen.update(dict.fromkeys(text.variants))
    return list(seen)


def _report_duplicates(bag: DiagnosticBag, items: list[tuple[str, Span]], what: str,
                       lang: str) -> None:
    """WA507 at every repeat of an earlier value (compared trimmed and case-insensitively)."""
    first: dict[str, Span] = {}
    where = f" ({lang})" if lang else ""
    for value, span in items:
        key = value.strip().casefold()
        if key in first:
            bag.add("WA507", f"duplicate {what}{where} `{value}`", span,
                    related=[(first[key], "first used here")],
                    hint="a customer's tap could not tell them apart")
        else:
            first[key] = span


# --------------------------------------------------------------------------- templates


def _check_template(ctx: Context, ref: ast.TemplateRef) -> None:
    """WA506 for an undeclared template or language (when any are declared), WA505 for a
    params mismatch."""
    declared = ctx.project.templates
    if not declared:
        return
    spec = declared.get(ref.name)
    if spec is None:
        ctx.bag.add("WA506", f"template `{ref.name}` is not declared under `templates:` in "
                    "wactl.yaml", ref.span, hint=did_you_mean(ref.name, declared)
                    or "declare it with its parameter count so wactl can check its use")
        return
    if len(ref.params) != spec.params:
        ctx.bag.add("WA505", f"template `{ref.name}` takes {spec.params} parameter(s), "
                    f"{len(ref.params)} given", ref.span,
                    related=[(spec.span, "declared here")])
    if ref.language and spec.languages and ref.language not in spec.languages:
        ctx.bag.add("WA506", f"template `{ref.name}` is not approved in `{ref.language}` "
                    f"(declared: {', '.join(spec.languages)})", ref.span,
                    related=[(spec.span, "declared here")],
                    hint="use a declared language, or add it once Meta has approved it")
