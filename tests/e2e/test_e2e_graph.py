"""`wactl graph FLOW`: Mermaid and DOT drawings from the compiled program."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import BROKEN, HELLO, run_wactl, write_files


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, {"flows/hello.yaml": HELLO})
    return tmp_path


def test_mermaid_is_the_default() -> None:
    result = run_wactl("graph", "hello", "flows")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("flowchart TD\n")
    assert 's_ask_name(["ask_name<br/><i>ask</i>"]):::waiting' in out
    assert 's_route -->|"name == #quot;Lan#quot;"| s_vip' in out
    assert 's_route -->|"else"| s_thanks' in out
    assert 's_ask_name -.->|"fail"| __end' in out
    assert "__start --> s_greet" in out


def test_dot() -> None:
    result = run_wactl("graph", "hello", "flows", "--format", "dot")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('digraph "hello" {')
    assert '"greet" -> "ask_name" [label="next"];' in result.stdout
    assert '"ask_name" [label="ask_name\\nask", shape=box, style="rounded,filled,bold"' in \
        result.stdout


def test_unknown_flow_is_a_usage_error_with_a_suggestion() -> None:
    result = run_wactl("graph", "helo", "flows")
    assert result.exit_code == 2
    assert "no flow `helo`" in result.output and "did you mean `hello`?" in result.output


def test_a_broken_project_cannot_be_drawn(in_tmp: Path) -> None:
    write_files(in_tmp, {"flows/broken.yaml": BROKEN})
    result = run_wactl("graph", "hello", "flows")
    assert result.exit_code == 1 and "WA103" in result.output
