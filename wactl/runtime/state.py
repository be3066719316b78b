"""A conversation's state: the customer as the engine sees it, the run in progress, the trace.

The engine takes a state and returns a new one; it never changes the one it was given
(it works on `clone()`), so when anything goes wrong mid-event the caller still holds
the state from before the event: a run is never left half-written.  `to_data` /
`from_data` give the JSON-shaped form the stores keep; dates and datetimes in
variables survive the round trip (as `{"$date": ...}` / `{"$datetime": ...}`).

A run is a stack of frames: the flow that started plus one frame per `run` sub-flow
in progress, each with its own variables.  Each frame pins the flow version (hash)
it started on, so a deploy never changes a run already in progress.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import orjson

MAX_DATA_DEPTH = 64
"""As deep as a value from outside may nest (expressions read no deeper either)."""
WaitKind = Literal["ask", "wait", "call", "agent", "ai", "extract"]
MAX_TRACE = 500
MAX_HISTORY = 50
_SEQUENCE = (list, tuple)
"""Built once: `list | tuple` in `isinstance` makes a union object per call."""


@dataclass(slots=True)
class Customer:
    wa_id: str
    name: str | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    consent: str | None = None
    first_contacted_at: datetime | None = None

    def clone(self) -> Customer:
        return Customer(self.wa_id, self.name, self.language, list(self.tags),
                        dict(self.fields), self.consent, self.first_contacted_at)


@dataclass(slots=True)
class Frame:
    """One flow in progress: where it is, its variables, per-step counters."""

    flow: str
    version: str
    step: str | None
    vars: dict[str, Any] = field(default_factory=dict)
    retries: int = 0
    """Invalid answers so far to the current `ask`."""
    turns: int = 0
    """Replies the current `agent` step has given."""
    visits: dict[str, int] = field(default_factory=dict)
    save: str | None = None
    """In a sub-flow frame: the caller's variable that receives our final variables."""

    def clone(self) -> Frame:
        return Frame(self.flow, self.version, self.step, dict(self.vars), self.retries,
                     self.turns, dict(self.visits), self.save)


@dataclass(slots=True)
class Waiting:
    """Why a run is paused: for a customer's answer, a timer, an HTTP or AI answer."""

    kind: WaitKind
    id: str = ""
    """The timer id or request id the run waits for ('' for a plain ask)."""
    timer: str | None = None
    """An `ask` timeout timer running beside the ask."""
    text: str = ""
    """The customer's answer held while the AI layer extracts values from it."""


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One step a run took: when, which, how it ended, and the variables it changed."""

    at: datetime
    flow: str
    step: str
    kind: str
    outcome: str
    changed: tuple[str, ...] = ()
    version: str = ""
    """The version of `flow` the step belongs to."""


@dataclass(slots=True)
class Run:
    id: str
    flow: str
    started_at: datetime
    frames: list[Frame]
    waiting: Waiting | None = None
    trace: list[TraceEntry] = field(default_factory=list)
    """This event's steps; the driver moves them to the run-step log before saving."""
    pins: dict[str, str] = field(default_factory=dict)
    """The version of every sub-flow the run may call, fixed when it started, so a
    deploy between its start and a `run` step does not change what it runs."""

    @property
    def top(self) -> Frame:
        return self.frames[-1]

    def versions(self) -> set[str]:
        """Every flow version the run needs: its frames' and its pinned sub-flows'."""
        return {f.version for f in self.frames} | set(self.pins.values())

    def clone(self) -> Run:
        w = self.waiting
        waiting = None if w is None else Waiting(w.kind, w.id, w.timer, w.text)
        return Run(self.id, self.flow, self.started_at, [f.clone() for f in self.frames],
                   waiting, list(self.trace), dict(self.pins))


@dataclass(slots=True)
class Pending:
    """An inbound message waiting for the AI layer's intent classification."""

    request_id: str
    text: str
    fresh: bool = False
    """The message started a new conversation (see `engine_inbound`)."""
    ruled: bool = False
    """A rule flow already acted on the message."""


@dataclass(slots=True)
class ConversationState:
    wa_id: str
    customer: Customer
    run: Run | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    """When we last sent the customer anything (a template opens a conversation too)."""
    handed_off: bool = False
    team: str | None = None
    pending: Pending | None = None
    needs_human: bool = False
    """Nothing automated could answer the last message: a person should look."""
    side: list[Run] = field(default_factory=list)
    """Rule runs waiting for an HTTP answer (rules run beside the conversation's run)."""
    history: list[tuple[str, str]] = field(default_factory=list)
    seq: int = 0
    """Counter behind run, timer and request ids: deterministic, unique per conversation."""
    ai_usage: dict[str, float] = field(default_factory=dict)
    """Tokens and cost of every AI call of the conversation: prompt, completion, cost."""
    finished: list[Run] = field(default_factory=list)
    """Runs that ended during the last event (for traces and tests); not stored."""

    @classmethod
    def new(cls, wa_id: str, **customer: Any) -> ConversationState:
        return cls(wa_id, Customer(wa_id, **customer))

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq}"

    def clone(self) -> ConversationState:
        p = self.pending
        return ConversationState(
            self.wa_id, self.customer.clone(), None if self.run is None else self.run.clone(),
            last_inbound_at=self.last_inbound_at, last_outbound_at=self.last_outbound_at,
            handed_off=self.handed_off, team=self.team,
            pending=None if p is None else Pending(p.request_id, p.text, p.fresh, p.ruled),
            needs_human=self.needs_human, side=[r.clone() for r in self.side],
            history=list(self.history), seq=self.seq, ai_usage=dict(self.ai_usage))


# --------------------------------------------------------------------------- JSON form


def encode_value(value: Any) -> Any:
    """JSON-shaped data from a variable's value, tagging dates so they come back as dates."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: encode_value(v) for k, v in value.items()}
    if isinstance(value, _SEQUENCE):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if len(value) == 1 and "$date" in value:
            return date.fromisoformat(value["$date"])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def storable(value: Any, depth: int = 0) -> Any:
    """`value` if a store can keep it as strict JSON: finite numbers, at most
    MAX_DATA_DEPTH levels deep (what expressions can read); else ValueError."""
    if depth > MAX_DATA_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    if isinstance(value, dict):
        for item in value.values():
            storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            storable(item, depth + 1)
    return value


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def state_to_data(state: ConversationState) -> dict[str, Any]:
    """The JSON-shaped form a store keeps (without `finished`, which is per event)."""
    c = state.customer
    return {
        "wa_id": state.wa_id,
        "customer": {"wa_id": c.wa_id, "name": c.name, "language": c.language,
                     "tags": list(c.tags), "fields": encode_value(c.fields),
                     "consent": c.consent, "first_contacted_at": _when(c.first_contacted_at)},
        "run": None if state.run is None else run_to_data(state.run),
        "last_inbound_at": _when(state.last_inbound_at),
        "last_outbound_at": _when(state.last_outbound_at),
        "handed_off": state.handed_off, "team": state.team,
        "pending": None if state.pending is None else {
            "request_id": state.pending.request_id, "text": state.pending.text,
            "fresh": state.pending.fresh, "ruled": state.pending.ruled},
        "needs_human": state.needs_human, "side": [run_to_data(r) for r in state.side],
        "history": [list(h) for h in state.history], "seq": state.seq,
        "ai_usage": dict(state.ai_usage),
    }


def run_to_data(run: Run) -> dict[str, Any]:
    """A run as JSON; trace entries (none once the driver has moved them to the
    run-step log) are compact rows `[at, flow, step, kind, outcome, version, *changed]`."""
    return {
        "id": run.id, "flow": run.flow, "started_at": run.started_at.isoformat(),
        "frames": [{"flow": f.flow, "version": f.version, "step": f.step,
                    "vars": encode_value(f.vars), "retries": f.retries, "turns": f.turns,
                    "visits": dict(f.visits), "save": f.save} for f in run.frames],
        "waiting": None if run.waiting is None else {
            "kind": run.waiting.kind, "id": run.waiting.id, "timer": run.waiting.timer,
            "text": run.waiting.text},
        "trace": _trace_rows(run.trace),
        "pins": dict(run.pins),
    }


def _trace_rows(trace: list[TraceEntry]) -> list[list[str]]:
    """The trace as rows; an event's entries share one time, written once per run of
    entries with the same `at` object (`isoformat` was most of a state's encoding)."""
    rows: list[list[str]] = []
    last: datetime | None = None
    text = ""
    for t in trace:
        if t.at is not last:
            last, text = t.at, t.at.isoformat()
        rows.append([text, t.flow, t.step, t.kind, t.outcome, t.version, *t.changed])
    return rows


def _trace_entries(rows: list[list[Any]]) -> list[TraceEntry]:
    """Trace rows back to entries; entries with the same time text share one datetime
    (immutable), so encoding them again hits `_trace_rows`' shortcut."""
    entries: list[TraceEntry] = []
    last_text: str | None = None
    at = datetime.min
    for t in rows:
        if t[0] != last_text:
            last_text, at = t[0], datetime.fromisoformat(t[0])
        entries.append(TraceEntry(at, t[1], t[2], t[3], t[4], tuple(t[6:]), t[5]))
    return entries


def state_to_json(state: ConversationState) -> bytes:
    """The stored JSON text of a state (orjson: a tenth of `json.dumps`' cost, measured
    in bench/engine.py; like it, a value JSON cannot hold, such as a set, raises
    TypeError)."""
    return orjson.dumps(state_to_data(state))


def state_from_json(text: bytes | str) -> ConversationState:
    return state_from_data(orjson.loads(text))


def state_from_data(data: dict[str, Any]) -> ConversationState:
    c = data["customer"]
    customer = Customer(c["wa_id"], c.get("name"), c.get("language"), list(c.get("tags", [])),
                        decode_value(c.get("fields", {})), c.get("consent"),
                        _parse_when(c.get("first_contacted_at")))
    pending = data.get("pending")
    return ConversationState(
        data["wa_id"], customer,
        None if data.get("run") is None else run_from_data(data["run"]),
        last_inbound_at=_parse_when(data.get("last_inbound_at")),
        last_outbound_at=_parse_when(data.get("last_outbound_at")),
        handed_off=bool(data.get("handed_off")), team=data.get("team"),
        pending=None if pending is None else Pending(
            pending["request_id"], pending["text"], bool(pending.get("fresh")),
            bool(pending.get("ruled"))),
        needs_human=bool(data.get("needs_human")),
        side=[run_from_data(r) for r in data.get("side", [])],
        history=[(h[0], h[1]) for h in data.get("history", [])], seq=int(data.get("seq", 0)),
        ai_usage=dict(data.get("ai_usage", {})))


def run_from_data(data: dict[str, Any]) -> Run:
    frames = [Frame(f["flow"], f["version"], f["step"], decode_value(f["vars"]), f["retries"],
                    f.get("turns", 0), dict(f["visits"]), f.get("save"))
              for f in data["frames"]]
    w = data.get("waiting")
    waiting = None if w is None else Waiting(w["kind"], w["id"], w.get("timer"), w.get("text", ""))
    trace = _trace_entries(data.get("trace", []))
    return Run(data["id"], data["flow"], datetime.fromisoformat(data["started_at"]), frames,
               waiting, trace, dict(data.get("pins", {})))
