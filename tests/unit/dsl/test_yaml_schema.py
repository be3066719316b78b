"""The editor JSON Schema accepts what the loader accepts and rejects typical mistakes."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from wactl.dsl.yaml.loader import load_yaml
from wactl.dsl.yaml.schema import yaml_json_schema

VALIDATOR = jsonschema.Draft7Validator(yaml_json_schema())


def errors(text: str) -> list[str]:
    data: Any = yaml.safe_load(textwrap.dedent(text))
    return [e.message for e in VALIDATOR.iter_errors(data)]


def test_schema_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(yaml_json_schema())


FLOW = """\
    # yaml-language-server: $schema=../wactl.schema.json
    flow: order_status
    priority: 10
    trigger: {intent: {intent: order_status, min_confidence: 0.8}, if: 'x == 1'}
    vars: {attempts: 0}
    steps:
      - id: ask_number
        ask: {text: {vi: "Mã đơn?", en: "Order number?"}, buttons: [Cancel]}
        expect: regex:^\\d+$
        save: order_id
        retries: 2
        timeout: 1h30m
        on_timeout: human
      - id: lookup
        call: {method: GET, url: "https://x/{{ order_id }}", timeout: 5s, body: {a: [1]}}
        save: order
        on_error: human
      - id: route
        branch:
          - {if: 'order.status == "shipped"', goto: done}
          - else: human
      - {id: s, set: {amount: null, n: 5}, when: 'n > 1', max_visits: 3}
      - {id: w, wait: {until: 'x'}}
      - {id: r, run: sub, with: {a: 1}, save: out}
      - id: menu
        send:
          text: Pick
          list: {button: Open, sections: [{title: A, rows: [{id: a, title: A}]}]}
        fallback_template: {name: menu, params: ["{{ x }}"]}
      - {id: human, handoff: , team: support}
      - {id: done, end: }
    """
AGENT = """\
    agent: sales_assistant
    model: gpt-4o-mini
    tone: friendly
    constraints: [Never promise a delivery date.]
    prompt: |
      You help customers of {{ shop.name }}.
    temperature: 0.3
    handoff: {keywords: [refund], message: {vi: "Chờ nhé", en: Wait}}
    """
TEST = """\
    test: shipped order
    flow: order_status
    customer: {wa_id: 84901234567, name: Lan, tags: [vip]}
    mocks:
      http: [{method: GET, url: "https://x", json: {status: shipped}, delay: 10s}]
    turns:
      - user: order
      - user: {button: Track it}
      - bot: {text: "/on its way/", buttons: [Track it]}
      - clock: +2h
    expect: {vars: {order_id: 10423}, handoff: false}
    """
PROJECT = """\
    shop: demo
    language: vi
    timezone: Asia/Ho_Chi_Minh
    templates: {order_update: {params: 1}, promo: }
    """


@pytest.mark.parametrize("text", [FLOW, AGENT, TEST, PROJECT, "flow: f\nsteps: []\n"])
def test_good_samples_validate(text: str) -> None:
    assert errors(text) == []


EXAMPLES = Path(__file__).resolve().parents[3] / "flows"


def test_example_project_files_validate() -> None:
    files = sorted(EXAMPLES.rglob("*.y*ml"))
    assert files, f"no example YAML files under {EXAMPLES}"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(str(path), text)[1] == [], f"{path} is an example: it must load cleanly"
        assert errors(text) == [], path


@pytest.mark.parametrize("text", [
    "flow: f\nsteps:\n  - {id: a, ask: Hi, retires: 2}\n",
    "flow: f\nsteps:\n  - {id: a, send: Hi, ask: Name}\n",
    "flow: f\nsteps:\n  - {id: a, send: Hi, on_fail: b}\n",
    "flow: f\nsteps:\n  - {id: a, wait: 2 fortnights}\n",
    "flow: Order-Status\nsteps: []\n",
    "flow: f\ntrigger: {keyword: a, event: customer.tagged}\n",
    "flow: f\nsteps:\n  - {id: a, ask: Hi, expect: nubmer}\n",
    "agent: a\ntone: grumpy\n",
    "test: t\nturns: [{user: hi, bot: hello}]\n",
    "shop: demo\nlanguge: vi\n",
])
def test_typical_mistakes_are_flagged(text: str) -> None:
    assert errors(text) != []


def test_schema_durations_agree_with_the_loader() -> None:
    import re

    from wactl.dsl.durations import parse_duration
    from wactl.dsl.yaml.schema import DURATION

    for text in ("2 days", "15 minutes", "1h30m", "2d", "30 secs", "+2h", "5min",
                 "2 fortnights", "soon", "1h 30m", "2"):
        loads = parse_duration(text.removeprefix("+")) is not None
        assert loads == bool(re.match(DURATION, text)), text
