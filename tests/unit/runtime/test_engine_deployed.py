"""What a deploy prepares: edge tables and static options made once, never changed by `handle`."""

from __future__ import annotations

import copy

from engine_harness import Chat, compile_yaml

from wactl.runtime.engine import Engine

FLOW = """
flow: menu
trigger: {keyword: [menu]}
steps:
  - id: pick
    ask: {text: "Which one?", buttons: ["Tea", "Coffee"]}
    expect: choice
    save: drink
  - id: named
    ask: {text: "And your name?", buttons: ["{{ drink }} for me", "Later"]}
    expect: choice
    save: who
  - id: done
    send: "{{ drink }} for {{ who }}"
"""


def tables(engine: Engine) -> tuple[object, ...]:
    d = engine.deployed
    return (copy.deepcopy(dict(d.edges)), copy.deepcopy(dict(d.options)), dict(d.versions),
            dict(d.flows), dict(d.agents))


def test_edges_and_static_options_are_made_at_deploy() -> None:
    engine = Engine(compile_yaml(FLOW))
    flow = engine.flows["menu"]
    d = engine.deployed
    assert d.edges[flow.hash]["pick"] == {"next": ("named",), "fail": ("end",)}
    assert d.targets("menu", flow.hash, "pick", "next") == ("named",)
    assert d.targets("menu", "an unknown version", "pick", "next") == ("named",)
    assert d.targets("menu", flow.hash, "pick", "timeout") == ()
    options = d.options[(flow.hash, "pick", "vi")]
    assert [(o.id, o.title) for o in options] == [("pick.1", "Tea"), ("pick.2", "Coffee")]
    assert (flow.hash, "named", "vi") not in d.options  # a title with a template: per answer


def test_handling_events_changes_nothing_in_the_engine() -> None:
    chat = Chat.of(FLOW)
    deployed, before = chat.engine.deployed, tables(chat.engine)
    assert chat.say("menu") == ["Which one? ['Tea', 'Coffee']"]
    assert chat.say("Coffee") == ["And your name? ['Coffee for me', 'Later']"]
    assert chat.say("Coffee for me") == ["Coffee for Coffee for me"]
    assert chat.engine.deployed is deployed and tables(chat.engine) == before


def test_a_deploy_keeps_earlier_versions_and_their_tables() -> None:
    engine = Engine(compile_yaml(FLOW))
    old = engine.flows["menu"]
    engine.deploy(compile_yaml(FLOW.replace("Which one?", "Which drink?")))
    new = engine.flows["menu"]
    assert new.hash != old.hash and engine.knows(old.hash) and engine.knows(new.hash)
    assert engine.deployed.targets("menu", old.hash, "pick", "next") == ("named",)
    assert (old.hash, "pick", "vi") in engine.deployed.options
