"""The `.flow` parser, construct by construct, with exact spans."""

from __future__ import annotations

from typing import Any

import pytest

from wactl.diagnostics import Span
from wactl.dsl import ast
from wactl.dsl.flow.fmt import duration, format_flow
from wactl.dsl.flow.parser import parse_flow


def flow_of(text: str) -> ast.Flow:
    file, diags = parse_flow("t.flow", text)
    assert diags == []
    assert file is not None and len(file.flows) == 1
    return file.flows[0]


def step_of(body: str) -> Any:
    return flow_of("flow f\n" + body).steps[0]


def plain(src: str) -> ast.Text:
    return ast.Text(variants={"": ast.Template(src=src)})


def test_flow_header_and_attributes() -> None:
    flow = flow_of('flow order_status "Order status"\n  description "Where is it?"\n'
                   "  priority 10\n  rule\n  var attempts = 0, cart = [1, \"x\"]\n"
                   "  var on = true\n")
    assert (flow.id, flow.title, flow.description, flow.priority, flow.rule) == (
        "order_status", "Order status", "Where is it?", 10, True)
    assert flow.vars == {"attempts": 0, "cart": [1, "x"], "on": True}
    assert flow.span == Span("t.flow", 1, 1, 1, 18)


@pytest.mark.parametrize(("line", "expected"), [
    ('when keyword order, "đơn hàng"', ast.KeywordTrigger(keywords=["order", "đơn hàng"])),
    ('when regex "^order\\s+(\\d+)$"', ast.RegexTrigger(pattern="^order\\s+(\\d+)$")),
    ("when intent order_status confidence 0.9",
     ast.IntentTrigger(intent="order_status", min_confidence=0.9)),
    ("when event customer.opted_in", ast.EventTrigger(event="customer.opted_in")),
    ('when schedule "0 9 * * *"\n    audience customer.tags contains "cart"',
     ast.ScheduleTrigger(cron="0 9 * * *", audience=ast.Expr(src='customer.tags contains "cart"'))),
    ('when keyword hi if customer.fields.plan == "Silver"',
     ast.KeywordTrigger(keywords=["hi"], if_=ast.Expr(src='customer.fields.plan == "Silver"'))),
])
def test_triggers(line: str, expected: ast.Trigger) -> None:
    assert ast.same(flow_of(f"flow f\n  {line}\n").trigger, expected)


def test_expression_span_starts_at_its_first_character() -> None:
    trig = flow_of('flow f\n  when keyword hi if  a == "x -> y"  \n').trigger
    assert trig is not None and trig.if_ is not None
    assert trig.if_.src == 'a == "x -> y"'
    assert trig.if_.span == Span("t.flow", 2, 23, 2, 36)


def test_backtick_expression_and_its_span() -> None:
    step = step_of("  s: set x = `a -> b`\n")
    assert step.set["x"].src == "a -> b"
    assert step.set["x"].span == Span("t.flow", 2, 15, 2, 21)


def test_template_span_skips_the_quote() -> None:
    step = step_of('  hi: say "Hello {{ name }}"\n')
    tpl = step.send.text.variants[""]
    assert tpl.src == "Hello {{ name }}"
    assert tpl.span == Span("t.flow", 2, 12, 2, 28)
    assert step.span == Span("t.flow", 2, 3, 2, 5)


def test_ask_with_every_clause() -> None:
    step = step_of(
        '  q: ask "When?" as date -> day\n'
        '    retry "A date, like 12/3." 3 times, else human\n'
        "    validate answer > today\n"
        "    extract day as date, people as number\n"
        "    timeout 15m\n"
        "    on timeout remind\n"
        "    when day == null\n"
        "    at most 4 visits\n"
        "    then next_one\n")
    expected = ast.AskStep(
        id="q", ask=ast.Message(text=plain("When?")), expect="date", save="day", retries=3,
        retry_message=plain("A date, like 12/3."), on_fail="human",
        validate_=ast.Expr(src="answer > today"), extract={"day": "date", "people": "number"},
        timeout=ast.Duration(seconds=900), on_timeout="remind", when=ast.Expr(src="day == null"),
        max_visits=4, next="next_one")
    assert ast.same(step, expected)


def test_ask_regex_expect_and_on_fail_alone() -> None:
    step = step_of('  q: ask "Code?" as regex "^\\d{4}$"\n    on fail human\n')
    assert (step.expect, step.on_fail, step.retries) == ("regex:^\\d{4}$", "human", None)


def test_send_message_with_media_buttons_list_and_fallback() -> None:
    step = step_of(
        "  m: say\n    vi \"Chọn\"\n    en \"Pick\"\n    image \"https://x/a.png\"\n"
        "    caption \"A\"\n    buttons \"Yes\", vi \"Không\" en \"No\"\n"
        "    list \"Open\"\n      section \"Shoes\"\n"
        "        row s1 \"Sneakers\" description \"Soft\"\n"
        "      section\n"
        "    fallback template order_update in vi params \"{{ x }}\", \"b\"\n")
    msg = step.send
    assert msg.text.variants["vi"].src == "Chọn" and msg.text.variants["en"].src == "Pick"
    assert msg.image.src == "https://x/a.png"
    assert [b.variants for b in msg.buttons][1]["en"].src == "No"
    assert msg.list_.sections[0].rows[0].id == "s1"
    assert msg.list_.sections[0].rows[0].description.variants[""].src == "Soft"
    assert msg.list_.sections[1].title is None and msg.list_.sections[1].rows == []
    fb = step.fallback_template
    assert (fb.name, fb.language, [p.src for p in fb.params]) == ("order_update", "vi",
                                                                  ["{{ x }}", "b"])


def test_branch_head_arm_body_arms_and_else() -> None:
    step = step_of('  r: if a == "x" -> one\n     if b -> two\n     else -> three\n')
    assert [(a.if_.src, a.goto) for a in step.branch] == [('a == "x"', "one"), ("b", "two")]
    assert step.else_ == "three"
    assert step_of("  r: branch\n    else other\n").branch == []


def test_call_step() -> None:
    step = step_of('  c: call post "https://x/{{ id }}" -> res\n'
                   '    header Authorization = "Bearer {{ secrets.token }}"\n'
                   '    body {"id": "{{ id }}", "n": [1, 2.5, null]}\n'
                   "    timeout 5s\n    retry 2 times\n    on error sorry\n")
    call = step.call
    assert (call.method, call.url.src, call.retries, call.timeout.seconds) == (
        "POST", "https://x/{{ id }}", 2, 5)
    assert call.headers["Authorization"].src == "Bearer {{ secrets.token }}"
    assert call.body == {"id": "{{ id }}", "n": [1, 2.5, None]}
    assert (step.save, step.on_error) == ("res", "sorry")


@pytest.mark.parametrize(("body", "expected"), [
    ("  s: set a = 1\n    set b = null\n",
     ast.SetStep(id="s", set={"a": ast.Expr(src="1"), "b": ast.Expr(src="null")})),
    ('  t: tag vip, "big spender"\n', ast.TagStep(id="t", tag=["vip", "big spender"])),
    ("  t: untag cart\n", ast.UntagStep(id="t", untag=["cart"])),
    ('  f: field plan = "Gold"\n    field "Ngày sinh" = "{{ d }}"\n',
     ast.FieldStep(id="f", field={"plan": ast.Template(src="Gold"),
                                  "Ngày sinh": ast.Template(src="{{ d }}")})),
    ("  c: consent opted_out\n", ast.ConsentStep(id="c", consent="opted_out")),
    ("  w: wait 1h30m\n", ast.WaitStep(id="w", wait=ast.Duration(seconds=5400))),
    ("  w: wait\n    until order.paid\n", ast.WaitStep(id="w", until=ast.Expr(src="order.paid"))),
    ("  a: agent sales for 5 turns\n    until done\n",
     ast.AgentStep(id="a", agent="sales", max_turns=5, until=ast.Expr(src="done"))),
    ('  h: handoff "Wait a moment" to support\n',
     ast.HandoffStep(id="h", handoff=plain("Wait a moment"), team="support")),
    ("  h: handoff\n", ast.HandoffStep(id="h")),
    ("  g: goto start\n", ast.GotoStep(id="g", goto="start")),
    ("  r: run checkout -> result\n    with amount = total * 2\n",
     ast.RunStep(id="r", run="checkout", save="result",
                 with_={"amount": ast.Expr(src="total * 2")})),
    ("  l: link support\n", ast.LinkStep(id="l", link="support")),
    ('  e: end "Bye!"\n', ast.EndStep(id="e", end=plain("Bye!"))),
    ("  e: end\n", ast.EndStep(id="e")),
    ('  t: template welcome in en params "{{ name }}"\n',
     ast.TemplateStep(id="t", template=ast.TemplateRef(
         name="welcome", language="en", params=[ast.Template(src="{{ name }}")]))),
])
def test_simple_steps(body: str, expected: ast.Step) -> None:
    assert ast.same(step_of(body), expected)


def test_string_escapes() -> None:
    step = step_of('  s: say "a\\"b\\\\c\\nd\\u{1F600}\\d" then end\n')
    assert step.send.text.variants[""].src == 'a"b\\c\nd\U0001F600\\d'
    assert step_of("  s: say 'it\\'s \"x\"'\n").send.text.variants[""].src == "it's \"x\""


def test_several_flows_and_comments() -> None:
    file, diags = parse_flow("t.flow", "# file header\n\n# about a\nflow a\n  # first\n"
                             "  s: say \"x\"\n\nflow b\n  t: end\n# trailing\n")
    assert diags == [] and file is not None
    assert [f.id for f in file.flows] == ["a", "b"]
    assert file.comments == ["file header", "trailing"]
    assert file.flows[0].comments == ["about a"]
    assert file.flows[0].steps[0].comments == ["first"]


def test_windows_newlines_and_no_final_newline() -> None:
    flow = flow_of('flow f\r\n  s: say "x"')
    assert flow.steps[0].span.line == 2


def test_empty_file_is_an_empty_source_file() -> None:
    file, diags = parse_flow("t.flow", "\n\n# only a comment\n")
    assert diags == [] and file is not None and file.flows == []


@pytest.mark.parametrize(("written", "seconds"), [
    ("2d", 172800), ("2 days", 172800), ("1 day", 86400), ("3 hours", 10800), ("1 hour", 3600),
    ("2 hrs", 7200), ("15 minutes", 900), ("5 mins", 300), ("1 min", 60), ("30 seconds", 30),
    ("1h30m", 5400)])
def test_durations_in_words_or_compact(written: str, seconds: int) -> None:
    file, diags = parse_flow("d.flow", f"flow f\n  w: wait {written}\n  a: ask \"x\"\n"
                                       f"    timeout {written}\n")
    assert diags == [] and file is not None
    wait, ask = file.flows[0].steps
    assert isinstance(wait, ast.WaitStep) and isinstance(ask, ast.AskStep)
    assert wait.wait is not None and ask.timeout is not None
    assert (wait.wait.seconds, ask.timeout.seconds) == (seconds, seconds)
    assert "\n  w: wait " + duration(wait.wait) + "\n" in format_flow(file)


@pytest.mark.parametrize(("written", "src"), [
    ('"Hello {{ customer.name | default("there") }}!"',
     'Hello {{ customer.name | default("there") }}!'),
    ("'Hi {{ n | default('bạn') }}'", "Hi {{ n | default('bạn') }}"),
    ('"a \\"q\\" \\\\ {{ x("}") }}"', 'a "q" \\ {{ x("}") }}'),
    ('"{{ x(\\"y\\") }}"', '{{ x("y") }}'),
    ('"{{ open" then end', "{{ open"),
])
def test_quotes_inside_template_holes(written: str, src: str) -> None:
    file, diags = parse_flow("q.flow", f"flow f\n  s: say {written}\n")
    assert diags == [] and file is not None
    [step] = file.flows[0].steps
    assert isinstance(step, ast.SendStep) and step.send.text is not None
    assert step.send.text.variants[""].src == src
