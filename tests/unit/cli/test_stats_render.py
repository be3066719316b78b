"""`wactl stats`' funnel chart: bars in proportion, per version, steps in order."""

from __future__ import annotations

from wactl.cli.commands.stats import WIDTH, render_funnel


def test_bars_are_in_proportion_per_version() -> None:
    text = render_funnel({"flow": "order", "steps": [
        {"step": "ask", "version": "v1aaaaaaaaaaaaa", "runs": 10},
        {"step": "lookup", "version": "v1aaaaaaaaaaaaa", "runs": 5},
        {"step": "ask", "version": "v2bbbbbbbbbbbbb", "runs": 3}]})
    lines = text.splitlines()
    assert lines[0] == "order @ v1aaaaaaaaaa"
    assert lines[1].count("█") == WIDTH and lines[1].endswith(" 10")
    assert lines[2].count("█") == WIDTH // 2 and lines[2].strip().startswith("lookup")
    assert lines[3] == "order @ v2bbbbbbbbbb" and lines[4].count("█") == WIDTH


def test_a_flow_no_run_reached_says_so() -> None:
    assert render_funnel({"flow": "x", "steps": []}) == "x: no run has reached a step yet\n"


def test_how_the_runs_ended_is_beneath_the_bars_of_their_version() -> None:
    text = render_funnel({"flow": "order", "steps": [
        {"step": "ask", "version": "v1aaaaaaaaaaaaa", "runs": 4},
        {"step": "phone", "version": "v1aaaaaaaaaaaaa", "runs": 2},
        {"step": "ask", "version": "v2bbbbbbbbbbbbb", "runs": 1}], "versions": [
        {"version": "v1aaaaaaaaaaaaa", "started": 5, "completed": 1, "handed_off": 1,
         "dropped": 2,
         "in_progress": 1, "dropped_at": [{"step": "phone", "runs": 1},
                                          {"step": "ask", "runs": 1}]},
        {"version": "v2bbbbbbbbbbbbb", "started": 1, "completed": 1, "handed_off": 0,
         "dropped": 0,
         "in_progress": 0, "dropped_at": []}]})
    lines = text.splitlines()
    assert lines[3] == ("  started 5 · completed 1 · handed off 1 · dropped 2 (phone 1, "
                        "ask 1) · in progress 1")
    assert lines[4] == "order @ v2bbbbbbbbbb"
    assert lines[6] == ("  started 1 · completed 1 · handed off 0 · dropped 0 · "
                        "in progress 0")
