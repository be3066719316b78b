"""Hypothesis helpers for driving the engine with random events.

`World` is one conversation driven through `Engine.handle` directly (no driver): it
remembers what the engine asked for (timers, HTTP and AI requests, the last buttons
or list rows it sent), so `next_event` can answer those requests, fire those timers
and tap those buttons — and, as often, send stale ids, random ids and awkward text.
Events come from `st.data()` draws one at a time, because what is a sensible next
event depends on what the engine just did.

`programs()` builds random projects that compile without errors and use every step
kind: ids and jumps are consistent, expressions and templates come from a pool that
compiles, while message texts stay awkward (ast_strategies' `texts` without `{{`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ast_strategies import AWKWARD, durations, json_values
from hypothesis import strategies as st

from wactl.compiler.ir import (
    IREventTrigger,
    IRIntentTrigger,
    IRKeywordTrigger,
    IRRegexTrigger,
    Program,
)
from wactl.compiler.project import compile_project
from wactl.dsl import ast
from wactl.dsl.yaml.dump import dump_yaml
from wactl.runtime.effects import (
    AiRequest,
    CancelTimer,
    Effect,
    HttpRequest,
    ScheduleTimer,
    SendInteractive,
)
from wactl.runtime.engine import Engine, Outcome
from wactl.runtime.events import (
    AiResult,
    CustomerEvent,
    Event,
    HandbackToBot,
    HttpResult,
    Inbound,
    Location,
    Media,
    MessageKind,
    ScheduleTick,
    StartFlow,
    StatusUpdate,
    TimerFired,
    Usage,
)
from wactl.runtime.state import ConversationState

EXAMPLES = Path(__file__).resolve().parents[2] / "flows"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
WA = "84900000001"

ANSWERS = (
    "yes", "no", "có", "không", "ok", "1", "2", "3", "0", "-5", "42", "3.5", "1,5", "1.000.000",
    "2 triệu", "500 nghìn", "15/01/2026", "2026-02-30", "31/12/2025", "tomorrow", "ngày mai",
    "ngày 15", "the 15th", "9:30", "25:99", "0901234567", "+84 90 123 4567", "abc@example.com",
    "not an email", "track 12345", "theo dõi #987654", "track 12", "Morning (9-12)",
    "Sáng (9-12h)", "Talk to a person", "human", "nhân viên", "refund", "stop", "STOP",
    "đúng", "dung", "hủy đăng ký", "👍", "   ", "", "\x00", "a" * 5000,
)
MEDIA_KINDS: tuple[MessageKind, ...] = ("image", "audio", "video", "document", "sticker")
JSON_BODIES = (
    "{}", "[]", "null", "\"text\"", "42", '{"status": "shipped", "carrier": "GHN", "eta": '
    '"2026-01-07", "tracking_url": "https://t.example/1", "items": [1, 2]}',
    '{"status": "pending", "order": {"id": 7, "total": 1.5e3}}', '{"ok": true, "data": null}',
    '{"deep": [[[[[[[[[[[]]]]]]]]]]]}', '{"date": "2026-01-09", "n": -1}',
)
OTHER_BODIES = ("<html><body>502 Bad Gateway</body></html>", "not json", "", "   ", "{broken",
                '{"x": NaN}', '{"x": Infinity}', '{"x": 1e999}', "[" * 1000 + "]" * 1000,
                '{"a": ' * 70 + "1" + "}" * 70)
"""Answers a flow cannot keep: not JSON, not strict JSON, nested too deeply."""


def example_sources() -> dict[str, str]:
    return {p.relative_to(EXAMPLES.parent).as_posix(): p.read_text("utf-8")
            for p in sorted(EXAMPLES.rglob("*"))
            if p.is_file() and p.suffix in (".yaml", ".yml", ".flow")}


@cache
def example_program() -> Program:
    result = compile_project(example_sources())
    assert result.program is not None, result.diagnostics
    return result.program


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """One conversation, and what the engine has asked for so far."""

    engine: Engine
    state: ConversationState
    now: datetime = T0
    timers: list[str] = field(default_factory=list)
    http: list[str] = field(default_factory=list)
    ai: list[AiRequest] = field(default_factory=list)
    picks: list[tuple[str, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    """Every timer and request id ever issued (answered or not): stale ids to resend."""

    def absorb(self, outcome: Outcome) -> None:
        self.state = outcome.state
        for eff in outcome.effects:
            self._note(eff)
        waited = {r.waiting.id for r in (self.state.run, *self.state.side)
                  if r is not None and r.waiting is not None}
        if self.state.pending is not None:
            waited.add(self.state.pending.request_id)
        self.http = [i for i in self.http if i in waited]  # the rest stay in `seen`, as stale
        self.ai = [r for r in self.ai if r.request_id in waited]

    def _note(self, eff: Effect) -> None:
        if isinstance(eff, ScheduleTimer):
            self.timers.append(eff.timer_id)
            self.seen.append(eff.timer_id)
        elif isinstance(eff, CancelTimer) and eff.timer_id in self.timers:
            self.timers.remove(eff.timer_id)
        elif isinstance(eff, HttpRequest):
            self.http.append(eff.request_id)
            self.seen.append(eff.request_id)
        elif isinstance(eff, AiRequest):
            self.ai.append(eff)
            self.seen.append(eff.request_id)
        elif isinstance(eff, SendInteractive):
            self.picks = [(b.id, b.title) for b in eff.buttons] + [
                (r.id, r.title) for s in eff.sections for r in s.rows]


def words_of(program: Program) -> list[str]:
    """Texts that start the program's flows: keywords, and strings the regexes match."""
    words: list[str] = []
    for flow in program.flows:
        trig = flow.trigger
        if isinstance(trig, IRKeywordTrigger):
            words.extend(trig.keywords)
        elif isinstance(trig, IRRegexTrigger):
            words.extend(["track 12345", "num 7", f"{flow.id} 12"])
    return words or ["hello"]


def event_names(program: Program) -> list[str]:
    return [f.trigger.event for f in program.flows if isinstance(f.trigger, IREventTrigger)]


def intent_names(program: Program) -> list[str]:
    return [f.trigger.intent for f in program.flows if isinstance(f.trigger, IRIntentTrigger)]


def new_world(program: Program, language: str | None = None, **engine_kw: Any) -> World:
    state = ConversationState.new(WA, language=language)
    return World(Engine(program, **engine_kw), state)


# --------------------------------------------------------------------------- events


def gaps() -> st.SearchStrategy[timedelta]:
    """Time between events: mostly short, now and then past the 24h window or run age."""
    short = st.sampled_from([1, 2, 30, 300, 3600]).map(lambda s: timedelta(seconds=s))
    long = st.sampled_from([timedelta(hours=23, minutes=59), timedelta(hours=25),
                            timedelta(days=31)])
    return st.integers(0, 7).flatmap(lambda i: long if i == 0 else short)


def texts(w: World) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(words_of(w.engine.program)), st.sampled_from(ANSWERS),
                     st.sampled_from([t for _, t in w.picks] or ["?"]),
                     st.sampled_from(AWKWARD), st.text(max_size=30))


@st.composite
def inbound(draw: st.DrawFn, w: World) -> Inbound:
    kind: MessageKind = draw(st.sampled_from(
        ["text"] * 6 + ["button", "list", "location", "contacts", "reaction", "unknown",
                        "order", "flow_reply", "system", *MEDIA_KINDS]))
    base: dict[str, Any] = {"id": f"wamid.{len(w.seen)}.{draw(st.integers(0, 9))}",
                            "name": draw(st.none() | st.sampled_from(["Lan", "", "Ông Bảy"]))}
    if kind == "text":
        return Inbound(WA, w.now, "text", text=draw(texts(w)), **base)
    if kind in ("button", "list"):
        tapped = bool(w.picks) and draw(st.booleans())
        pid, title = draw(st.sampled_from(w.picks) if tapped
                          else st.tuples(st.text(max_size=12), texts(w)))
        base["button_id" if kind == "button" else "list_id"] = pid
        return Inbound(WA, w.now, kind, text=title, **base)
    if kind in MEDIA_KINDS:
        caption = draw(st.none() | texts(w))
        media = Media(id=draw(st.none() | st.just("media-1")), url="https://x.example/m",
                      mime_type=draw(st.sampled_from(["image/jpeg", "audio/ogg", "x/y"])),
                      caption=caption)
        return Inbound(WA, w.now, kind, text=caption or "", media=media, **base)
    if kind == "location":
        loc = Location(draw(st.floats(-90, 90)), draw(st.floats(-180, 180)),
                       draw(st.none() | st.text(max_size=10)), None)
        return Inbound(WA, w.now, "location", location=loc, **base)
    if kind == "contacts":
        return Inbound(WA, w.now, "contacts",
                       contacts=({"name": {"formatted_name": "A"}, "phones": []},), **base)
    if kind == "reaction":
        return Inbound(WA, w.now, "reaction", text=draw(st.sampled_from(["👍", "", "❤️"])),
                       reaction_to=draw(st.none() | st.just("wamid.x")), **base)
    if kind in ("order", "flow_reply", "system"):
        return Inbound(WA, w.now, kind, text=draw(st.sampled_from(["", "x", "Sent"])), **base)
    return Inbound(WA, w.now, "unknown", raw_type=draw(st.none() | st.just("order")),
                   text=draw(st.sampled_from(["", "x"])), **base)


def _some_id(draw: st.DrawFn, live: list[str], w: World, prefix: str) -> tuple[str, bool]:
    """A live id (True) or a stale/random one (False)."""
    if live and draw(st.integers(0, 7)) > 0:
        return draw(st.sampled_from(live)), True
    pool = w.seen + [f"{prefix}{draw(st.integers(0, 99))}", ""]
    return draw(st.sampled_from(pool)), False


@st.composite
def http_result(draw: st.DrawFn, w: World) -> HttpResult:
    rid, live = _some_id(draw, w.http, w, "http")
    if live:
        w.http.remove(rid)
    shape = draw(st.sampled_from(["json", "json", "404", "500", "timeout", "other", "random"]))
    if shape == "json":
        body = draw(st.sampled_from(JSON_BODIES) | json_values.map(json.dumps))
        return HttpResult(WA, w.now, rid, 200, body, "application/json")
    if shape == "timeout":
        return HttpResult(WA, w.now, rid, error=draw(st.sampled_from(["timeout", "connection"])))
    if shape == "other":
        return HttpResult(WA, w.now, rid, 200, draw(st.sampled_from(OTHER_BODIES)), "text/html")
    if shape == "random":
        return HttpResult(WA, w.now, rid, draw(st.integers(0, 999)), draw(st.text(max_size=20)))
    return HttpResult(WA, w.now, rid, int(shape), '{"error": "x"}', "application/json")


def ai_values(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    value: st.SearchStrategy[Any] = st.one_of(st.sampled_from(ANSWERS), st.integers(-10, 10**6),
                      st.sampled_from(["2026-01-20", "20/01/2026", None, True, 1.5, [1], {}]))
    keys = st.sampled_from(names) if names else st.text(max_size=5)
    return st.dictionaries(keys | st.text(max_size=5), value, max_size=4)


@st.composite
def ai_result(draw: st.DrawFn, w: World) -> AiResult:
    live = [r.request_id for r in w.ai]
    rid, is_live = _some_id(draw, live, w, "ai")
    req = next((r for r in w.ai if r.request_id == rid), None) if is_live else None
    if req is not None:
        w.ai.remove(req)
    usage = draw(st.none() | st.just(Usage("gpt-4o-mini", 10, 5, 0.001)))
    shape = draw(st.sampled_from(["reply", "intent", "extract", "error", "handoff"]))
    if shape == "error":
        err = draw(st.sampled_from(["down", "timeout", "quota", "invalid", "no_key"]))
        return AiResult(WA, w.now, rid, error=err, usage=usage)
    if shape == "handoff":
        return AiResult(WA, w.now, rid, handoff=True, usage=usage)
    if shape == "reply":
        return AiResult(WA, w.now, rid, text=draw(st.none() | texts(w)), usage=usage)
    names = [*(req.fields if req else {}), *(v for vs in (req.intents if req else {}).values()
                                           for v in vs)]
    intents = [*(req.intents if req else {}), *intent_names(w.engine.program)]
    intent = draw(st.none() | st.sampled_from(intents or ["x"]) | st.text(max_size=6))
    confidence = draw(st.none() | st.floats(0, 1) | st.sampled_from([-1.0, 2.0]))
    return AiResult(WA, w.now, rid, intent=intent, confidence=confidence,
                    values=draw(ai_values(names)), usage=usage)


@st.composite
def next_event(draw: st.DrawFn, w: World) -> Event:
    """The next event: time moves on, then something happens to the conversation."""
    program = w.engine.program
    flows = [f.id for f in program.flows] + ["no_such_flow"]
    choice = draw(st.sampled_from(
        ["inbound"] * 8 + ["timer"] * 2 + ["http", "ai"]
        + ["tick", "event", "handback", "start", "status"]))
    if (w.http or w.ai) and draw(st.integers(0, 4)):  # the outside world mostly answers, soon
        choice = "http" if w.http and (not w.ai or draw(st.booleans())) else "ai"
        w.now += timedelta(seconds=1)
    else:
        w.now += draw(gaps())
    if choice == "inbound":
        return draw(inbound(w))
    if choice == "timer":
        tid, live = _some_id(draw, w.timers, w, "timer")
        if live:
            w.timers.remove(tid)
        return TimerFired(WA, w.now, tid)
    if choice == "http":
        return draw(http_result(w))
    if choice == "ai":
        return draw(ai_result(w))
    if choice == "tick":
        return ScheduleTick(WA, w.now, draw(st.sampled_from(flows)))
    if choice == "event":
        names = [*event_names(program), "order.shipped", "customer.tagged", "x"]
        data = draw(st.dictionaries(st.sampled_from(["order_id", "n", "x", "tag", "q"]),
                                    json_values, max_size=3))
        return CustomerEvent(WA, w.now, draw(st.sampled_from(names)), data)
    if choice == "handback":
        return HandbackToBot(WA, w.now)
    if choice == "status":
        return StatusUpdate(WA, w.now, "wamid.1",
                            draw(st.sampled_from(["sent", "delivered", "read", "failed"])))
    data = draw(st.dictionaries(st.sampled_from(["order_id", "n", "x", "name"]), json_values,
                                max_size=3))
    return StartFlow(WA, w.now, draw(st.sampled_from(flows)), data)


# --------------------------------------------------------------------------- programs

SAFE_TEXT = st.sampled_from([a for a in AWKWARD if "{{" not in a and "}}" not in a and a.strip()]
                            + ["Hi {{ customer.name | default(\"bạn\") }}", "n = {{ n }}",
                               "x: {{ x }}", "{{ now }}", "{{ message.text }}", "{{ 10 / n }}",
                               "{{ x | upper }}", "{{ customer.fields.city }}"])
EXPRS = ("true", "false", "n > 2", "n == 0", "x == \"a\"", "customer.tags contains \"vip\"",
         "customer.name == null", "message.text contains \"yes\"", "n + 1", "n * 2 - 3",
         "10 / n", "x + n", "number(x)", "len(x)", "date(x)", "now", "now.hour < 12",
         "message.text", "x matches \"^[0-9]+$\"", "customer.fields.city", "[n, x]",
         "days_since(customer.first_contacted_at)", "null")
EXPR = st.sampled_from(EXPRS).map(lambda s: ast.Expr(src=s))
VARS = st.sampled_from(["n", "x"])


PLAIN = st.sampled_from(["Again?", "Thử lại nhé 🙏", "'\"`", "Again {{ 10 / n }}",
                         "Again {{ x + n }}"]).map(
    lambda s: ast.Text(variants={"": ast.Template(src=s)}))
"""Retry messages, some of which cannot render (the run then ends with a logged reason)."""


def _text() -> st.SearchStrategy[ast.Text]:
    return SAFE_TEXT.map(lambda s: ast.Text(variants={"": ast.Template(src=s)}))


def _message(ask: bool) -> st.SearchStrategy[ast.Message]:
    plain = st.builds(ast.Message, text=_text())
    buttons = st.builds(ast.Message, text=_text(), buttons=st.lists(
        st.sampled_from(["Yes", "No", "Có", "Morning (9-12)", "Talk to a person"]).map(
            lambda s: ast.Text(variants={"": ast.Template(src=s)})),
        min_size=1, max_size=3, unique_by=lambda t: t.variants[""].src))
    menu = st.builds(ast.ListMenu, button=st.just(ast.Text(variants={"": ast.Template(
        src="Menu")})), sections=st.just([ast.ListSection(rows=[
            ast.ListRow(id="r1", title=ast.Text(variants={"": ast.Template(src="One")})),
            ast.ListRow(id="r2", title=ast.Text(variants={"": ast.Template(src="Two")}))])]))
    listed = st.builds(ast.Message, text=_text(), list_=menu)
    media = st.builds(ast.Message, image=st.just(ast.Template(src="https://x.example/a.jpg")),
                      caption=st.none() | _text())
    return st.one_of(plain, buttons, listed, media) if ask else st.one_of(plain, media, buttons)


@st.composite
def _step(draw: st.DrawFn, sid: str, ids: list[str], flow_ids: list[str],
          rule: bool) -> ast.Step:
    target = st.sampled_from([*ids, "end"])
    base: dict[str, Any] = {"id": sid, "next": draw(st.none() | target),
                            "when": draw(st.none() | EXPR) if draw(st.integers(0, 4)) == 0
                            else None, "max_visits": draw(st.none() | st.integers(1, 40))}
    kinds = ["send", "set", "tag", "untag", "field", "branch", "call", "goto", "end", "consent",
             "template"]
    if not rule:
        kinds += ["ask", "ask", "wait", "agent", "handoff", "run", "link"]
    kind = draw(st.sampled_from(kinds))
    if kind == "send":
        return ast.SendStep(send=draw(_message(False)), **base)
    if kind == "template":
        return ast.TemplateStep(template=ast.TemplateRef(name="cart_reminder", params=[
            ast.Template(src="a"), ast.Template(src="{{ x }}")]), **base)
    if kind == "ask":
        return ast.AskStep(
            ask=draw(_message(True)), save=draw(st.none() | VARS),
            expect=draw(st.none() | st.sampled_from(ast.EXPECT_KINDS) | st.just("regex:^\\d+$")),
            retries=draw(st.none() | st.integers(0, 3)), retry_message=draw(st.none() | PLAIN),
            on_fail=draw(st.none() | target), validate_=draw(st.none() | EXPR),
            extract=draw(st.dictionaries(st.sampled_from(["n", "x", "d"]),
                                         st.sampled_from(ast.EXTRACT_TYPES), max_size=2)),
            timeout=draw(st.none() | durations()), on_timeout=draw(st.none() | target), **base)
    if kind == "set":
        return ast.SetStep(set=draw(st.dictionaries(VARS, EXPR, min_size=1)), **base)
    if kind in ("tag", "untag"):
        tags = draw(st.lists(st.sampled_from(["vip", "lead", "khách quen"]), min_size=1,
                             max_size=2, unique=True))
        return ast.TagStep(tag=tags, **base) if kind == "tag" else ast.UntagStep(untag=tags,
                                                                               **base)
    if kind == "field":
        return ast.FieldStep(field={"city": draw(SAFE_TEXT.map(lambda s: ast.Template(src=s)))},
                             **base)
    if kind == "consent":
        return ast.ConsentStep(consent=draw(st.sampled_from(["opted_in", "opted_out"])), **base)
    if kind == "branch":
        arms = draw(st.lists(st.builds(ast.BranchArm, if_=EXPR, goto=target), min_size=1,
                             max_size=3))
        return ast.BranchStep(branch=arms, else_=draw(st.none() | target),
                              **{**base, "next": None})
    if kind == "call":
        req = ast.HttpRequest(method=draw(st.sampled_from(ast.HTTP_METHODS)),
                              url=ast.Template(src=draw(st.sampled_from([
                                  "https://api.example/o/{{ x }}", "https://api.example/{{ n }}",
                                  "https://api.example/{{ 1 / 0 }}"]))),
                              body=draw(st.none() | st.just({"n": "{{ n }}", "l": [1, "x"]})))
        return ast.CallStep(call=req, save=draw(st.none() | st.just("x")),
                            on_error=draw(st.none() | target), **base)
    if kind == "goto":
        return ast.GotoStep(goto=draw(target), **{**base, "next": None})
    if kind == "end":
        return ast.EndStep(end=draw(st.none() | _text()), **{**base, "next": None})
    if kind == "wait":
        if draw(st.booleans()):
            return ast.WaitStep(wait=draw(durations()), **base)
        return ast.WaitStep(until=draw(EXPR), **base)
    if kind == "agent":
        return ast.AgentStep(agent="support_assistant", until=draw(st.none() | EXPR),
                             max_turns=draw(st.none() | st.integers(1, 3)), **base)
    if kind == "handoff":
        return ast.HandoffStep(handoff=draw(st.none() | _text()),
                               team=draw(st.none() | st.just("cskh")), **{**base, "next": None})
    if kind == "run":
        return ast.RunStep(run=draw(st.sampled_from(flow_ids)), save=draw(st.none() | VARS),
                           with_=draw(st.dictionaries(VARS, EXPR, max_size=1)), **base)
    return ast.LinkStep(link=draw(st.sampled_from(flow_ids)), **{**base, "next": None})


def _trigger(fid: str, i: int) -> st.SearchStrategy[ast.Trigger | None]:
    return st.one_of(
        st.none(),
        st.just(ast.KeywordTrigger(keywords=[f"go {fid}", f"bắt đầu {i}"])),
        st.just(ast.RegexTrigger(pattern=f"(?i)^{fid}\\s+(?P<x>\\d+)$")),
        st.just(ast.IntentTrigger(intent=f"intent_{fid}")),
        st.sampled_from(ast.EVENT_NAMES).map(lambda e: ast.EventTrigger(event=e)),
        st.builds(ast.ScheduleTrigger, cron=st.just("0 9 * * *"),
                  audience=st.none() | st.just(ast.Expr(src="customer.consent == \"opted_in\""))),
    )


@st.composite
def generated_flows(draw: st.DrawFn) -> ast.SourceFile:
    flow_ids = [f"f{i}" for i in range(draw(st.integers(1, 3)))]
    flows = []
    for i, fid in enumerate(flow_ids):
        rule = draw(st.integers(0, 5)) == 0
        ids = [f"s{j}" for j in range(draw(st.integers(1, 6)))]
        steps = [draw(_step(sid, ids, flow_ids, rule)) for sid in ids]
        flows.append(ast.Flow(id=fid, trigger=draw(_trigger(fid, i)), rule=rule, steps=steps,
                              vars={"n": draw(st.sampled_from([0, 1, 5])), "x": "a", "d": None},
                              priority=draw(st.none() | st.integers(-2, 2))))
    return ast.SourceFile(path="flows/gen.yaml", spelling="yaml", flows=flows)


def project_sources(file: ast.SourceFile) -> dict[str, str]:
    """The generated flows with the example project's file and agents beside them."""
    keep = {k: v for k, v in example_sources().items()
            if k in ("flows/wactl.yaml",) or k.startswith("flows/agents/")}
    return {**keep, file.path: dump_yaml(file)}

