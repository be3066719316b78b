"""A customer's message, an AI answer, a schedule tick, a business event: who handles it.

DESIGN.md's precedence for an inbound message, after every matching `rule` flow has
run beside it (rules never take the conversation over):

1. a person has the conversation (handoff): automation stays quiet;
2. a run waiting in `ask` takes it; an answer the ask cannot use (a typed "booking"
   to a yes/no question) starts the flow a keyword or regex trigger names, if any,
   instead of a retry message;
3. else the best matching keyword/regex trigger starts its flow (superseding the run
   in progress, e.g. one waiting in `wait`);
4. else, unless an agent is listening, `intent` triggers ask the AI layer to classify
   the message (the run waits; the answer comes back as an AiResult);
5. else, when the message starts a new conversation (nothing was written either way in
   the last 24 hours, and no run is in progress) and no rule acted on it, the flows of
   the `conversation.started` event start;
6. else an active `agent` step answers;
7. else, unless a rule acted on it, the conversation is marked as needing a person and
   `ConversationPending` is published.

Schedule ticks and business events start their flows only when no run is waiting for
the customer (an ask or an agent): a marketing reminder never cuts into a booking.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wactl.compiler.ir import IRAgentStep, IRFlow, IRIntentTrigger, IRScheduleTrigger
from wactl.runtime.effects import AiRequest
from wactl.runtime.engine import agent as engine_agent
from wactl.runtime.engine import ask as engine_ask
from wactl.runtime.engine import loop
from wactl.runtime.engine.messages import remember
from wactl.runtime.engine.triggers import Match
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import AiResult, CustomerEvent, Inbound, ScheduleTick, Usage
from wactl.runtime.expressions import ExprError
from wactl.runtime.inbound_bounds import bound_inbound
from wactl.runtime.records import AI_USAGE_EVENT
from wactl.runtime.state import Pending, Run, storable

DEFAULT_MIN_CONFIDENCE = 0.5
BUSY = ("ask", "agent", "ai", "extract", "call")
STARTED = "conversation.started"
CONVERSATION_GAP = timedelta(hours=24)


def on_inbound(t: Turn, msg: Inbound) -> None:
    if msg.kind == "system":  # WhatsApp wrote it, not the customer: no answer, no window
        notice = msg.system.type if msg.system is not None else None
        t.log("info", "system_message", f"WhatsApp notice {notice or 'system'} noted")
        return
    msg = bound_inbound(t, msg)  # a forged 1 MB message costs what a 4,096-character one does
    fresh = _starts_conversation(t, msg)
    _note(t, msg)
    if msg.kind == "reaction":
        t.log("info", "reaction", f"reaction {msg.text!r} to {msg.reaction_to} noted")
        return
    if msg.kind == "unknown":
        t.log("warning", "unsupported_message",
              f"message type {msg.raw_type or 'unknown'} is not supported; treated as no text")
    ruled = False
    if t.engine.triggers.has_rules:
        for match in _matches(t, msg.text, rules=True):
            loop.start_rule(t, match.flow, match.vars)
            ruled = True
    if t.state.handed_off:
        return
    run = t.state.run
    kind = None if run is None or run.waiting is None else run.waiting.kind
    if run is not None and kind == "ask":
        _answer(t, run, msg)
    elif run is not None and kind in ("ai", "extract", "call"):
        t.log("warning", "busy", f"message {msg.id} arrived while the run waits for an answer "
              "from outside; kept in the history only")
    elif best := _best(t, msg.text):
        loop.start_flow(t, best.flow, best.vars, reason="trigger")
    elif kind != "agent" and msg.text and t.engine.triggers.intent_flows():
        _classify(t, Pending("", msg.text, fresh, ruled))
    else:  # an agent reads a photo or a location as `[image]`, `[location]`
        _fall_back(t, Pending("", msg.text or f"[{msg.kind}]", fresh, ruled))


def _starts_conversation(t: Turn, msg: Inbound) -> bool:
    """Nothing was written either way for 24 hours (or ever): a new conversation."""
    last = max((d for d in (t.state.last_inbound_at, t.state.last_outbound_at) if d),
               default=None)
    return last is None or msg.at - last >= CONVERSATION_GAP


def _fall_back(t: Turn, msg: Pending) -> None:
    """No trigger took the message: a new conversation's flows, the agent, or a person."""
    run = t.state.run
    kind = None if run is None or run.waiting is None else run.waiting.kind
    if msg.fresh and not msg.ruled and run is None and _start_event_flows(t, STARTED, {}):
        return
    if run is not None and kind == "agent":
        loop.resume(t, run, "agent", engine_agent.on_message(t, run, msg.text))
    elif msg.ruled:
        t.log("info", "ruled", "only rule flows acted on the message")
    else:
        unanswered(t, "no flow, ask or agent took the message")


def _note(t: Turn, msg: Inbound) -> None:
    """The window opens, the customer's profile name is kept, the message is remembered."""
    s = t.state
    s.last_inbound_at = msg.at
    if msg.name and not s.customer.name:
        s.customer.name = msg.name
    if s.customer.first_contacted_at is None:
        s.customer.first_contacted_at = msg.at
    remember(t, "user", msg.text or f"[{msg.kind}]")
    t.publish("WhatsAppMessageReceived", message_id=msg.id, type=msg.kind)


def start_on_message(t: Turn, flow: str, vars: dict[str, Any], msg: Inbound) -> None:
    """Start `flow` on the customer's message `msg`, as if its trigger had matched it."""
    t.message = msg
    _note(t, msg)
    loop.start_by_id(t, flow, vars, reason="started on a message")


def _answer(t: Turn, run: Run, msg: Inbound) -> None:
    taken, decisions = engine_ask.on_answer(t, run, msg)
    loop.resume(t, run, "ask", decisions)
    if taken == "taken":
        return
    if best := _best(t, msg.text):
        loop.start_flow(t, best.flow, best.vars, reason="trigger instead of an answer")
    else:
        loop.resume(t, run, "ask", engine_ask.retry(t, run))


def unanswered(t: Turn, why: str) -> None:
    t.state.needs_human = True
    t.log("info", "unanswered", why)
    t.publish("ConversationPending", reason="unmatched")


# --------------------------------------------------------------------------- triggers


def _matches(t: Turn, text: str, *, rules: bool) -> list[Match]:
    """Trigger matches of rules or of conversation flows whose `if` holds, best first."""
    found = [m for m in t.engine.triggers.match_text(text) if m.flow.rule == rules]
    return [m for m in found if _guard(t, m.flow)]


def _best(t: Turn, text: str) -> Match | None:
    found = _matches(t, text, rules=False)
    return found[0] if found else None


def _guard(t: Turn, flow: IRFlow, **extra: Any) -> bool:
    cond = None if flow.trigger is None else flow.trigger.if_
    if cond is None:
        return True
    try:
        return t.test(cond, t.scope(None, **extra))
    except ExprError as exc:
        t.log("warning", "expression_error", f"trigger if of {flow.id}: {exc.message}")
        return False


def _classify(t: Turn, msg: Pending) -> None:
    intents = {f.trigger.intent: tuple(f.vars) for f in t.engine.triggers.intent_flows()
               if isinstance(f.trigger, IRIntentTrigger)}
    msg.request_id = t.state.next_id("ai")
    t.state.pending = msg
    t.emit(AiRequest(msg.request_id, "intent", t.state.wa_id, msg.text, intents=intents,
                     language=t.language))


def on_ai_result(t: Turn, result: AiResult) -> None:
    if result.usage is not None:
        _count(t, result.request_id, result.usage)
    pending = t.state.pending
    if pending is not None and pending.request_id == result.request_id:
        t.state.pending = None
        _on_intent(t, result, pending)
        return
    run = t.state.run
    w = None if run is None else run.waiting
    if run is not None and w is not None and w.id == result.request_id:
        if w.kind == "extract":
            loop.resume(t, run, "ask", engine_ask.on_extract(t, run, result))
            return
        if w.kind == "ai":
            loop.resume(t, run, "agent", engine_agent.on_reply(t, run, result))
            return
    t.log("info", "stale_result", f"AI answer {result.request_id} has no run waiting for it")


def _count(t: Turn, request_id: str, u: Usage) -> None:
    """The call's tokens add up per conversation (`ai_usage`) and go out as an event
    that names what asked, which the driver also counts per shop, agent and day."""
    totals = t.state.ai_usage
    for key, value in (("prompt_tokens", u.prompt_tokens),
                       ("completion_tokens", u.completion_tokens), ("cost", u.cost)):
        totals[key] = totals.get(key, 0) + value
    purpose, agent = _asker(t, request_id)
    t.publish(AI_USAGE_EVENT, model=u.model, prompt_tokens=u.prompt_tokens,
              completion_tokens=u.completion_tokens, cost=u.cost, request_id=request_id,
              purpose=purpose, agent=agent)


def _asker(t: Turn, request_id: str) -> tuple[str, str | None]:
    """(purpose, agent) of the request an answer is for: the intent classifier, an
    ask's extraction, an agent step's reply, or `other` when nothing waits for it."""
    pending = t.state.pending
    if pending is not None and pending.request_id == request_id:
        return "intent", None
    run = t.state.run
    w = None if run is None else run.waiting
    if run is None or w is None or w.id != request_id:
        return "other", None
    if w.kind == "extract":
        return "extract", None
    step = engine_ask.current_step(t, run.top)
    return "reply", step.params.agent if isinstance(step, IRAgentStep) else None


def _on_intent(t: Turn, result: AiResult, pending: Pending) -> None:
    if result.error:
        t.log("warning", "ai_unavailable", f"intent classification failed: {result.error}")
    for flow in t.engine.triggers.intent_flows():
        trig = flow.trigger
        if not isinstance(trig, IRIntentTrigger) or trig.intent != result.intent:
            continue
        needed = trig.min_confidence if trig.min_confidence is not None else DEFAULT_MIN_CONFIDENCE
        if (result.confidence if result.confidence is not None else 1.0) < needed:
            continue
        if _guard(t, flow):
            values = {k: v for k, v in result.values.items() if k in flow.vars and _keepable(v)}
            loop.start_flow(t, flow, values, reason=f"intent {trig.intent}")
            return
    _fall_back(t, pending)


# --------------------------------------------------------------------------- ticks


def _busy(t: Turn) -> bool:
    run = t.state.run
    return run is not None and run.waiting is not None and run.waiting.kind in BUSY


def on_schedule(t: Turn, tick: ScheduleTick) -> None:
    flow = t.engine.flows.get(tick.flow)
    if flow is None or not isinstance(flow.trigger, IRScheduleTrigger):
        t.log("warning", "unknown_flow", f"schedule tick for {tick.flow}, which has no schedule")
        return
    audience = flow.trigger.audience
    try:
        inside = t.test(audience, t.scope(None)) if audience else True
    except ExprError as exc:
        t.log("warning", "expression_error", f"audience of {flow.id}: {exc.message}")
        inside = False
    if not inside or not _guard(t, flow):
        return
    if flow.rule:
        loop.start_rule(t, flow, {})
    elif _busy(t) or t.state.handed_off:
        t.log("info", "busy", f"schedule of {flow.id} skipped: the conversation is busy")
    else:
        loop.start_flow(t, flow, {}, reason="schedule")


def on_customer_event(t: Turn, event: CustomerEvent) -> None:
    _start_event_flows(t, event.name, event.data)


def _start_event_flows(t: Turn, name: str, data: dict[str, Any]) -> bool:
    """Every rule of event `name`, and its best conversation flow unless the chat is busy."""
    flows = [f for f in t.engine.triggers.events.get(name, []) if _guard(t, f, event=data)]
    for flow in (f for f in flows if f.rule):
        loop.start_rule(t, flow, _declared(flow, data))
    starters = sorted((f for f in flows if not f.rule), key=lambda f: (-f.priority, f.id))
    if not starters:
        return False
    if _busy(t) or t.state.handed_off:
        t.log("info", "busy", f"event {name} did not start {starters[0].id}: busy")
        return False
    loop.start_flow(t, starters[0], _declared(starters[0], data), reason=name)
    return True


def _keepable(value: Any) -> bool:
    """A value from outside (the AI layer, an event) that a store can keep as JSON."""
    try:
        storable(value)
    except ValueError:
        return False
    return True


def _declared(flow: IRFlow, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in flow.vars and _keepable(v)}
