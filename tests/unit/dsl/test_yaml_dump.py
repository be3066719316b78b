"""dump_yaml: canonical, idempotent, and load_yaml(dump_yaml(f)) is the same AST."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.dsl import ast
from wactl.dsl.yaml._emit import scalar
from wactl.dsl.yaml.dump import dump_yaml
from wactl.dsl.yaml.loader import load_yaml


def round_trip(file: ast.SourceFile) -> str:
    """Dump, load back, compare; dump again and compare text (idempotence)."""
    text = dump_yaml(file)
    again, diags = load_yaml(file.path, text)
    assert diags == [], text
    assert again is not None and ast.same(again, file), text
    assert dump_yaml(again) == text
    return text


def loaded(text: str, path: str = "flows/f.yaml") -> ast.SourceFile:
    source, diags = load_yaml(path, textwrap.dedent(text))
    assert diags == [] and source is not None
    return source


RICH_FLOW = """\
# yaml-language-server: $schema=../wactl.schema.json
flows:
  # the main one
  - flow: order_status
    title: "Order: status"
    description: Looks an order up
    priority: -3
    trigger:
      intent: {intent: order_status, min_confidence: 0.85}
      if: 'customer.fields.plan == "Silver"'
    vars: {attempts: 0, note: null, list: [1, 2.5, "3"], nested: {a: true}}
    rule: false
    steps:
      # ask first
      - id: ask_number
        ask:
          text: {vi: "Mã đơn hàng của bạn?", en: "Your order number?"}
          buttons: ["Không nhớ", {vi: "Hủy", en: Cancel}]
        expect: regex:^\\d+$
        save: order_id
        retries: 0
        retry_message: "Digits only: like 10423 # not a comment"
        on_fail: human
        validate: answer > 0
        extract: {date: date}
        timeout: 90s
        on_timeout: human
        when: order_id == null
        max_visits: 3
      - id: lookup
        call:
          method: POST
          url: "https://shop.example/api/orders/{{ order_id }}"
          headers: {Authorization: "Bearer {{ secrets.TOKEN }}"}
          body: {id: "{{ order_id }}", "yes": "no", n: 1e3, empty: ""}
          timeout: 3600s
          retries: 1
        save: order
        on_error: sorry
      - id: route
        branch:
          - {if: 'order.status == "shipped"', goto: shipped}
          - {if: "true", goto: sorry}
          - else: human
      - id: shipped
        send:
          text: |
            Order {{ order_id }} is on its way.
              Indented line, and a # hash.
          image: "{{ order.photo }}"
          list:
            button: Options
            sections:
              - title: Next
                rows:
                  - {id: track, title: "Track: it", description: "Where's my parcel?"}
                  - {id: "123", title: "null"}
        fallback_template: {name: order_update, language: vi, params: ["{{ order_id }}"]}
        next: end
      - {id: t, template: order_update}
      - {id: s, set: {amount: null, n: 5, flag: yes, greeting: '"Chào"'}}
      - {id: tg, tag: vip}
      - {id: ut, untag: [a, "b c", "on"]}
      - {id: fl, field: {Date of birth: "{{ answer }}"}}
      - {id: c, consent: opted_out}
      - {id: w, wait: 5400}
      - {id: w2, wait: {until: "customer.tags contains 'paid'"}}
      - {id: ag, agent: sales_assistant, until: done == true, max_turns: 4}
      - {id: r, run: sub_flow, with: {x: "1 + 2"}, save: result}
      - {id: lk, link: other}
      - {id: g, goto: human}
      - id: sorry
        send: "  leading spaces, and trailing  "
        next: human
      - id: human
        handoff:
        team: support
  - flow: other
    trigger: {schedule: {cron: "0 9 * * *", audience: 'customer.tags contains "cart"'}}
    steps:
      - {id: bye, end: "Tạm biệt! 👋"}
      - {id: bye2, end: }
  - flow: sub_flow
    trigger: {keyword: ["đơn hàng", "yes", "1"]}
    steps: [{id: e, end: }]
  - flow: ev
    trigger: {event: customer.opted_in}
    steps: [{id: e, end: "multi\\nline\\ttab"}]
  - flow: rx
    trigger: {regex: '^order\\s+(?P<order_id>\\d+)$'}
    steps: [{id: e, end: ""}]
"""


def test_rich_flow_file_round_trips_with_comments() -> None:
    source = loaded(RICH_FLOW)
    text = round_trip(source)
    assert text.startswith("# yaml-language-server: $schema=../wactl.schema.json\n\nflows:\n")
    assert "  # the main one\n  - flow: order_status\n" in text
    assert "      # ask first\n      - id: ask_number\n" in text
    again = load_yaml("f.yaml", text)[0]
    assert again is not None and again.flows[0].steps[0].comments == ["ask first"]


def test_canonical_short_forms_and_durations() -> None:
    text = dump_yaml(loaded(RICH_FLOW))
    assert "timeout: 90s" in text and "timeout: 1h" in text and "wait: 90m" in text
    assert "      - id: t\n        template: order_update\n" in text
    assert "n: 5\n" in text and "amount: null" in text and "greeting: '\"Chào\"'" in text
    assert 'ut\n        untag: [a, b c, "on"]' in text


def test_single_flow_file_uses_flow_form() -> None:
    source = loaded("# header\nflow: f\nsteps:\n  # c\n  - {id: a, send: Hi}\n")
    text = round_trip(source)
    assert text == "# header\n\nflow: f\nsteps:\n  # c\n  - id: a\n    send: Hi\n"


def test_agent_test_and_project_files_round_trip() -> None:
    agent = loaded("""\
        agent: sales
        tone: casual
        constraints: ["Never promise: dates", "Be kind"]
        prompt: |
          You help customers of {{ shop.name }}.
          Answer in {{ customer.language }}.
        context_messages: 5
        max_tokens: 300
        temperature: 1
        handoff: {keywords: [refund], message: {vi: "Chờ nhé", en: Wait}}
        """, "agents/sales.yaml")
    round_trip(agent)
    test = loaded("""\
        test: "shipped: order"
        flow: order_status
        customer: {wa_id: "84901234567", name: Lan, tags: [vip], fields: {plan: Gold}}
        mocks:
          http: [{method: GET, url: "https://x", status: 500, json: [1, {a: b}], delay: 10s},
                 {url: "https://y", body: "raw text"}]
          ai: [{agent: sales, reply: "...", intent: buy, extract: {n: 2}}]
        turns:
          - user: "10423"
          - user: {list: row_1}
          - user: {location: {latitude: 10.5, longitude: 106}}
          - bot: {text: "/on its way/", buttons: ["Track it"], list: [a]}
          - bot: {template: order_update}
          - clock: +2h
        expect: {vars: {order_id: 10423}, tags: [], handoff: true, events: [handoff.requested]}
        """, "tests/t.yaml")
    round_trip(test)
    project = loaded("""\
        shop: demo
        languages: [en]
        time_zone: Europe/Paris
        service_url: https://wactl.example
        paths: {flows: [flows, extra]}
        templates: {order_update: {params: 1}, promo: }
        secrets: [TOKEN]
        egress: {allow_hosts: [api.shop.example, "*.cdn.example"], allow_http: true}
        """, "wactl.yaml")
    text = round_trip(project)
    assert "timezone: Europe/Paris" in text
    assert "allow_http: true" in text and "api.shop.example" in text


def test_empty_file_and_comment_only_file() -> None:
    assert dump_yaml(ast.SourceFile(path="f.yaml", spelling="yaml")) == ""
    source = loaded("# just a note\n")
    assert dump_yaml(source) == "# just a note\n"


AWKWARD = [
    "", " ", "yes", "No", "on", "null", "~", "true", "5", "0x1F", "1:30", "1e3", "1.5", ".inf",
    "2024-01-01", "- item", "? q", ": c", "a: b", "a #b", "#x", "'quoted'", '"dq"', "[x]",
    "{y}", "a, b", "*alias", "&anchor", "!tag", "%pct", "@at", "`bt`", "|", ">", "<<",
    "line\nbreak", "trail\n", "two\n\n", "\nlead", " lead", "trail ", "tab\there", "\r",
    "Đơn hàng đã giao", "emoji 👋", "nbsp\u00a0x", "ls\u2028x", "nel\x85x", "bom\ufeff",
    "del\x7f", "back\\slash", "---", "...", "a\n  indented\n", "x\n \ny", "---\nx",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_awkward_strings_round_trip_everywhere(value: str) -> None:
    text = ast.Text(variants={"": ast.Template(src=value)})
    step = ast.SendStep(id="a", send=ast.Message(text=text, buttons=[text]))
    set_step = ast.SetStep(id="b", set={"v": ast.Expr(src=value)})
    field = ast.FieldStep(id="c", field={value or "k": ast.Template(src=value)})
    flow = ast.Flow(id="f", title=value, vars={"v": value}, steps=[step, set_step, field],
                    trigger=ast.KeywordTrigger(keywords=[value, "x"] if value.strip() else ["x"]))
    round_trip(ast.SourceFile(path="f.yaml", spelling="yaml", flows=[flow]))


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text(min_size=1))
def test_any_text_round_trips(value: str, key: str) -> None:
    text = ast.Text(variants={"": ast.Template(src=value)})
    flow = ast.Flow(id="f", description=value, steps=[
        ast.SendStep(id="a", send=ast.Message(text=text), comments=[value]),
        ast.FieldStep(id="b", field={key: ast.Template(src=value)}),
    ])
    round_trip(ast.SourceFile(path="f.yaml", spelling="yaml", flows=[flow], comments=[key]))


EXAMPLES = Path(__file__).resolve().parents[3] / "flows"


def test_example_project_round_trips() -> None:
    files = sorted(EXAMPLES.rglob("*.y*ml"))
    assert files, f"no example YAML files under {EXAMPLES}"
    checked = 0
    for path in files:
        source, diags = load_yaml(str(path), path.read_text(encoding="utf-8"))
        if source is not None and diags == []:
            round_trip(source)
            checked += 1
    assert checked == len(files), "every example file loads cleanly, so every one is checked"


@pytest.mark.parametrize("text", [
    "shop: s\n",
    "shop: s\npaths:\n  flows: [flows]\n",
    "language: vi\ntimezone: Asia/Ho_Chi_Minh\npaths: {}\n",
    "shop: s\nlanguages: []\npaths:\n  tests: [tests]\n",
])
def test_the_project_file_keeps_its_keys_and_gains_none(text: str) -> None:
    from wactl.dsl.fmt import format_source

    plan = format_source("wactl.yaml", text)
    assert plan.diagnostics == [] and plan.new_text == text


def test_the_project_file_spells_time_zone_as_timezone() -> None:
    from wactl.dsl.fmt import format_source

    plan = format_source("wactl.yaml", "time_zone: Asia/Ho_Chi_Minh\n")
    assert plan.new_text == "timezone: Asia/Ho_Chi_Minh\n"


def test_min_confidence_is_written_beside_intent() -> None:
    flow = ast.Flow(id="f", trigger=ast.IntentTrigger(intent="buy", min_confidence=0.8),
                    steps=[ast.EndStep(id="e")])
    text = dump_yaml(ast.SourceFile(path="f.yaml", spelling="yaml", flows=[flow]))
    assert "trigger:\n  intent: buy\n  min_confidence: 0.8\n" in text


def test_a_question_mark_in_a_flow_list_is_quoted() -> None:
    """PyYAML ends a plain scalar at `?` inside `[...]`: `[0?]` does not parse."""
    for value in ("0?", "a?b", "bạn?"):
        assert yaml.safe_load(f"x: [{scalar(value, flow=True)}]") == {"x": [value]}
