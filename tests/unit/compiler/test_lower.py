"""Lowering AST → IR: per-kind params, edges, triggers, agents, and spelling independence."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from wactl.compiler import Program, compile_project
from wactl.compiler.lower import normalize_keyword
from wactl.dsl import load_source
from wactl.dsl.yaml.dump import dump_yaml

PROJECT = "languages: [en]\n"


def lower(text: str, **extra: str) -> Program:
    sources = {"wactl.yaml": PROJECT, "flows/f.yaml": textwrap.dedent(text)}
    sources.update({path: textwrap.dedent(t) for path, t in extra.items()})
    result = compile_project(sources)
    assert result.program is not None, [str(d) + d.message for d in result.diagnostics]
    return result.program


def steps_of(program: Program, flow_id: str = "f") -> dict[str, Any]:
    flow = program.flow(flow_id)
    assert flow is not None
    return {sid: step.to_data() for sid, step in flow.steps.items()}


def test_step_params_and_edges() -> None:
    program = lower("""
        flow: f
        vars: {n: 0, picked: null}
        steps:
          - id: s
            set: {b: 1, a: b + 1}
            when: n == 0
          - id: q
            ask: {text: {vi: "Chọn", en: "Pick"}, buttons: [{vi: "Có", en: "Yes"}]}
            expect: choice
            save: picked
            timeout: 2h
            on_timeout: done
          - id: c
            call: {method: POST, url: "https://x.example/{{ picked }}", body: {}, timeout: 5s}
            save: r
            on_error: done
            max_visits: 3
          - id: done
            end: "Bye"
        """)
    steps = steps_of(program)
    assert steps["s"]["params"] == {"assign": [{"name": "b", "value": "1"},
                                               {"name": "a", "value": "b + 1"}]}
    assert steps["s"]["when"] == "n == 0"
    assert [(e["kind"], e["to"]) for e in steps["s"]["edges"]] == [("next", "q"), ("skip", "q")]
    assert steps["q"]["params"] == {
        "message": {"text": {"en": "Pick", "vi": "Chọn"}, "buttons": [{"en": "Yes", "vi": "Có"}]},
        "expect": "choice", "save": "picked", "retries": 2, "timeout": 7200}
    assert [(e["kind"], e["to"]) for e in steps["q"]["edges"]] == [
        ("next", "c"), ("fail", "end"), ("timeout", "done")]
    assert steps["c"]["params"]["request"] == {"method": "POST", "body": {}, "timeout": 5,
                                               "url": "https://x.example/{{ picked }}"}
    assert steps["c"]["max_visits"] == 3
    assert steps["done"] == {"kind": "end", "when": None, "max_visits": None,
                             "params": {"message": "Bye"},
                             "edges": [{"to": "end", "kind": "next", "label": ""}]}


def test_branch_run_link_wait_and_tags() -> None:
    program = lower("""
        flow: f
        steps:
          - id: route
            branch:
              - if: 'customer.name == "Lan"'
                goto: sub
              - else: nap
          - id: nap
            wait: 1h
          - id: tags
            tag: [vip, new]
          - id: sub
            run: g
            with: {x: 1}
            save: out
          - id: away
            link: g
        """, **{"flows/g.yaml": """
        flow: g
        vars: {x: 0}
        steps:
          - id: hi
            send: hi
        """})
    steps = steps_of(program)
    assert steps["route"]["params"] == {"arms": [{"if": 'customer.name == "Lan"',
                                                  "goto": "sub"}], "else": "nap"}
    assert [e["label"] for e in steps["route"]["edges"]] == ['customer.name == "Lan"', "else"]
    assert steps["nap"]["params"] == {"seconds": 3600}
    assert steps["tags"]["params"] == {"tags": ["vip", "new"]}
    assert steps["sub"]["params"] == {"flow": "g", "with": {"x": "1"}, "save": "out"}
    assert steps["away"]["params"] == {"flow": "g"}


def test_trigger_keywords_keep_raw_and_normalised_forms() -> None:
    program = lower("""
        flow: f
        trigger: {keyword: ["Đơn  Hàng", ORDER], if: 'customer.name != null'}
        priority: 5
        steps:
          - id: hi
            send: hi
        """)
    flow = program.flow("f")
    assert flow is not None and flow.priority == 5 and flow.entry == "hi"
    trigger = flow.to_data()["trigger"]
    assert trigger == {"kind": "keyword", "if": "customer.name != null",
                       "keywords": ["Đơn  Hàng", "ORDER"], "normalized": ["don hang", "order"]}


def test_normalize_keyword() -> None:
    assert normalize_keyword("  Hoàn   TIỀN ") == "hoan tien"
    assert normalize_keyword("ĐẶT HÀNG") == "dat hang"
    assert normalize_keyword("Café") == "cafe"


def test_agents_are_sorted_with_defaults_resolved() -> None:
    agent = """
        agent: {id}
        prompt: "Help customers of {{{{ shop.name }}}}"
        handoff: {{keywords: ["Hoàn tiền"]}}
        """
    program = lower("""
        flow: f
        steps:
          - id: chat
            agent: alpha
        """, **{"agents/z.yaml": agent.format(id="zeta"),
                "agents/a.yaml": agent.format(id="alpha")})
    assert [a.id for a in program.agents] == ["alpha", "zeta"]
    alpha = program.agents[0].to_data()
    assert alpha["context_messages"] == 10
    assert alpha["prompt"] == "Help customers of {{ shop.name }}"
    assert alpha["handoff"]["normalized"] == ["hoan tien"]
    assert len(alpha["hash"]) == 64


def test_no_spans_paths_or_comments_enter_the_ir() -> None:
    program = lower("""
        # a comment
        flow: f
        steps:
          # another
          - id: hi
            send: hi
        """)
    text = program.to_json()
    assert "flows/f.yaml" not in text and "comment" not in text and "span" not in text


def test_flow_hash_changes_with_content_and_only_for_that_flow() -> None:
    other = {"flows/g.yaml": "flow: g\nsteps:\n  - id: x\n    send: x\n"}
    one = lower("flow: f\nsteps:\n  - id: hi\n    send: hi\n", **other)
    two = lower("flow: f\nsteps:\n  - id: hi\n    send: hello\n", **other)
    assert one.flows[0].hash != two.flows[0].hash
    assert one.flows[1].hash == two.flows[1].hash
    assert one.hash != two.hash


ORDER_FLOW = '''\
flow order_status "Order status"
  when keyword "order", "đơn hàng"

  ask_number: ask "What's your order number?" as number -> order_id
    retry "Order numbers are digits only, like 10423." 2 times, else human
  lookup: call GET "https://shop.example/api/orders/{{ order_id }}" timeout 5s -> order
    on error sorry
  route: if order.status == "shipped" -> shipped
         else -> pending
  shipped: say "Order {{ order_id }} is on its way with {{ order.carrier }}."
    buttons "Track it", "Talk to a person"
    then end
  pending: say "Order {{ order_id }} is being packed." then end
  sorry: say "Sorry, I can't look that up right now." then human
  human: handoff "A teammate will reply shortly."
'''


def test_yaml_and_flow_spellings_give_identical_bytes() -> None:
    parsed, diags = load_source("order.flow", ORDER_FLOW)
    assert parsed is not None and diags == []
    yaml_text = dump_yaml(parsed)
    from_flow = compile_project({"order.flow": ORDER_FLOW})
    from_yaml = compile_project({"somewhere/else/order.yaml": yaml_text})
    assert from_flow.program is not None and from_yaml.program is not None
    assert from_flow.program.canonical_bytes() == from_yaml.program.canonical_bytes()
    data = json.loads(from_flow.program.to_json())
    assert data["flows"][0]["steps"]["ask_number"]["params"]["expect"] == "number"
