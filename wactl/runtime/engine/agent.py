"""An `agent` step: the agent answers each customer message until the step is over.

Per message, in this order: the agent's handoff keywords (a person takes over), the
step's `until` (the run goes on with the next step, the message is not sent to the
model), else an `AiRequest` for a reply.  The reply is checked by the safety layer
before it is sent: a reply that breaks the agent's constraints or mentions another
customer's data is not sent, and a person takes over instead.  The model asking for a
human, or being unavailable (down, timed out, out of quota, answering nonsense), ends
in the same defined place: a short message in the customer's language and a handoff.
After `max_turns` replies the run goes on with the next step.

The step's start and every resumption (a customer message, the AI layer's reply) are
here and return decisions that `loop` carries out.
"""

from __future__ import annotations

from typing import Any

from wactl.compiler.ir import IRAgent, IRAgentParams, IRAgentStep
from wactl.runtime.agents.handoff import wants_handoff
from wactl.runtime.agents.safety import check_reply
from wactl.runtime.agents.scope import reply_scope
from wactl.runtime.effects import AiRequest, SendText
from wactl.runtime.engine.ask import current_step
from wactl.runtime.engine.decision import Decision, Go, Handover, Note, Pause, Stop, error
from wactl.runtime.engine.messages import Rendered, deliver, say
from wactl.runtime.engine.turn import Turn
from wactl.runtime.events import AiResult
from wactl.runtime.expressions import ExprError
from wactl.runtime.state import Frame, Run, Waiting
from wactl.runtime.text_limit import split_text

NO_AGENT = IRAgentParams(agent="")
HANDOFF_MESSAGE = {
    "vi": "Mình chuyển bạn sang nhân viên nhé, bạn chờ một chút ạ.",
    "en": "Let me pass you to a teammate, one moment please.",
}
DOWN_MESSAGE = {
    "vi": "Xin lỗi, trợ lý tự động đang tạm gián đoạn. Nhân viên sẽ trả lời bạn sớm nhất có thể.",
    "en": "Sorry, our assistant is unavailable right now. "
          "A teammate will reply as soon as possible.",
}


def _agent_of(t: Turn, frame: Frame) -> tuple[IRAgent | None, IRAgentParams]:
    step = current_step(t, frame)
    if not isinstance(step, IRAgentStep):
        return None, NO_AGENT
    return t.engine.agents.get(step.params.agent), step.params


def listen(t: Turn, run: Run, frame: Frame, step: IRAgentStep,
           scope: dict[str, Any]) -> Decision:
    """The step starts: the agent listens for the customer's next message."""
    if step.params.agent not in t.engine.agents:
        return error("unknown_agent", f"agent {step.params.agent} missing")
    frame.turns = 0
    return Pause(Waiting("agent"), f"{step.params.agent} listening")


def on_message(t: Turn, run: Run, text: str) -> list[Decision]:
    """A customer message while the agent step listens."""
    frame = run.top
    agent, params = _agent_of(t, frame)
    if agent is None:
        return [Stop("error: agent missing")]
    if wants_handoff(agent, text):
        return [_hand_over(t, run, agent, "handoff keyword")]
    try:
        done = t.test(params.until, t.scope(frame)) if params.until else False
    except ExprError as exc:
        t.log("warning", "expression_error", f"until: {exc.message}; taken as false", frame)
        done = False
    if done:
        return [Go("until holds")]
    request = build_request(t, agent, text, t.state.next_id("ai"), frame)
    t.emit(request)
    return [Pause(Waiting("ai", request.request_id, None, text))]


def build_request(t: Turn, agent: IRAgent, text: str, request_id: str,
                  frame: Frame | None = None) -> AiRequest:
    """The reply request: the recent conversation (without the message itself) and scope."""
    history = t.state.history
    if history and history[-1] == ("user", text):
        history = history[:-1]
    keep = max(agent.context_messages, 0)
    scope = reply_scope(t.scope(frame))
    return AiRequest(request_id, "reply", t.state.wa_id, text, agent=agent.id,
                     history=tuple(history[-keep:] if keep else ()), language=t.language,
                     scope=scope)


def on_reply(t: Turn, run: Run, result: AiResult) -> list[Decision]:
    frame = run.top
    agent, params = _agent_of(t, frame)
    held = run.waiting.text if run.waiting is not None else ""
    listening: Decision = Pause(Waiting("agent"))
    if agent is None:
        return [listening, Stop("error: agent missing")]
    if result.error:
        t.log("error", "ai_unavailable", f"agent {agent.id}: {result.error}", frame)
        say(t, DOWN_MESSAGE, t.scope(None))
        return [listening, _hand_over(t, run, agent, f"ai {result.error}", message=False)]
    if result.handoff:
        return [listening, _hand_over(t, run, agent, "the model asked for a person")]
    verdict = check_reply(result.text, agent,
                          build_request(t, agent, held, result.request_id, frame),
                          t.engine.program.project)
    if not verdict.ok:
        t.log("warning", "reply_blocked",
              f"agent {agent.id}: {verdict.reason}: {verdict.detail}", frame)
        return [listening, _hand_over(t, run, agent, f"safety {verdict.reason}")]
    text = result.text or ""
    if not deliver(t, Rendered([SendText(t.state.wa_id, p) for p in split_text(text)], [], text)):
        t.log("warning", "window_closed", "agent reply not sent: 24h window closed", frame)
    frame.turns += 1
    replied: list[Decision] = [listening, Note(f"replied (turn {frame.turns})")]
    if params.max_turns and frame.turns >= params.max_turns:
        replied.append(Go(None))
    return replied


def _hand_over(t: Turn, run: Run, agent: IRAgent, reason: str, *,
               message: bool = True) -> Decision:
    if message:
        text = agent.handoff.message if agent.handoff and agent.handoff.message else None
        try:
            say(t, text or HANDOFF_MESSAGE, t.scope(run.top))
        except ExprError as exc:
            t.log("error", "expression_error",
                  f"handoff message of {agent.id}: {exc.message}", run.top)
    return Handover(None, f"agent {agent.id}: {reason}", f"handoff: {reason}")
