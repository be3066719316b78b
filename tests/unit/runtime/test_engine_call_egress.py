"""The engine's side of the egress policy: encoded URLs, bounded timeout and retries,
and a refused request taking the error branch like a connection error."""

from __future__ import annotations

from engine_harness import T0, WA, Chat

from wactl.compiler.egress import MAX_CALL_RETRIES, MAX_CALL_TIMEOUT
from wactl.compiler.ir import Program
from wactl.compiler.project import compile_project
from wactl.runtime.effects import HttpRequest, Log
from wactl.runtime.engine import Engine
from wactl.runtime.events import HttpResult

ORDER = """
flow: order
trigger: {keyword: [order]}
steps:
  - id: ask_id
    ask: "Your order number?"
    save: order_id
  - id: lookup
    call:
      url: "https://shop.example/api/orders/{{ order_id }}?lang={{ order_id }}"
      headers: {Authorization: "Bearer t"}
      timeout: 30s
      retries: 5
    save: order
    on_error: sorry
  - id: tell
    send: "Status: {{ order.status }}"
    next: end
  - id: sorry
    send: "Sorry, I can't look that up."
"""


def _request(chat: Chat) -> HttpRequest:
    return next(e for e in chat.effects if isinstance(e, HttpRequest))


def test_a_customer_value_cannot_change_the_path_or_the_query() -> None:
    chat = Chat.of(ORDER)
    chat.say("order")
    chat.say("../../admin/delete?force=1#")
    assert _request(chat).url == (
        "https://shop.example/api/orders/..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23"
        "?lang=..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23")


def test_a_refused_request_takes_the_error_branch_and_is_logged() -> None:
    chat = Chat.of(ORDER)
    chat.http["GET https://shop.example/api/orders/7?lang=7"] = HttpResult(
        WA, T0, "", error="refused")
    chat.say("order")
    assert chat.say("7") == ["Sorry, I can't look that up."]
    logs = [e for e in chat.effects if isinstance(e, Log)]
    assert any(e.code == "call_failed" and "refused" in e.message for e in logs)


def _unchecked(text: str, old: str, new: str) -> Program:
    """A program whose IR says what validation would refuse (as a hand-made or old IR may)."""
    result = compile_project({"flows/f.yaml": text})
    assert result.program is not None
    ir = result.program.to_json()
    assert old in ir
    return Program.from_json(ir.replace(old, new))


def test_timeout_and_retries_are_cut_to_the_bounds_at_run_time() -> None:
    program = _unchecked(ORDER, '"retries":5,"timeout":30', '"retries":1000000,"timeout":315360000')
    chat = Chat(Engine(program))
    chat.say("order")
    chat.say("7")
    request = _request(chat)
    assert (request.timeout, request.retries) == (MAX_CALL_TIMEOUT, MAX_CALL_RETRIES)


def test_negative_bounds_from_a_hand_made_ir_become_zero() -> None:
    program = _unchecked(ORDER, '"retries":5,"timeout":30', '"retries":-3,"timeout":-1')
    chat = Chat(Engine(program))
    chat.say("order")
    chat.say("7")
    assert (_request(chat).timeout, _request(chat).retries) == (0.0, 0)
