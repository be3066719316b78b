"""AST → canonical YAML text, for `wactl fmt --to yaml` and round-trip tests.

Keys come in LANGUAGE.md's order (a step's `id`, then its kind key and that kind's
keys, then `when`/`next`), short forms are used where they say exactly the same thing
(`send: "Hi"`, `template: name`, `intent: x`), durations use the largest unit that
divides evenly (`90s`, `1h`, `90m`), and keys that hold their default are left out.
`load_yaml(path, dump_yaml(f))` gives an AST `same()` as `f`, and dumping is idempotent.

A YAML file holds one kind of thing: a SourceFile with flows dumps its flows (and only
them); otherwise its first agent, else its first test, else its project.
"""

from __future__ import annotations

from typing import Any

from wactl.dsl import ast
from wactl.dsl.yaml._emit import Item, Raw, comment_lines, float_text, json_tree, render
from wactl.dsl.yaml._steps_dump import expr_tree, step_tree, text_tree
from wactl.dsl.yaml._tests_dump import conv_test_tree

Tree = dict[str, Any]


def dump_yaml(file: ast.SourceFile) -> str:
    """The canonical YAML spelling of `file` (see module doc for what one file holds)."""
    comments = list(file.comments)
    tree: Any
    if file.flows and (file.multi or len(file.flows) > 1):
        tree = {"flows": [Item(flow_tree(f), f.comments, blank_before=True) for f in file.flows]}
    elif file.flows:
        comments += file.flows[0].comments
        tree = flow_tree(file.flows[0])
    elif file.agents:
        comments += file.agents[0].comments
        tree = agent_tree(file.agents[0])
    elif file.tests:
        tree = conv_test_tree(file.tests[0])
    elif file.project is not None:
        tree = project_tree(file.project)
    else:
        return "".join(f"{line}\n" for line in comment_lines(comments, ""))
    return render(tree, comments)


def flow_tree(flow: ast.Flow) -> Tree:
    tree: Tree = {"flow": flow.id}
    _put(tree, "title", flow.title)
    _put(tree, "description", flow.description)
    if flow.priority is not None:
        tree["priority"] = Raw(str(flow.priority))
    if flow.trigger is not None:
        tree["trigger"] = trigger_tree(flow.trigger)
    if flow.vars:
        tree["vars"] = json_tree(flow.vars)
    if flow.rule:
        tree["rule"] = Raw("true")
    tree["steps"] = [Item(step_tree(s), s.comments) for s in flow.steps]
    return tree


def trigger_tree(trigger: ast.TriggerBase) -> Tree:
    tree: Tree = {}
    if isinstance(trigger, ast.KeywordTrigger):
        tree["keyword"] = list(trigger.keywords)
    elif isinstance(trigger, ast.RegexTrigger):
        tree["regex"] = trigger.pattern
    elif isinstance(trigger, ast.IntentTrigger):
        tree["intent"] = trigger.intent
        if trigger.min_confidence is not None:  # beside `intent:`, as the contract has it
            tree["min_confidence"] = Raw(float_text(trigger.min_confidence))
    elif isinstance(trigger, ast.EventTrigger):
        tree["event"] = trigger.event
    elif isinstance(trigger, ast.ScheduleTrigger):
        schedule: Tree = {"cron": trigger.cron}
        if trigger.audience is not None:
            schedule["audience"] = expr_tree(trigger.audience)
        tree["schedule"] = schedule
    if trigger.if_ is not None:
        tree["if"] = expr_tree(trigger.if_)
    return tree


def agent_tree(agent: ast.Agent) -> Tree:
    tree: Tree = {"agent": agent.id, "model": agent.model}
    _put(tree, "tone", agent.tone)
    _put(tree, "language", agent.language)
    if agent.constraints:
        tree["constraints"] = list(agent.constraints)
    if agent.prompt is not None:
        tree["prompt"] = agent.prompt.src
    for name in ("context_messages", "max_tokens"):
        value = getattr(agent, name)
        if value is not None:
            tree[name] = Raw(str(value))
    if agent.temperature is not None:
        tree["temperature"] = Raw(float_text(agent.temperature))
    if agent.handoff is not None:
        tree["handoff"] = _agent_handoff(agent.handoff)
    return tree


def _agent_handoff(handoff: ast.AgentHandoff) -> Tree:
    tree: Tree = {}
    if handoff.keywords:
        tree["keywords"] = list(handoff.keywords)
    if handoff.intents:
        tree["intents"] = list(handoff.intents)
    if handoff.message is not None:
        tree["message"] = text_tree(handoff.message)
    return tree


def project_tree(project: ast.Project) -> Tree:
    """`wactl.yaml` with the keys it wrote, and any other that differs from its default."""
    tree: Tree = {}
    kept = set(project.written)
    _put(tree, "shop", project.shop)
    if "language" in kept or project.language != _PROJECT.language:
        tree["language"] = project.language
    if project.languages or "languages" in kept:
        tree["languages"] = list(project.languages)
    if "timezone" in kept or project.timezone != _PROJECT.timezone:
        tree["timezone"] = project.timezone
    _put(tree, "service_url", project.service_url)
    written = set(project.paths.written)
    paths = {name: list(getattr(project.paths, name)) for name in ("flows", "agents", "tests")
             if getattr(project.paths, name) != [name] or name in written}
    if paths or "paths" in kept:
        tree["paths"] = paths
    if project.templates:
        tree["templates"] = {name: _template_spec(spec)
                             for name, spec in project.templates.items()}
    if project.secrets:
        tree["secrets"] = list(project.secrets)
    egress: Tree = {}
    if project.egress.allow_hosts:
        egress["allow_hosts"] = list(project.egress.allow_hosts)
    if project.egress.allow_http:
        egress["allow_http"] = Raw("true")
    if egress:
        tree["egress"] = egress
    return tree


_PROJECT = ast.Project()


def _template_spec(spec: ast.TemplateSpec) -> Tree:
    tree: Tree = {"params": Raw(str(spec.params))}
    if spec.languages:
        tree["languages"] = list(spec.languages)
    return tree


def _put(tree: Tree, key: str, value: str | None) -> None:
    if value is not None:
        tree[key] = value
