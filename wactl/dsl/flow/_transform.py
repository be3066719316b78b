"""Parse-time callbacks that turn `.flow` tokens straight into AST nodes.

The LALR parser calls these as it reduces (lark's inline `transformer=`), so no parse
tree is ever built: that keeps `parse_flow` close to the cost of a bare parse.  The
callbacks never raise (STYLE rules 4-5): a bad value becomes a diagnostic in
`ctx.diags` plus a placeholder, and parsing carries on.  Steps are assembled from
their clauses in `_flow_steps.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lark import Token

from wactl.diagnostics import CODES, Diagnostic, Severity, Span, did_you_mean
from wactl.dsl import ast
from wactl.dsl.durations import parse_duration
from wactl.dsl.flow._steps import LANG_RE, Clause, build_step

_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "`": "`"}
ID_RE = re.compile(r"[a-z][a-z0-9_]*")
CLAUSE_WORDS = ("then", "when", "buttons", "image", "document", "audio", "video", "caption",
                "fallback", "as", "retry", "on", "validate", "extract", "timeout", "header",
                "body", "if", "else", "set", "field", "with", "until", "for", "to", "list")


def _unescape_one(m: re.Match[str]) -> str:
    esc = m.group(1)
    if esc in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[esc]
    if esc.startswith("u{"):
        code = int(esc[2:-1], 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)
    return m.group(0)  # unknown escapes stay as written: "\d" in a regex means \d


def unescape(body: str) -> str:
    """The value of a quoted string's body (between its quotes)."""
    return _ESCAPE.sub(_unescape_one, body) if "\\" in body else body


@dataclass
class Context:
    """Per-parse state: the file, a line shift for chunk re-parses, the diagnostics."""

    file: str
    line_offset: int = 0
    diags: list[Diagnostic] = field(default_factory=list)
    doubts: int = 0
    """Errors so far; those since `mark` belong to the step being reduced (see `step`)."""
    mark: int = 0

    def span(self, tok: Token) -> Span:
        off = self.line_offset
        line, col = (tok.line or 1) + off, tok.column or 1
        return Span(self.file, line, col, (tok.end_line or 1) + off, tok.end_column or col)

    def report(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        severity = CODES[code].severity
        self.diags.append(Diagnostic(code, severity, message, span, hint))
        if severity is Severity.ERROR:
            self.doubts += 1

    def settle(self) -> bool:
        """Whether an error was reported since the last call: the parser reduces a step's
        pieces, then the step, so those errors are that step's (flow attributes settle
        their own, so a bad trigger does not cast doubt on the first step)."""
        doubted = self.doubts > self.mark
        self.mark = self.doubts
        return doubted


class FlowTransformer:
    """The callbacks, one per grammar rule alias; `ctx` is swapped in for each parse.

    Not a `lark.Transformer`: lark calls an inline transformer's `__default__` (which
    only builds a `Tree`) for every rule without a callback, the `_`-rules of repeats
    included, through two extra Python calls each.  Without one, lark builds those trees
    directly, as the bare parser does.
    """

    def __init__(self) -> None:
        self.ctx = Context("<unknown>")

    # ------------------------------------------------------------------ leaves

    def template(self, tok: Token) -> ast.Template:
        """A quoted string as a template; its span starts after the opening quote."""
        off, col = self.ctx.line_offset, tok.column or 1
        end_col = tok.end_column or col
        span = Span(self.ctx.file, (tok.line or 1) + off, col + 1, (tok.end_line or 1) + off,
                    max(end_col - 1, col + 1))
        return ast.Template(src=unescape(tok.value[1:-1]), span=span)

    def string(self, tok: Token) -> str:
        return unescape(tok.value[1:-1]) if tok.type == "STRING" else str(tok.value)

    def expr(self, c: list[Token]) -> ast.Expr:
        tok = c[0]
        line, col = (tok.line or 1) + self.ctx.line_offset, tok.column or 1
        if tok.type == "BEXPR":
            end_col = tok.end_column or col
            return ast.Expr(src=unescape(tok.value[1:-1]),
                            span=Span(self.ctx.file, line, col + 1, line, end_col - 1))
        src = tok.value.rstrip()
        return ast.Expr(src=src, span=Span(self.ctx.file, line, col, line, col + len(src)))

    def duration(self, tok: Token) -> ast.Duration:
        seconds = parse_duration(tok.value)
        if seconds is None:
            self.ctx.report("WA111", f"`{tok.value}` is not a duration",
                            self.ctx.span(tok), "write it like 30s, 15m, 2h, 3d or 2 days")
            seconds = 0
        return ast.Duration(seconds=seconds, span=self.ctx.span(tok))

    def check_id(self, tok: Token, what: str) -> str:
        name = str(tok.value).rstrip(":")
        if not ID_RE.fullmatch(name):
            self.ctx.report("WA110", f"`{name}` is not a valid {what} id",
                            self.ctx.span(tok), "use lowercase letters, digits and _, "
                            "starting with a letter (like order_status)")
        return name

    # ------------------------------------------------------------------ texts and words

    def text_plain(self, c: list[Token]) -> ast.Text:
        tpl = self.template(c[0])
        return ast.Text(variants={"": tpl}, span=tpl.span)

    def check_lang(self, tok: Token) -> None:
        """A language code; a misspelt clause keyword lands here too, so say which."""
        if not LANG_RE.fullmatch(tok.value):
            hint = did_you_mean(tok.value, CLAUSE_WORDS) or "a language is a code like vi or en"
            self.ctx.report("WA103", f"`{tok.value}` is neither a language nor a clause",
                            self.ctx.span(tok), hint)

    def lang_variant(self, c: list[Token]) -> tuple[Token, ast.Template]:
        self.check_lang(c[0])
        return c[0], self.template(c[1])

    def text_langs(self, c: list[tuple[Token, ast.Template]]) -> ast.Text:
        variants: dict[str, ast.Template] = {}
        for lang, tpl in c:
            if lang.value in variants:
                self.ctx.report("WA109", f"language `{lang.value}` is given twice",
                                self.ctx.span(lang))
            variants[str(lang.value)] = tpl
        return ast.Text(variants=variants, span=self.ctx.span(c[0][0]))

    def words(self, c: list[Token]) -> list[Token]:
        """The tokens, so a keyword trigger can point at one word; `strings` reads them."""
        return c

    def strings(self, tokens: list[Token] | None) -> list[str]:
        return [self.string(t) for t in tokens or ()]

    def dotted(self, c: list[Token]) -> tuple[str, Span]:
        """The dotted name and the span from its first part to its last."""
        first, last = self.ctx.span(c[0]), self.ctx.span(c[-1])
        span = Span(first.file, first.line, first.col, last.end_line, last.end_col)
        name = self.string(c[0]) if c[0].type == "STRING" else ".".join(t.value for t in c)
        return name, span

    # ------------------------------------------------------------------ JSON values

    def j_str(self, c: list[Token]) -> str:
        return self.string(c[0])

    def j_num(self, c: list[Token]) -> int | float:
        v = c[0].value
        return float(v) if any(ch in v for ch in ".eE") else int(v)

    def j_true(self, c: list[Token]) -> bool:
        return True

    def j_false(self, c: list[Token]) -> bool:
        return False

    def j_null(self, c: list[Token]) -> None:
        return None

    def j_list(self, c: list[Any]) -> list[Any]:
        return list(c)

    def j_pair(self, c: list[Any]) -> tuple[str, Any]:
        return self.string(c[0]), c[1]

    def j_obj(self, c: list[tuple[str, Any]]) -> dict[str, Any]:
        return dict(c)

    # ------------------------------------------------------------------ small pieces of steps

    def assign(self, c: list[Any]) -> tuple[str, Any, Token]:
        return self.string(c[0]), c[1], c[0]

    def field_assign(self, c: list[Token]) -> tuple[str, Any, Token]:
        return self.string(c[0]), self.template(c[1]), c[0]

    def var_def(self, c: list[Any]) -> tuple[str, Any, Token]:
        return self.string(c[0]), c[1], c[0]

    def extract_item(self, c: list[Token]) -> tuple[str, Any, Token]:
        return self.string(c[0]), str(c[2].value), c[0]

    def tref(self, c: list[Token]) -> ast.TemplateRef:
        """`name [in lang] [params "a", "b"]`: the optional parts are told by their keyword."""
        kinds = [t.type for t in c]
        lang = self.string(c[kinds.index("IN") + 1]) if "IN" in kinds else None
        rest = c[kinds.index("PARAMS") + 1:] if "PARAMS" in kinds else []
        return ast.TemplateRef(name=self.string(c[0]), language=lang,
                               params=[self.template(t) for t in rest], span=self.ctx.span(c[0]))

    def times(self, c: list[Token]) -> Token:
        return c[0]

    def retry_else(self, c: list[Token]) -> Token:
        return c[1]

    def x_name(self, c: list[Token]) -> tuple[str, Token]:
        return str(c[0].value), c[0]

    def x_regex(self, c: list[Token]) -> tuple[str, Token]:
        return "regex:" + self.string(c[1]), c[1]

    def x_raw(self, c: list[Token]) -> tuple[str, Token]:
        return self.string(c[0]), c[0]

    def section(self, c: list[Any]) -> ast.ListSection:
        return ast.ListSection(title=c[1], rows=c[2:], span=self.ctx.span(c[0]))

    def row(self, c: list[Any]) -> ast.ListRow:
        return ast.ListRow(id=self.string(c[1]), title=c[2], description=c[4],
                           span=self.ctx.span(c[0]))

    # ------------------------------------------------------------------ clauses, heads, steps

    def __getattr__(self, name: str) -> Any:
        """Heads (`h_*`) and clauses (`c_*`) all become `Clause` values for `build_step`."""
        if name.startswith(("h_", "c_")):
            kind = name[2:]
            return lambda c: Clause(kind, c[1:], c[0])
        raise AttributeError(name)

    def b_clauses(self, c: list[Clause]) -> list[Clause]:
        return c

    def b_lang(self, c: list[Token]) -> Clause:
        self.check_lang(c[0])
        return Clause("lang", [c[0], self.template(c[1])], c[0])

    def b_list(self, c: list[Any]) -> Clause:
        menu = ast.ListMenu(button=c[1], sections=c[2:], span=self.ctx.span(c[0]))
        return Clause("list", [menu], c[0])

    def step(self, c: list[Any]) -> ast.Step:
        clauses: list[Clause] = []
        for item in c[2:]:
            if isinstance(item, list):
                clauses.extend(item)
            else:
                clauses.append(item)
        step_id = self.check_id(c[0], "step")
        tok, off = c[0], self.ctx.line_offset
        col = tok.column or 1
        span = Span(self.ctx.file, (tok.line or 1) + off, col, (tok.end_line or 1) + off,
                    (tok.end_column or col) - 1)
        step = build_step(self, step_id, span, c[1], clauses)
        if self.ctx.settle():  # False is the default: a model's setattr is not free
            step.unsure = True
        return step

    # ------------------------------------------------------------------ flows and triggers

    def t_keyword(self, c: list[Any]) -> tuple[str, dict[str, Any]]:
        tokens: list[Token] = c[1] or []
        spans = {f"keywords.{i}": self.ctx.span(t) for i, t in enumerate(tokens)}
        return "keyword", {"keywords": self.strings(tokens), "key_spans": spans}

    def t_regex(self, c: list[Token]) -> tuple[str, dict[str, Any]]:
        return "regex", {"pattern": self.string(c[1]),
                         "key_spans": {"pattern": self.ctx.span(c[1])}}

    def t_intent(self, c: list[Any]) -> tuple[str, dict[str, Any]]:
        conf = float(c[3].value) if c[3] is not None else None
        return "intent", {"intent": self.string(c[1]), "min_confidence": conf}

    def t_event(self, c: list[Any]) -> tuple[str, dict[str, Any]]:
        name, span = c[1]
        return "event", {"event": name, "key_spans": {"event": span}}

    def t_schedule(self, c: list[Token]) -> tuple[str, dict[str, Any]]:
        return "schedule", {"cron": self.string(c[1]), "key_spans": {"cron": self.ctx.span(c[1])}}

    def trigger_if(self, c: list[Any]) -> Any:
        return c[1]

    def tl_audience(self, c: list[Any]) -> Clause:
        return Clause("audience", [c[1]], c[0])

    def tl_if(self, c: list[Any]) -> Clause:
        return Clause("if", [c[1]], c[0])

    def a_trigger(self, c: list[Any]) -> Clause:
        kind, kwargs = c[1]
        kwargs["if_"] = c[2]
        for line in c[3:]:
            key = "if_" if line.name == "if" else line.name
            if key == "audience" and kind != "schedule":
                self.ctx.report("WA103", "`audience` belongs to a `schedule` trigger only",
                                self.ctx.span(line.tok))
            elif kwargs.get(key) is not None:
                self.ctx.report("WA109", f"`{line.name}` is given twice", self.ctx.span(line.tok))
            else:
                kwargs[key] = line.args[0]
        model = _TRIGGERS[kind]
        self.ctx.settle()
        return Clause("trigger", [model(span=self.ctx.span(c[0]), **kwargs)], c[0])

    def a_description(self, c: list[Token]) -> Clause:
        return Clause("description", [self.string(c[1])], c[0])

    def a_priority(self, c: list[Token]) -> Clause:
        return Clause("priority", [int(c[1].value)], c[0])

    def a_rule(self, c: list[Token]) -> Clause:
        return Clause("rule", [True], c[0])

    def a_vars(self, c: list[Any]) -> Clause:
        return Clause("vars", c[1:], c[0])

    def flow(self, c: list[Any]) -> ast.Flow:
        flow_id = self.check_id(c[1], "flow")
        title = self.string(c[2]) if c[2] is not None else None
        fields: dict[str, Any] = {}
        steps: list[ast.Step] = []
        for item in c[3:]:
            if isinstance(item, Clause):
                self._flow_attr(fields, item)
            else:
                steps.append(item)
        span = self.ctx.span(c[0])
        end = self.ctx.span(c[1])
        self.ctx.settle()
        return ast.Flow(id=flow_id, title=title, steps=steps, **fields,
                        span=Span(span.file, span.line, span.col, end.end_line, end.end_col))

    def _flow_attr(self, fields: dict[str, Any], item: Clause) -> None:
        """One attribute line of a flow; `var` lines add up, others may appear once."""
        if item.name == "vars":
            found = fields.setdefault("vars", {})
            for name, value, tok in item.args:
                if name in found:
                    self.ctx.report("WA109", f"variable `{name}` is declared twice",
                                    self.ctx.span(tok))
                found[name] = value
        elif item.name in fields:
            self.ctx.report("WA109", f"`{item.tok.value}` is given twice",
                            self.ctx.span(item.tok), "a flow has one of each")
        else:
            fields[item.name] = item.args[0]

    def start(self, c: list[ast.Flow]) -> list[ast.Flow]:
        return c


_TRIGGERS: dict[str, type[ast.TriggerBase]] = {
    "keyword": ast.KeywordTrigger,
    "regex": ast.RegexTrigger,
    "intent": ast.IntentTrigger,
    "event": ast.EventTrigger,
    "schedule": ast.ScheduleTrigger,
}
