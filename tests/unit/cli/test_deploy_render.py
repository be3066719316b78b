"""`wactl deploy`'s plan as a table and as Markdown: flows with their runs in progress,
then agents, then the project's settings when they change."""

from __future__ import annotations

from typing import Any

from wactl.cli.commands.deploy import render_markdown, render_table

PLAN: dict[str, Any] = {
    "shop_id": "alpha", "bundle_hash": "b" * 64, "changes": 3, "applied": False,
    "entries": [{"flow": "hello", "action": "change", "old_version": "1" * 64,
                 "new_version": "2" * 64, "runs_in_progress": 4},
                {"flow": "menu", "action": "keep", "old_version": "3" * 64,
                 "new_version": "3" * 64, "runs_in_progress": 0}],
    "agents": [{"agent": "sales", "action": "add", "old_hash": None, "new_hash": "4" * 64}],
    "settings": "change"}


def test_the_table_lists_flows_agents_and_settings() -> None:
    lines = render_table(PLAN).splitlines()
    assert lines[1].split() == ["~", "hello", "change", "1" * 12, "2" * 12, "4"]
    assert lines[3].split() == ["+", "agent", "sales", "add", "4" * 12]
    assert lines[4].split() == ["~", "settings", "change"]
    assert "Plan (not applied): 3 change(s) for shop alpha." in lines[-1]


def test_markdown_has_one_row_each_and_no_settings_row_when_kept() -> None:
    md = render_markdown({**PLAN, "settings": "keep"}).splitlines()
    assert md[2] == f"| ~ | `hello` | change | {'1' * 12} | {'2' * 12} | 4 |"
    assert md[4] == f"| + | `agent sales` | add |  | {'4' * 12} |  |"
    assert not any("settings" in line for line in md)
