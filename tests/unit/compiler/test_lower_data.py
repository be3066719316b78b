"""Lowering makes each flow's canonical data first; the IR models are built from it.

So the data must be exactly what the models dump (`to_data()`): a key the models leave
out when not given, or one they always write, would make the program's text differ from
the text of the same program read back.  These tests compile a project that uses every
step kind and every optional part, and hold the text to that.
"""

from __future__ import annotations

import json
import textwrap

from wactl.compiler import Program, compile_project
from wactl.compiler.ir import IRFlow, content_hash

PROJECT = """\
languages: [en]
templates:
  order_update: {params: 1, languages: [vi, en]}
"""

MAIN = """\
flow: main
vars: {n: 0, picked: null, order: {}, result: {}}
steps:
  - id: hi
    send:
      text: {vi: "Chào", en: "Hi"}
      image: "https://cdn.example/a.png"
      caption: {vi: "Ảnh", en: "Photo"}
      buttons: [{vi: "Có", en: "Yes"}, {vi: "Không", en: "No"}]
    fallback_template: {name: order_update, language: vi, params: ["{{ n }}"]}
  - id: menu
    ask:
      text: {vi: "Chọn món", en: "Pick one"}
      list:
        button: {vi: "Xem", en: "View"}
        sections:
          - title: {vi: "Đồ uống", en: "Drinks"}
            rows:
              - {id: tea, title: {vi: "Trà", en: "Tea"}}
              - id: coffee
                title: {vi: "Cà phê", en: "Coffee"}
                description: {vi: "Nóng", en: "Hot"}
    expect: choice
    save: picked
    retries: 0
    retry_message: {vi: "Chọn lại", en: "Pick again"}
    validate: answer != "x"
    extract: {n: number}
    on_fail: bye
  - id: tpl
    template: {name: order_update, language: en, params: ["{{ picked }}"]}
  - id: yes
    consent: opted_in
  - id: fields
    field: {fav: "{{ picked }}"}
  - id: untag
    untag: [old]
  - id: tag
    tag: vip
  - id: call
    call:
      method: POST
      url: "https://api.example/o/{{ n }}"
      headers: {X-Key: "k{{ n }}"}
      body: {a: [1, "{{ n }}", null, true], b: {}}
      timeout: 5s
      retries: 0
    save: order
    on_error: bye
  - id: sub
    run: helper
    with: {count: n + 1}
    save: result
  - id: pause
    wait: {until: now}
  - id: talk
    agent: helper_bot
    until: n > 3
    max_turns: 4
    max_visits: 2
  - id: check
    branch:
      - {if: n > 1, goto: human}
      - {else: away}
  - id: away
    link: helper
  - id: human
    handoff: {vi: "Chờ nhé", en: "Please wait"}
    team: sales
  - id: bye
    end: {vi: "Tạm biệt", en: "Bye"}
"""

HELPER = """\
flow: helper
title: Helper
description: a sub-flow
priority: 3
trigger: {event: customer.tagged, if: customer.name != null}
vars: {count: 0}
steps:
  - id: loop
    goto: done
  - id: done
    end: "Done"
"""

AGENT = """\
agent: helper_bot
model: gpt-4o-mini
prompt: "You help {{ shop.name }}."
handoff: {keywords: [refund], message: "Ok"}
"""


def program() -> Program:
    sources = {"wactl.yaml": PROJECT, "flows/main.yaml": MAIN, "flows/helper.yaml": HELPER,
               "agents/helper_bot.yaml": AGENT}
    result = compile_project({k: textwrap.dedent(v) for k, v in sources.items()})
    assert result.program is not None, [f"{d.span}: {d.code} {d.message}"
                                        for d in result.diagnostics]
    return result.program


def test_the_text_is_what_the_models_dump() -> None:
    built = program()
    text = built.to_json()
    again = Program.from_json(text)
    assert again == built
    assert again.to_json() == text
    assert json.loads(text) == built.to_data()


def test_every_kind_is_lowered() -> None:
    flow = program().flow("main")
    assert flow is not None
    kinds = {step.kind for step in flow.steps.values()}
    assert kinds == {"send", "ask", "template", "consent", "field", "untag", "tag", "call",
                     "run", "wait", "agent", "branch", "link", "handoff", "end"}


def test_optional_parts_given_are_kept_and_absent_ones_left_out() -> None:
    flow = program().flow("main")
    assert flow is not None
    data = {sid: step.to_data() for sid, step in flow.steps.items()}
    assert data["hi"]["params"]["message"]["caption"] == {"en": "Photo", "vi": "Ảnh"}
    assert data["hi"]["params"]["message"]["image"] == "https://cdn.example/a.png"
    assert data["hi"]["params"]["fallback_template"] == {
        "name": "order_update", "language": "vi", "params": ["{{ n }}"]}
    menu = data["menu"]["params"]
    assert menu["retries"] == 0 and menu["validate"] == 'answer != "x"'
    assert menu["message"]["list"]["sections"][0]["rows"][0] == {
        "id": "tea", "title": {"en": "Tea", "vi": "Trà"}}
    request = data["call"]["params"]["request"]
    assert request == {"method": "POST", "url": "https://api.example/o/{{ n }}",
                       "headers": {"X-Key": "k{{ n }}"}, "timeout": 5, "retries": 0,
                       "body": {"a": [1, "{{ n }}", None, True], "b": {}}}
    assert data["sub"]["params"] == {"flow": "helper", "with": {"count": "n + 1"},
                                     "save": "result"}
    assert data["talk"]["params"] == {"agent": "helper_bot", "until": "n > 3", "max_turns": 4}
    assert data["talk"]["max_visits"] == 2
    assert data["pause"]["params"] == {"until": "now"}
    assert data["tpl"]["params"] == {"template": {"name": "order_update", "language": "en",
                                                  "params": ["{{ picked }}"]}}


def test_each_flow_hash_covers_its_data() -> None:
    for flow in program().flows:
        body = flow.to_data()
        body.pop("hash")
        assert flow.hash == content_hash(body)
        assert IRFlow.model_validate({**body, "hash": flow.hash}) == flow
