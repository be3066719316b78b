"""Values the AST can hold but the language forbids, for flows not written in YAML.

The YAML loader refuses these while it reads, with the key's exact position; the
`.flow` parser builds whatever its grammar admits.  Checking `.flow` flows (and ASTs
built in code) here gives both spellings the same verdict: an empty keyword list, a
bound of zero, a `wait` with both a duration and `until`, a message with nothing to
send.  Agents are YAML-only, so the loader's checks cover them.
"""

from __future__ import annotations

from wactl.compiler.context import Context
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast


def check(ctx: Context) -> None:
    """WA104 (bad value), WA105 (nothing given), WA111 and WA112 on every non-YAML flow."""
    for flow in _all_flows(ctx):
        problems = _trigger_problems(flow.trigger)
        for step in flow.steps:
            problems.extend(_step_problems(step))
        for code, message, span in problems:
            ctx.bag.add(code, message, span)
        for step in flow.steps:
            if isinstance(step, ast.AskStep):
                _expect_value(ctx, step)


def _all_flows(ctx: Context) -> list[ast.Flow]:
    return [flow for file in ctx.files if file.spelling != "yaml" for flow in file.flows]


Problem = tuple[str, str, Span]


def _trigger_problems(trigger: ast.Trigger | None) -> list[Problem]:
    if isinstance(trigger, ast.KeywordTrigger) and not trigger.keywords:
        return [("WA104", "a keyword trigger needs at least one keyword", trigger.span)]
    if isinstance(trigger, ast.KeywordTrigger) and not all(k.strip() for k in trigger.keywords):
        index = next(i for i, k in enumerate(trigger.keywords) if not k.strip())
        return [("WA104", "a keyword cannot be empty",
                 ast.span_of(trigger, f"keywords.{index}"))]
    if isinstance(trigger, ast.IntentTrigger) and trigger.min_confidence is not None \
            and not 0 <= trigger.min_confidence <= 1:
        return [("WA104", "`min_confidence` must be between 0 and 1, got "
                 f"{trigger.min_confidence:g}", trigger.span)]
    return []


def _step_problems(step: ast.Step) -> list[Problem]:
    out: list[Problem] = []
    if step.max_visits is not None and step.max_visits < 1:
        out.append(("WA104", "`max_visits` must be at least 1", step.span))
    kind = step.kind  # a string comparison first: see `_walk.step_texts`
    if kind == "tag" and isinstance(step, ast.TagStep) and not step.tag \
            or kind == "untag" and isinstance(step, ast.UntagStep) and not step.untag:
        out.append(("WA104", f"`{kind}` needs at least one tag", step.span))
    elif kind == "branch" and isinstance(step, ast.BranchStep) and not step.branch:
        out.append(("WA104", "`branch` needs at least one `if` arm", step.span))
    elif kind == "wait" and isinstance(step, ast.WaitStep):
        out.extend(_wait_problems(step))
    elif kind == "send" and isinstance(step, ast.SendStep):
        out.extend(_message_problems(step.send))
    elif kind == "ask" and isinstance(step, ast.AskStep):
        out.extend(_message_problems(step.ask))
        out.extend(_ask_problems(step))
    elif kind == "agent" and isinstance(step, ast.AgentStep):
        if step.max_turns is not None and step.max_turns < 1:
            out.append(("WA104", "`max_turns` must be at least 1", step.span))
    elif kind == "call" and isinstance(step, ast.CallStep):
        out.extend(_call_problems(step.call))
    return out


def _wait_problems(step: ast.WaitStep) -> list[Problem]:
    if step.wait is not None and step.until is not None:
        return [("WA112", "a `wait` is either a duration or `until`, not both", step.span)]
    if step.wait is None and step.until is None:
        return [("WA105", "a `wait` needs a duration (like `2h`) or `until`", step.span)]
    if step.wait is not None and step.wait.seconds <= 0:
        return [("WA111", "a `wait` must last at least one second", step.wait.span)]
    return []


def _message_problems(msg: ast.Message) -> list[Problem]:
    media = (msg.image, msg.document, msg.audio, msg.video)
    if msg.text is None and all(m is None for m in media) and msg.list_ is None:
        return [("WA105", "this message has nothing to send: give it a text or media",
                 msg.span)]
    if any(not t.variants for t in [msg.text, msg.caption, *msg.buttons] if t is not None):
        return [("WA104", "a per-language text needs at least one language", msg.span)]
    return []


def _ask_problems(step: ast.AskStep) -> list[Problem]:
    out: list[Problem] = []
    if step.retries is not None and step.retries < 0:
        out.append(("WA104", "`retries` cannot be negative", step.span))
    for var, kind in step.extract.items():
        if kind not in ast.EXTRACT_TYPES:
            out.append(("WA104", f"`extract` type of `{var}` must be one of "
                         f"{', '.join(ast.EXTRACT_TYPES)}, got {kind!r}", step.span))
    return out


def _expect_value(ctx: Context, step: ast.AskStep) -> None:
    """WA104 at the `as` value itself, with the closest kind (`numbr` → `number`)."""
    expect = step.expect
    if expect is None or expect in ast.EXPECT_KINDS or expect.startswith("regex:"):
        return
    ctx.bag.add("WA104", f"`expect` must be one of {', '.join(ast.EXPECT_KINDS)} or "
                f"regex:<pattern>, got {expect!r}", ast.span_of(step, "expect"),
                hint=did_you_mean(expect, ast.EXPECT_KINDS))


def _call_problems(call: ast.HttpRequest) -> list[Problem]:
    out: list[Problem] = []
    if call.method not in ast.HTTP_METHODS:
        out.append(("WA104", f"HTTP method must be one of {', '.join(ast.HTTP_METHODS)}, "
                     f"got {call.method!r}", call.span))
    if call.retries is not None and call.retries < 0:
        out.append(("WA104", "`retries` cannot be negative", call.span))
    return out
