"""Writing an AST back as `.flow` text: canonical, idempotent and exact.

`parse_flow(format_flow(f))` gives back `f` (under `ast.same`) for every AST, whatever
its strings hold: quotes, backslashes, newlines, keywords.  Each value is written in
its most readable form that still reads back the same (a bare expression when the
lexer would take it whole, else a quoted one), and each step's clauses come in one
fixed order, so formatting twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from wactl.dsl import ast
from wactl.dsl.durations import format_duration
from wactl.dsl.flow._transform import unescape

_NAME = re.compile(r"[^\W\d]\w*")
_LANG_LINE = re.compile(r"[a-z]{2,3}(?:_[A-Za-z]{2,4})? [\"']")
_HOLE = re.compile(r"\{\{.*?\}\}", re.S)
_ESCAPE_AFTER_BACKSLASH = set("\\\"'`ntru")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
IND = "  "


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar reserves somewhere; such words are written quoted."""
    from wactl.dsl.flow.parser import get_parser

    words = {str(t.pattern.value) for t in get_parser().terminals if t.pattern.type == "str"}
    return frozenset(w for w in words if w.isalpha()) | {"true", "false", "null"}


@cache
def _string_re() -> re.Pattern[str]:
    """The grammar's STRING terminal, to check that a literal reads back as written."""
    from wactl.dsl.flow.parser import get_parser

    term = next(t for t in get_parser().terminals if t.name == "STRING")
    return re.compile(term.pattern.to_regexp())


@cache
def _bare_expr() -> re.Pattern[str]:
    """The grammar's own EXPR terminal: an expression is bare only if the lexer takes it whole."""
    from wactl.dsl.flow.parser import get_parser

    term = next(t for t in get_parser().terminals if t.name == "EXPR")
    return re.compile(term.pattern.to_regexp())


def _escape_char(s: str, i: int, quote: str) -> str:
    ch = s[i]
    if ch == "\\":
        nxt = s[i + 1] if i + 1 < len(s) else ""
        plain = nxt and nxt.isprintable() and nxt not in _ESCAPE_AFTER_BACKSLASH
        return "\\" if plain else "\\\\"
    if ch == quote:
        return "\\" + ch
    if ch in _NAMED:
        return _NAMED[ch]
    return ch if ch.isprintable() else f"\\u{{{ord(ch):x}}}"


def _escaped(s: str, quote: str, raw_in_holes: bool) -> str:
    """`s` escaped for `quote`; with `raw_in_holes`, quotes inside `{{ ... }}` stay as typed."""
    out, i = [], 0
    while i < len(s):
        end = s.find("}}", i + 2) if raw_in_holes and s.startswith("{{", i) else -1
        if end != -1:
            out += [_escape_char(s, k, "") for k in range(i, end + 2)]
            i = end + 2
        else:
            out.append(_escape_char(s, i, quote))
            i += 1
    return "".join(out)


def _no_holes(body: str) -> str:
    """`body` with every `{{` broken as `{\\u{7b}`: no hole can open, so no quote hides."""
    return body.replace("{{", "{\\u{7b}")


def _candidates(s: str) -> Iterator[str]:
    for quote in "\"'":
        yield quote + _escaped(s, quote, True) + quote
    for quote in "\"'":
        body = _escaped(s, quote, False)
        yield quote + body + quote
        yield quote + _no_holes(body) + quote


def _reads_back(literal: str, s: str) -> bool:
    """True when the lexer reads `literal` whole as `s`, whatever follows it on the line.

    Only a `{{` hole can run past a closing quote (to a later `}}`), so a trailing `}}`
    and quote give the worst case.
    """
    m = _string_re().match(literal + " }}" + literal[0])
    return m is not None and m.end() == len(literal) and unescape(literal[1:-1]) == s


def quoted(s: str, quote: str | None = None) -> str:
    """`s` as a string literal: the one with fewest escapes that reads back as `s`.

    Quotes inside `{{ ... }}` holes need no escape (`"Hi {{ n | default("you") }}"`).
    Double quotes unless `s` holds `"` (outside holes) and no `'`, or `quote` says.
    Backtick expressions (`quote="`"`) have no holes.
    """
    if quote == "`":
        return quote + "".join(_escape_char(s, i, quote) for i in range(len(s))) + quote
    if quote is None:
        outside = _HOLE.sub("", s)
        quote = "'" if '"' in outside and "'" not in outside else '"'
    fitting = [lit for lit in _candidates(s) if _reads_back(lit, s)]
    # a hole-free literal with every quote escaped always fits; `min` keeps the first of ties
    return min(fitting, key=lambda lit: (lit[0] != quote, lit.count("\\")))


def word(s: str) -> str:
    """A name written bare when it lexes as a name and is no keyword, else quoted."""
    return s if _NAME.fullmatch(s) and s not in keywords() else quoted(s)


def expr(e: ast.Expr) -> str:
    """An expression bare (to the end of the line or `->`), or between backticks."""
    src = e.src
    if src == src.strip() and src.isprintable():
        m = _bare_expr().match(src)  # as the lexer does (fullmatch could backtrack for ages)
        if m is not None and m.end() == len(src):
            return src
    return quoted(src, "`")


def text(t: ast.Text) -> str:
    if t.is_plain:
        return quoted(t.variants[""].src)
    return " ".join(f"{lang} {quoted(tpl.src)}" for lang, tpl in t.variants.items())


def duration(d: ast.Duration) -> str:
    return format_duration(d.seconds)


def json_value(v: Any) -> str:
    """A JSON value in `.flow` spelling (strings take `.flow` quoting)."""
    if isinstance(v, str):
        return quoted(v)
    if isinstance(v, list):
        return "[" + ", ".join(json_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{quoted(str(k))}: {json_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(v)


def tref(t: ast.TemplateRef) -> str:
    out = word(t.name)
    if t.language is not None:
        out += f" in {word(t.language)}"
    if t.params:
        out += " params " + ", ".join(quoted(p.src) for p in t.params)
    return out


# --------------------------------------------------------------------------- messages


def _list_lines(menu: ast.ListMenu) -> list[str]:
    lines = [f"list {text(menu.button)}"]
    for sec in menu.sections:
        lines.append(IND + "section" + (f" {text(sec.title)}" if sec.title else ""))
        for row in sec.rows:
            desc = f" description {text(row.description)}" if row.description else ""
            lines.append(IND * 2 + f"row {word(row.id)} {text(row.title)}{desc}")
    return lines


def _message(m: ast.Message) -> tuple[str, list[str]]:
    """The head text (plain) and the body lines of a message."""
    head, body = _main_text(m.text)
    for key in ("image", "document", "audio", "video"):
        media: ast.Template | None = getattr(m, key)
        if media is not None:
            body.append(f"{key} {quoted(media.src)}")
    if m.caption is not None:
        body.append(f"caption {text(m.caption)}")
    if m.buttons:
        body.append("buttons " + ", ".join(text(b) for b in m.buttons))
    if m.list_ is not None:
        body += _list_lines(m.list_)
    return head, body


def _assigns(verb: str, items: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{verb} {word(k)} = {v}" for k, v in items]


# --------------------------------------------------------------------------- steps

Parts = tuple[str, list[str]]


def _send(s: ast.SendStep) -> Parts:
    head, body = _message(s.send)
    if s.fallback_template is not None:
        body.append(f"fallback template {tref(s.fallback_template)}")
    return "say" + head, body


def _ask(s: ast.AskStep) -> Parts:
    head, body = _message(s.ask)
    head = "ask" + head
    if s.expect is not None:
        head += " as " + _expect(s.expect)
    if s.save is not None:
        head += f" -> {s.save}"
    body += _ask_checks(s)
    return head, body


def _expect(value: str) -> str:
    if value in ast.EXPECT_KINDS:
        return value
    if value.startswith("regex:"):
        return "regex " + quoted(value[6:])
    return quoted(value)


def _ask_checks(s: ast.AskStep) -> list[str]:
    body = []
    if s.retries is not None or s.retry_message is not None:
        line = "retry" + (f" {text(s.retry_message)}" if s.retry_message else "")
        if s.retries is not None:
            line += f" {s.retries} " + ("time" if s.retries == 1 else "times")
        body.append(line + (f", else {s.on_fail}" if s.on_fail else ""))
    elif s.on_fail is not None:
        body.append(f"on fail {s.on_fail}")
    if s.validate_ is not None:
        body.append(f"validate {expr(s.validate_)}")
    if s.extract:
        body.append("extract " + ", ".join(f"{word(k)} as {v}" for k, v in s.extract.items()))
    if s.timeout is not None:
        body.append(f"timeout {duration(s.timeout)}")
    if s.on_timeout is not None:
        body.append(f"on timeout {s.on_timeout}")
    return body


def _branch(s: ast.BranchStep) -> Parts:
    arms = [f"if {expr(a.if_)} -> {a.goto}" for a in s.branch]
    body = arms[1:] + ([f"else -> {s.else_}"] if s.else_ is not None else [])
    return (arms[0] if arms else "branch"), body


def _call(s: ast.CallStep) -> Parts:
    r = s.call
    head = f"call {r.method} {quoted(r.url.src)}" + (f" -> {s.save}" if s.save else "")
    body = [f"header {word(k)} = {quoted(v.src)}" for k, v in r.headers.items()]
    if r.body is not None:
        body.append(f"body {json_value(r.body)}")
    if r.timeout is not None:
        body.append(f"timeout {duration(r.timeout)}")
    if r.retries is not None:
        body.append(f"retry {r.retries} " + ("time" if r.retries == 1 else "times"))
    if s.on_error is not None:
        body.append(f"on error {s.on_error}")
    return head, body


def _first_and_rest(verb: str, lines: list[str]) -> Parts:
    return (lines[0] if lines else verb), lines[1:]


def _words(verb: str, items: list[str]) -> str:
    return verb + (" " + ", ".join(word(t) for t in items) if items else "")


def _agent(s: ast.AgentStep) -> Parts:
    body = [f"for {s.max_turns} turns"] if s.max_turns is not None else []
    return f"agent {word(s.agent)}", body + ([f"until {expr(s.until)}"] if s.until else [])


def _main_text(t: ast.Text | None) -> Parts:
    """A step's own text: on its line when plain, one line per language otherwise."""
    if t is None:
        return "", []
    if t.is_plain:
        return " " + text(t), []
    return "", [f"{lang} {quoted(tpl.src)}" for lang, tpl in t.variants.items()]


def _handoff(s: ast.HandoffStep) -> Parts:
    head, body = _main_text(s.handoff)
    return "handoff" + head + (f" to {word(s.team)}" if s.team is not None else ""), body


def _end(s: ast.EndStep) -> Parts:
    head, body = _main_text(s.end)
    return "end" + head, body


_STEPS: dict[str, Callable[[Any], Parts]] = {
    "send": _send,
    "ask": _ask,
    "branch": _branch,
    "call": _call,
    "agent": _agent,
    "handoff": _handoff,
    "template": lambda s: (f"template {tref(s.template)}", []),
    "set": lambda s: _first_and_rest("set", _assigns(
        "set", ((k, expr(v)) for k, v in s.set.items()))),
    "field": lambda s: _first_and_rest("field", _assigns(
        "field", ((k, quoted(v.src)) for k, v in s.field.items()))),
    "tag": lambda s: (_words("tag", s.tag), []),
    "untag": lambda s: (_words("untag", s.untag), []),
    "consent": lambda s: (f"consent {s.consent}", []),
    "wait": lambda s: ("wait" + (f" {duration(s.wait)}" if s.wait else ""),
                       [f"until {expr(s.until)}"] if s.until else []),
    "goto": lambda s: (f"goto {s.goto}", []),
    "run": lambda s: (f"run {word(s.run)}" + (f" -> {s.save}" if s.save else ""),
                      _assigns("with", ((k, expr(v)) for k, v in s.with_.items()))),
    "link": lambda s: (f"link {word(s.link)}", []),
    "end": _end,
}
_EXPR_HEADS = ("set", "if ")


def _comments(comments: list[str], indent: str) -> list[str]:
    return [indent + ("# " + line if line else "#")
            for c in comments for line in c.split("\n")]


def format_step(step: ast.Step, indent: str = IND) -> list[str]:
    """The lines of one step: `label: head` and its indented clause lines."""
    head, body = _STEPS[step.kind](step)
    if step.when is not None:  # right after the step's text lines, before the other clauses
        at = next((i for i, b in enumerate(body) if not _LANG_LINE.match(b)), len(body))
        body.insert(at, f"when {expr(step.when)}")
    if step.max_visits is not None:
        body.append(f"at most {step.max_visits} visits")
    if step.next is not None:
        if body or head.startswith(_EXPR_HEADS):
            body.append(f"then {step.next}")
        else:
            head += f" then {step.next}"
    lines = _comments(step.comments, indent) + [f"{indent}{step.id}: {head}"]
    return lines + [indent + IND + b for b in body]


# --------------------------------------------------------------------------- flows


def _trigger(t: ast.Trigger) -> list[str]:
    if isinstance(t, ast.KeywordTrigger):
        line = _words("when keyword", t.keywords)
    elif isinstance(t, ast.RegexTrigger):
        line = f"when regex {quoted(t.pattern)}"
    elif isinstance(t, ast.IntentTrigger):
        line = f"when intent {word(t.intent)}"
        line += f" confidence {t.min_confidence!r}" if t.min_confidence is not None else ""
    elif isinstance(t, ast.EventTrigger):
        parts = t.event.split(".")
        bare = all(_NAME.fullmatch(p) and p not in keywords() for p in parts)
        line = f"when event {t.event if bare else quoted(t.event)}"
    else:
        line = f"when schedule {quoted(t.cron)}"
    lines = [line + (f" if {expr(t.if_)}" if t.if_ is not None else "")]
    if isinstance(t, ast.ScheduleTrigger) and t.audience is not None:
        lines.append(f"{IND}audience {expr(t.audience)}")
    return lines


def format_flow_node(flow: ast.Flow) -> list[str]:
    """The lines of one flow: header, attribute lines, a blank line, steps."""
    lines = _comments(flow.comments, "")
    lines.append(f"flow {flow.id}" + (f" {quoted(flow.title)}" if flow.title is not None else ""))
    attrs = []
    if flow.description is not None:
        attrs.append(f"description {quoted(flow.description)}")
    if flow.priority is not None:
        attrs.append(f"priority {flow.priority}")
    if flow.rule:
        attrs.append("rule")
    if flow.trigger is not None:
        attrs += _trigger(flow.trigger)
    attrs += [f"var {word(k)} = {json_value(v)}" for k, v in flow.vars.items()]
    lines += [IND + a for a in attrs]
    if attrs and flow.steps:
        lines.append("")
    for step in flow.steps:
        lines += format_step(step)
    return lines


def format_flow(file: ast.SourceFile) -> str:
    """The canonical `.flow` text of a file's flows (agents and tests stay YAML-only)."""
    lines = _comments(file.comments, "")
    for flow in file.flows:
        if lines:
            lines.append("")
        lines += format_flow_node(flow)
    return "\n".join(lines) + "\n" if lines else ""
