"""A small harness for engine tests: compile YAML text, feed events, answer requests.

It drives `Engine.handle` directly (no driver), so each test sees exactly the effects
and state the engine returns.  HTTP and AI requests are answered from dicts the test
gives, the way the driver would feed the answers back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wactl.compiler.ir import Program
from wactl.compiler.project import compile_project
from wactl.runtime.effects import (
    AiRequest,
    Effect,
    HttpRequest,
    ScheduleTimer,
    SendEffect,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
)
from wactl.runtime.engine import Engine, Limits
from wactl.runtime.events import AiResult, Event, HttpResult, Inbound, TimerFired
from wactl.runtime.state import ConversationState

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City
WA = "84900000001"


def compile_yaml(*texts: str, project: str | None = None) -> Program:
    sources = {f"flows/f{i}.yaml": text for i, text in enumerate(texts)}
    if project is not None:
        sources["wactl.yaml"] = project
    result = compile_project(sources)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert not errors, [f"{d.code} {d.message}" for d in errors]
    assert result.program is not None
    return result.program


HttpAnswer = HttpResult | Callable[[HttpRequest], HttpResult] | dict[str, Any]


@dataclass
class Chat:
    """One conversation driven through the engine."""

    engine: Engine
    state: ConversationState = field(default_factory=lambda: ConversationState.new(WA))
    now: datetime = T0
    http: dict[str, HttpAnswer] = field(default_factory=dict)
    ai: Callable[[AiRequest], AiResult] | None = None
    effects: list[Effect] = field(default_factory=list)
    timers: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, *texts: str, limits: Limits | None = None, **kw: Any) -> Chat:
        return cls(Engine(compile_yaml(*texts), limits=limits), **kw)

    def feed(self, event: Event) -> list[Effect]:
        """Handle `event`, then answer HTTP/AI requests until none is outstanding."""
        out: list[Effect] = []
        queue: list[Event] = [event]
        while queue:
            outcome = self.engine.handle(self.state, queue.pop(0))
            self.state = outcome.state
            out.extend(outcome.effects)
            for eff in outcome.effects:
                queue.extend(self._answer(eff))
        self.effects.extend(out)
        return out

    def _answer(self, eff: Effect) -> list[Event]:
        if isinstance(eff, ScheduleTimer):
            self.timers[eff.timer_id] = eff.at
        if isinstance(eff, HttpRequest):
            answer = self.http.get(f"{eff.method} {eff.url}")
            return [self._http_result(eff, answer)]
        if isinstance(eff, AiRequest):
            result = self.ai(eff) if self.ai else AiResult(WA, self.now, eff.request_id,
                                                           error="no_key")
            return [result]
        return []

    def _http_result(self, req: HttpRequest, answer: HttpAnswer | None) -> HttpResult:
        if answer is None:
            return HttpResult(WA, self.now, req.request_id, error="connection")
        if callable(answer):
            return answer(req)
        if isinstance(answer, HttpResult):
            return HttpResult(WA, self.now, req.request_id, answer.status, answer.body,
                              answer.content_type, answer.error)
        return HttpResult(WA, self.now, req.request_id, 200, json.dumps(answer),
                          "application/json")

    def say(self, text: str = "", **kw: Any) -> list[str]:
        """Send a customer message; the texts the bot sent back."""
        kind = kw.pop("kind", "button" if "button_id" in kw else
                      "list" if "list_id" in kw else "text")
        return texts(self.feed(Inbound(WA, self.now, kind, id=f"m{len(self.effects)}",
                                       text=text, **kw)))

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock; fire the timers that came due, in time order."""
        self.now += delta
        sent: list[str] = []
        while due := sorted((at, tid) for tid, at in self.timers.items() if at <= self.now):
            at, tid = due[0]
            del self.timers[tid]
            sent += texts(self.feed(TimerFired(WA, at, tid)))
        return sent

    @property
    def vars(self) -> dict[str, Any]:
        run = self.state.run or (self.state.finished[-1] if self.state.finished else None)
        return {} if run is None else run.frames[0].vars


def texts(effects: list[Effect]) -> list[str]:
    """What the customer would read, one string per message."""
    return [describe(e) for e in effects if isinstance(e, SendEffect)]


def describe(e: SendEffect) -> str:
    if isinstance(e, SendText):
        return e.text
    if isinstance(e, SendInteractive):
        picks = [b.title for b in e.buttons] or [r.id for s in e.sections for r in s.rows]
        return f"{e.body} {picks}"
    if isinstance(e, SendMedia):
        return f"[{e.kind} {e.link}] {e.caption or ''}".strip()
    assert isinstance(e, SendTemplate)
    return f"[template {e.name} {list(e.params)}]"
