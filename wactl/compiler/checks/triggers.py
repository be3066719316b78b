"""Triggers across flows: conflicts, shadowing, and patterns that cannot work.

An inbound message starts the best matching flow.  Two keyword triggers with the same
keyword and the same priority leave the choice to file order, which nobody reviews
(WA601); a regex trigger whose messages also contain a keyword of an equal or higher
priority never fires for them (WA602).  Invalid regexes (WA603), cron expressions
(WA604) and event names (WA605) would otherwise only fail after deploy.
Rule flows are left out of conflicts: every matching rule runs.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from wactl.compiler import _regex_samples
from wactl.compiler.context import Context
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast
from wactl.dsl.cron import cron_error
from wactl.dsl.expr import regex_problem

_WORD = re.compile(r"\w+")
MAX_KEYWORD_WORDS = 8


def normalise(text: str) -> str:
    """How keywords compare: lowercase, no diacritics (đ → d), words joined by one space."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain))


@dataclass(frozen=True, slots=True)
class _Keyword:
    """One flow's use of a keyword: `index` is its position in the trigger's list."""

    flow: ast.Flow
    trigger: ast.KeywordTrigger
    index: int

    @property
    def priority(self) -> int:
        return self.flow.priority or 0

    @property
    def span(self) -> Span:
        """Where the keyword itself was written (the trigger when not recorded)."""
        return ast.span_of(self.trigger, f"keywords.{self.index}")


def check(ctx: Context) -> None:
    """Per-trigger validity, then keyword conflicts and regex shadowing across flows."""
    keywords: dict[str, list[_Keyword]] = {}
    regexes: list[tuple[ast.Flow, ast.RegexTrigger]] = []
    for flow in ctx.flows.values():
        trigger = flow.trigger
        if isinstance(trigger, ast.KeywordTrigger):
            for word, index in _unique_keywords(ctx, trigger).items():
                keywords.setdefault(word, []).append(_Keyword(flow, trigger, index))
        elif isinstance(trigger, ast.RegexTrigger):
            if _check_regex(ctx, trigger) and not flow.rule:
                regexes.append((flow, trigger))
        elif isinstance(trigger, ast.ScheduleTrigger):
            _check_cron(ctx, trigger)
        elif isinstance(trigger, ast.EventTrigger):
            _check_event(ctx, trigger)
    _check_conflicts(ctx, keywords)
    shadowers = {word: _Shadowers.of(users) for word, users in keywords.items()}
    for flow, trigger in regexes:
        _check_shadowed(ctx, flow, trigger, shadowers)


# --------------------------------------------------------------------------- one trigger


def _unique_keywords(ctx: Context, trigger: ast.KeywordTrigger) -> dict[str, int]:
    """The trigger's normalised keywords → index of the first spelling; WA606 per repeat."""
    seen: dict[str, int] = {}
    for index, word in enumerate(trigger.keywords):
        key = normalise(word)
        if key in seen:
            first = trigger.keywords[seen[key]]
            same = "" if first == word else f" (same as `{first}` once case and " \
                "diacritics are ignored)"
            ctx.bag.add("WA606", f"keyword `{word}` is listed twice{same}",
                        ast.span_of(trigger, f"keywords.{index}"), hint="remove the repeat",
                        related=[(ast.span_of(trigger, f"keywords.{seen[key]}"), "first here")])
        elif key:
            seen[key] = index
    return seen


def _check_regex(ctx: Context, trigger: ast.RegexTrigger) -> bool:
    """WA603 when the pattern does not compile; True when it does."""
    error = regex_problem(trigger.pattern)
    if error is None:
        return True
    ctx.bag.add("WA603", f"regex trigger `{trigger.pattern}` refused: {error}",
                ast.span_of(trigger, "pattern"),
                hint="check brackets and escapes; in YAML, single quotes keep `\\` as written; "
                "patterns run on RE2: no back-references or lookarounds")
    return False


def _check_cron(ctx: Context, trigger: ast.ScheduleTrigger) -> None:
    error = cron_error(trigger.cron)
    if error is not None:
        ctx.bag.add("WA604", f"invalid cron expression `{trigger.cron}`: {error}",
                    ast.span_of(trigger, "cron"),
                    hint="five fields: minute hour day-of-month month day-of-week, "
                    "e.g. `0 9 * * MON-FRI`")


def _check_event(ctx: Context, trigger: ast.EventTrigger) -> None:
    if trigger.event not in ast.EVENT_NAMES:
        ctx.bag.add("WA605", f"unknown event `{trigger.event}`", ast.span_of(trigger, "event"),
                    hint=did_you_mean(trigger.event, ast.EVENT_NAMES)
                    or f"known events: {', '.join(ast.EVENT_NAMES)}")


# --------------------------------------------------------------------------- across flows


def _check_conflicts(ctx: Context, keywords: dict[str, list[_Keyword]]) -> None:
    """WA601 once per pair of flows sharing keywords at the same priority, without `if`."""
    shared: dict[tuple[int, int], list[str]] = {}
    pairs: dict[tuple[int, int], tuple[_Keyword, _Keyword]] = {}
    for word, users in keywords.items():
        plain = [u for u in users if u.trigger.if_ is None and not u.flow.rule]
        first: dict[int, _Keyword] = {}
        for user in plain:
            other = first.setdefault(user.priority, user)
            if other is not user:
                key = (id(other.flow), id(user.flow))
                shared.setdefault(key, []).append(word)
                pairs.setdefault(key, (other, user))  # point at the first shared keyword
    for key, words in shared.items():
        first_kw, second = pairs[key]
        listed = ", ".join(f"`{w}`" for w in words)
        ctx.bag.add("WA601", f"flows `{first_kw.flow.id}` and `{second.flow.id}` both trigger on "
                    f"{listed} with priority {second.priority}", second.span,
                    related=[(first_kw.span, f"`{first_kw.flow.id}`'s keyword")],
                    hint="give one flow a higher `priority`, or add an `if:` to tell them apart")


@dataclass(frozen=True, slots=True)
class _Shadowers:
    """The keyword users of one word that can shadow a regex (no `if`, not a rule), in
    order, with the running maximum of their priorities: the first one at or above a
    priority is a binary search, so many regex flows against many keyword flows stay
    linear instead of a scan of every pair."""

    users: list[_Keyword]
    best: list[int]

    @classmethod
    def of(cls, users: list[_Keyword]) -> _Shadowers:
        able = [u for u in users if not u.flow.rule and u.trigger.if_ is None]
        return cls(able, list(accumulate((u.priority for u in able), max)))

    def first_at_least(self, priority: int) -> _Keyword | None:
        i = bisect_left(self.best, priority)
        return self.users[i] if i < len(self.users) else None


def _check_shadowed(ctx: Context, flow: ast.Flow, trigger: ast.RegexTrigger,
                    shadowers: dict[str, _Shadowers]) -> None:
    """WA602 when a message the regex matches contains a keyword of priority >= the flow's."""
    priority = flow.priority or 0
    for sample in _regex_samples.samples(trigger.pattern):
        for word in _phrases(normalise(sample)):
            found = shadowers.get(word)
            user = found.first_at_least(priority) if found is not None else None
            if user is not None and user.flow is not flow:
                ctx.bag.add("WA602", f"regex trigger of `{flow.id}` is shadowed by keyword "
                            f"`{word}` of flow `{user.flow.id}` (priority {user.priority}): "
                            f"a message like \"{sample}\" starts `{user.flow.id}` instead",
                            ast.span_of(trigger, "pattern"),
                            related=[(user.span, "the keyword")],
                            hint=f"give `{flow.id}` a higher priority than {user.priority}")
                return


def _phrases(text: str) -> list[str]:
    """Every run of up to MAX_KEYWORD_WORDS consecutive words (keywords match whole words)."""
    words = text.split(" ")
    return [" ".join(words[i:j]) for i in range(len(words))
            for j in range(i + 1, min(i + MAX_KEYWORD_WORDS, len(words)) + 1)]
