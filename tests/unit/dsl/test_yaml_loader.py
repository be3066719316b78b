"""The YAML loader builds the right AST, with spans at the exact key/value positions."""

from __future__ import annotations

import textwrap

from wactl.diagnostics import Diagnostic
from wactl.dsl import ast
from wactl.dsl.yaml.loader import load_yaml


def load(text: str, path: str = "flows/f.yaml") -> tuple[ast.SourceFile, list[Diagnostic]]:
    source, diags = load_yaml(path, textwrap.dedent(text))
    assert source is not None
    return source, diags


def one_flow(text: str) -> ast.Flow:
    source, diags = load(text)
    assert diags == []
    assert len(source.flows) == 1
    return source.flows[0]


def steps(body: str) -> list[ast.StepBase]:
    """Steps of a flow whose `steps:` list is `body` (indented under `steps:`)."""
    text = "flow: f\nsteps:\n" + textwrap.indent(textwrap.dedent(body), "  ")
    return list(one_flow(text).steps)


ORDER = """\
# Order status
flow: order_status
title: Order status
priority: 10
trigger:
  keyword: [order, "đơn hàng"]
vars: {attempts: 0}
steps:
  - id: ask_number
    ask: "What's your order number?"
    expect: number
    save: order_id
    retries: 2
    retry_message: "Order numbers are digits only, like 10423."
    on_fail: human
  - id: route
    branch:
      - if: 'order.status == "shipped"'
        goto: shipped
      - else: human
  - id: shipped
    send:
      text: "On its way with {{ order.carrier }}."
      buttons: ["Track it", "Talk to a person"]
    next: end
  - id: human
    handoff: "A teammate will reply shortly."
"""


def test_language_md_flow_loads_with_every_value() -> None:
    flow = one_flow(ORDER)
    assert (flow.id, flow.title, flow.priority, flow.vars) == \
        ("order_status", "Order status", 10, {"attempts": 0})
    assert isinstance(flow.trigger, ast.KeywordTrigger)
    assert flow.trigger.keywords == ["order", "đơn hàng"]
    ask, branch, send, handoff = flow.steps
    assert isinstance(ask, ast.AskStep) and ask.expect == "number" and ask.retries == 2
    assert ask.save == "order_id" and ask.on_fail == "human"
    assert isinstance(branch, ast.BranchStep) and branch.else_ == "human"
    assert branch.branch[0].if_.src == 'order.status == "shipped"'
    assert isinstance(send, ast.SendStep) and send.next == "end"
    assert [b.variants[""].src for b in send.send.buttons] == ["Track it", "Talk to a person"]
    assert isinstance(handoff, ast.HandoffStep) and handoff.handoff is not None


def test_file_header_comment_and_single_form() -> None:
    source, _ = load(ORDER)
    assert source.comments == ["Order status"] and source.multi is False


def test_step_span_and_value_spans_are_exact() -> None:
    flow = one_flow(ORDER)
    ask = flow.steps[0]
    assert (ask.span.line, ask.span.col) == (9, 5)
    assert isinstance(ask, ast.AskStep)
    assert ask.ask.text is not None
    quoted = ask.ask.text.variants[""].span
    assert (quoted.line, quoted.col) == (10, 11)  # after the opening quote
    arm = flow.steps[1]
    assert isinstance(arm, ast.BranchStep)
    expr = arm.branch[0].if_.span
    assert (expr.line, expr.col) == (18, 14)  # after the single quote


def test_expr_span_in_plain_and_block_scalars() -> None:
    text = "flow: f\nsteps:\n  - id: a\n    when: x > 1\n    send: |\n      Hello\n      there\n"
    flow = one_flow(text)
    step = flow.steps[0]
    assert step.when is not None
    assert (step.when.span.line, step.when.span.col) == (4, 11)
    assert isinstance(step, ast.SendStep) and step.send.text is not None
    block = step.send.text.variants[""]
    assert block.src == "Hello\nthere\n"
    assert (block.span.line, block.span.col) == (6, 7)


def test_multi_flow_file_keeps_comments_per_flow_and_step() -> None:
    source, diags = load("""\
        flows:
          # first flow
          - flow: a
            steps:
              # greet them
              - id: hi
                send: Hi
          # second
          - flow: b
            steps: [{id: bye, end: Bye}]
        """)
    assert diags == [] and source.multi
    assert [f.id for f in source.flows] == ["a", "b"]
    assert source.flows[0].comments == ["first flow"]
    assert source.flows[1].comments == ["second"]
    assert source.flows[0].steps[0].comments == ["greet them"]


def test_block_scalar_lines_are_not_comments() -> None:
    flow = one_flow("flow: f\nsteps:\n  - id: a\n    send: |\n      # not a comment\n"
                    "  # a comment\n  - id: b\n    end:\n")
    assert flow.steps[1].comments == ["a comment"]
    assert flow.steps[0].comments == []


def test_every_trigger_kind() -> None:
    def trig(body: str) -> ast.TriggerBase:
        flow = one_flow(f"flow: f\ntrigger: {body}\nsteps: [{{id: a, end: }}]\n")
        assert flow.trigger is not None
        return flow.trigger

    assert trig("{keyword: order}").model_dump(by_alias=True) == \
        {"if": None, "kind": "keyword", "keywords": ["order"]}
    regex = trig(r"{regex: '^order\s+(?P<id>\d+)$'}")
    assert isinstance(regex, ast.RegexTrigger) and regex.pattern == r"^order\s+(?P<id>\d+)$"
    intent = trig("{intent: {intent: buy, min_confidence: 0.9}}")
    assert isinstance(intent, ast.IntentTrigger) and intent.min_confidence == 0.9
    beside = trig("{intent: buy, min_confidence: 0.7}")  # the contract's form, like `if:`
    assert isinstance(beside, ast.IntentTrigger) and beside.min_confidence == 0.7
    event = trig("{event: customer.opted_in, if: 'customer.name != null'}")
    assert isinstance(event, ast.EventTrigger) and event.if_ is not None
    schedule = trig("{schedule: {cron: '0 9 * * *', audience: 'x'}}")
    assert isinstance(schedule, ast.ScheduleTrigger) and schedule.cron == "0 9 * * *"


def test_step_kinds_and_their_keys() -> None:
    got = steps("""\
        - {id: t, template: {name: order_update, language: vi, params: ["{{ x }}"]}}
        - {id: s, set: {amount: null, n: 5, ok: true, name: '"Lan"'}}
        - {id: tg, tag: vip}
        - {id: ut, untag: [a, b]}
        - {id: fl, field: {plan: Gold}}
        - {id: c, consent: opted_in}
        - {id: w, wait: 1h30m}
        - {id: w2, wait: {until: 'x == 1'}}
        - {id: ag, agent: sales, until: done, max_turns: 5}
        - {id: h, handoff: , team: support}
        - {id: g, goto: t}
        - {id: r, run: sub, with: {a: 1}, save: out}
        - {id: l, link: other}
        - {id: e, end: }
        - {id: cl, call: {method: POST, url: "https://x", body: {a: [1, 2.5]}}, save: res}
        """)
    t, s, tg, ut, fl, c, w, w2, ag, h, g, r, lk, e, cl = got
    assert isinstance(t, ast.TemplateStep) and t.template.params[0].src == "{{ x }}"
    assert isinstance(s, ast.SetStep)
    assert {k: v.src for k, v in s.set.items()} == \
        {"amount": "null", "n": "5", "ok": "true", "name": '"Lan"'}
    assert isinstance(tg, ast.TagStep) and tg.tag == ["vip"]
    assert isinstance(ut, ast.UntagStep) and ut.untag == ["a", "b"]
    assert isinstance(fl, ast.FieldStep) and fl.field["plan"].src == "Gold"
    assert isinstance(c, ast.ConsentStep) and c.consent == "opted_in"
    assert isinstance(w, ast.WaitStep) and w.wait is not None and w.wait.seconds == 5400
    assert isinstance(w2, ast.WaitStep) and w2.until is not None and w2.wait is None
    assert isinstance(ag, ast.AgentStep) and ag.max_turns == 5
    assert isinstance(h, ast.HandoffStep) and h.handoff is None and h.team == "support"
    assert isinstance(g, ast.GotoStep) and g.goto == "t"
    assert isinstance(r, ast.RunStep) and r.with_["a"].src == "1" and r.save == "out"
    assert isinstance(lk, ast.LinkStep) and isinstance(e, ast.EndStep) and e.end is None
    assert isinstance(cl, ast.CallStep) and cl.call.body == {"a": [1, 2.5]}


def test_ask_with_every_key_and_languages() -> None:
    (ask,) = steps("""\
        - id: when_date
          ask: {text: {vi: "Ngày nào?", en: "Which date?"}, buttons: [{vi: Mai, en: Tomorrow}]}
          expect: regex:^\\d+$
          retries: 3
          validate: answer > start_date
          extract: {date: date, people: number}
          timeout: 2h
          on_timeout: bye
          when: 'recipient == null'
          max_visits: 4
        """)
    assert isinstance(ask, ast.AskStep)
    assert ask.ask.text is not None and set(ask.ask.text.variants) == {"vi", "en"}
    assert ask.expect == r"regex:^\d+$" and ask.extract == {"date": "date", "people": "number"}
    assert ask.timeout is not None and ask.timeout.seconds == 7200
    assert ask.max_visits == 4 and ask.validate_ is not None


def test_send_list_menu_and_media() -> None:
    (send,) = steps("""\
        - id: menu
          send:
            image: https://x/y.png
            caption: Look
            list:
              button: Choose
              sections:
                - title: Shoes
                  rows: [{id: s1, title: Sneaker, description: White}]
          fallback_template: menu_tpl
        """)
    assert isinstance(send, ast.SendStep) and send.send.list_ is not None
    assert send.send.list_.sections[0].rows[0].id == "s1"
    assert send.fallback_template is not None and send.fallback_template.name == "menu_tpl"


def test_agent_file() -> None:
    source, diags = load("""\
        agent: sales_assistant
        model: gpt-4o-mini
        tone: friendly
        language: vi
        constraints:
          - Never promise a delivery date.
        prompt: |
          You help customers of {{ shop.name }}.
        context_messages: 10
        max_tokens: 300
        temperature: 0.3
        handoff:
          keywords: [refund, "hoàn tiền"]
          intents: [complaint]
          message: "Mình chuyển bạn sang nhân viên nhé."
        """, "agents/sales.yaml")
    assert diags == []
    (agent,) = source.agents
    assert agent.temperature == 0.3 and agent.handoff is not None
    assert agent.handoff.keywords == ["refund", "hoàn tiền"]


def test_conversation_test_file() -> None:
    source, diags = load("""\
        test: shipped order
        flow: order_status
        customer: {wa_id: 84901234567, name: Lan, tags: [vip]}
        mocks:
          http:
            - {method: GET, url: "https://x/1", json: {status: shipped}, delay: 10s}
          ai:
            - {agent: sales_assistant, reply: "..."}
        turns:
          - user: order
          - bot: "What's your order number?"
          - user: {button: "Track it"}
          - user: {location: {latitude: 10.7, longitude: 106.6}}
          - bot: {text: "/on its way/", buttons: ["Track it"]}
          - clock: +2h
        expect:
          vars: {order_id: 10423}
          tags: [vip]
          handoff: false
        """, "tests/t.yaml")
    assert diags == []
    (test,) = source.tests
    assert test.customer is not None and test.customer.wa_id == "84901234567"
    assert test.mocks is not None and test.mocks.http[0].delay is not None
    kinds = [t.kind for t in test.turns]
    assert kinds == ["user", "bot", "user", "user", "bot", "clock"]
    clock = test.turns[-1]
    assert isinstance(clock, ast.ClockTurn) and clock.advance.seconds == 7200
    assert test.expect is not None and test.expect.handoff is False


def test_project_file_by_name() -> None:
    source, diags = load("""\
        shop: demo
        language: vi
        languages: [en]
        time_zone: Asia/Ho_Chi_Minh
        paths: {flows: [flows, more]}
        templates: {order_update: {params: 2, languages: [vi]}}
        secrets: [SHOP_TOKEN]
        """, "wactl.yaml")
    assert diags == [] and source.project is not None
    assert source.project.paths.flows == ["flows", "more"]
    assert source.project.templates["order_update"].params == 2


def test_project_egress_settings() -> None:
    source, diags = load("""\
        egress: {allow_hosts: [API.Shop.Example., "*.cdn.example"], allow_http: true}
        """, "wactl.yaml")
    assert diags == [] and source.project is not None
    assert source.project.egress.allow_hosts == ["api.shop.example", "*.cdn.example"]
    assert source.project.egress.allow_http is True
    assert ast.Project().egress == ast.Egress(allow_hosts=[], allow_http=False)


def test_project_egress_mistakes_are_diagnostics() -> None:
    _, diags = load("egress: {allow_host: [a.example], allow_http: yes please}\n", "wactl.yaml")
    assert [d.code for d in diags] == ["WA103", "WA104"]
    assert "allow_hosts" in (diags[0].hint or diags[0].message)


def test_empty_files_declare_nothing() -> None:
    assert load("")[1] == [] and load("# only a comment\n")[0].comments == ["only a comment"]
    source, diags = load("", "wactl.yaml")
    assert diags == [] and ast.same(source.project, ast.Project())


def test_merge_keys_and_aliases_are_read() -> None:
    flow = one_flow("""\
        flow: f
        steps:
          - &base {id: a, send: Hi, next: b}
          - <<: *base
            id: b
            next: end
        """)
    assert [(s.id, s.next) for s in flow.steps] == [("a", "b"), ("b", "end")]
