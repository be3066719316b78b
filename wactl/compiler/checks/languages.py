"""Per-language completeness of customer-facing texts, and the project's locale settings.

A customer whose language is `en` gets the `en` variant of every text; when a flow
writes some texts in `en` and forgets one, that customer silently falls back to the
default language in the middle of a conversation.  So every language a flow uses must
be complete in that flow (WA701), and every language used must be one the project
declares (WA702) — an undeclared code is usually a typo (`vn` for `vi`).  The
project's own default language and time zone are checked here too (WA704): schedules
and dates are computed in that zone, and an unknown zone would fail at deploy time.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

from wactl.compiler import _walk
from wactl.compiler.context import Context
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def check(ctx: Context) -> None:
    """WA701/WA702 for every flow and agent, WA704 for the project file."""
    declared = set(ctx.languages)
    for flow in ctx.flows.values():
        texts = [text for _step, _role, text in _walk.flow_texts(flow)]
        _check_complete(ctx, texts)
        _check_declared(ctx, _used(texts), declared)
    for agent in ctx.agents.values():
        used: dict[str, Span] = {}
        if agent.language is not None:
            used[agent.language] = agent.span
        if agent.handoff is not None and agent.handoff.message is not None:
            used.update((k, v) for k, v in _used([agent.handoff.message]).items() if k not in used)
        _check_declared(ctx, used, declared)
    _check_project(ctx)


def _used(texts: Iterable[ast.Text]) -> dict[str, Span]:
    """Each language code used by `texts` with the span of its first use."""
    used: dict[str, Span] = {}
    for text in texts:
        for lang, template in text.variants.items():
            if lang and lang not in used:
                used[lang] = template.span
    return used


def _check_complete(ctx: Context, texts: list[ast.Text]) -> None:
    """WA701 for each language the flow uses that a per-language text leaves out."""
    langs = list(_used(texts))
    if not langs:
        return
    for text in texts:
        if text.is_plain:
            continue
        for lang in langs:
            if lang not in text.variants:
                have = ", ".join(k for k in text.variants if k)
                ctx.bag.add("WA701", f"text has no `{lang}` version (it has: {have}); this flow "
                            f"uses `{lang}` elsewhere", text.span,
                            hint=f"add `{lang}: ...` so {lang} customers read the whole flow "
                            "in their language")


def _check_declared(ctx: Context, used: dict[str, Span], declared: set[str]) -> None:
    """WA702 once per undeclared language code (at its first use in the flow or agent)."""
    for lang, span in used.items():
        if lang not in declared:
            ctx.bag.add("WA702", f"language `{lang}` is not declared in the project (declared: "
                        f"{', '.join(ctx.languages)})", span,
                        hint=did_you_mean(lang, declared)
                        or f"add it to `languages:` in wactl.yaml, or use one of "
                        f"{', '.join(ctx.languages)}")


# --------------------------------------------------------------------------- project


def _check_project(ctx: Context) -> None:
    """WA704: an unknown default language, a malformed extra language, an unknown zone."""
    project = ctx.project
    if project.language not in ast.SCHEMA_LANGS:
        ctx.bag.add("WA704", f"unknown default language `{project.language}`; wactl supports "
                    f"{' and '.join(ast.SCHEMA_LANGS)}", ast.span_of(project, "language"),
                    hint=did_you_mean(project.language, ast.SCHEMA_LANGS))
    for lang in project.languages:
        if not LANGUAGE_CODE.fullmatch(lang):
            ctx.bag.add("WA704", f"`{lang}` is not a language code (like `en` or `vi`)",
                        ast.span_of(project, "languages"))
    reason = timezone_error(project.timezone)
    if reason is not None:
        ctx.bag.add("WA704", f"unknown time zone `{project.timezone}`: {reason}",
                    ast.span_of(project, "timezone"), hint=_zone_hint(project.timezone))


def timezone_error(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is."""
    try:
        zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError:
        return "no such zone in the IANA time zone database"
    except (ValueError, OSError) as exc:
        return str(exc) or "not a zone name"
    return None


def _zone_hint(name: str) -> str:
    """A did-you-mean over the installed zones (read only on error: it scans the disk)."""
    close = did_you_mean(name, zoneinfo.available_timezones())
    return close or "use an IANA zone name such as `Asia/Ho_Chi_Minh`"
