"""`wactl diff`: directories, bundles and git revisions; text and Markdown; --exit-code."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import BROKEN, HELLO, run_wactl, write_files

CHANGED = (HELLO.replace("keyword: hi", "keyword: [hi, hello]")
           .replace("  - id: route\n", "  - id: route\n    when: 'name != \"\"'\n")
           .replace("      - else: thanks", "      - else: bye")
           + "  - id: bye\n    send: \"Bye {{ name }}\"\n")
OTHER = "flow: other\ntrigger:\n  keyword: other\nsteps:\n  - id: a\n    send: \"A\"\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, {"old/hello.yaml": HELLO, "new/hello.yaml": CHANGED,
                           "new/other.yaml": OTHER})
    return tmp_path


def test_directories_text() -> None:
    result = run_wactl("diff", "old", "new")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Flows: 1 added, 0 removed, 1 changed, 0 unchanged" in out
    assert "+ flow other" in out and "~ flow hello" in out
    assert 'trigger: keyword "hi" -> keyword "hi", "hello"' in out
    assert "+ step bye (send)" in out
    assert "~ step route: when" in out
    assert "- route -[else]-> thanks" in out and "+ route -[else]-> bye" in out
    assert "newly unreachable: thanks" in out


def test_markdown_for_a_pull_request() -> None:
    result = run_wactl("diff", "old", "new", "--format", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("### wactl diff\n")
    assert "| added | `other` | — |" in out
    assert "#### `hello`" in out
    assert ':warning: **newly unreachable**: `thanks`' in out


def test_no_differences_and_exit_code(in_tmp: Path) -> None:
    same = run_wactl("diff", "old", "old", "--exit-code")
    assert same.exit_code == 0 and same.stdout == "No semantic differences.\n"
    assert run_wactl("diff", "old", "new", "--exit-code").exit_code == 1


def test_bundle_against_directory(in_tmp: Path) -> None:
    assert run_wactl("compile", "old", "-o", "old.json").exit_code == 0
    result = run_wactl("diff", "old.json", "new")
    assert result.exit_code == 0 and "~ flow hello" in result.stdout
    assert run_wactl("diff", "old.json", "old").stdout == "No semantic differences.\n"


def test_bad_sides(in_tmp: Path) -> None:
    assert run_wactl("diff", "nothere", "new").exit_code == 2
    write_files(in_tmp, {"junk.json": "{}", "broken/b.yaml": BROKEN})
    assert run_wactl("diff", "junk.json", "new").exit_code == 2
    broken = run_wactl("diff", "broken", "new")
    assert broken.exit_code == 1 and "WA103" in broken.output


def git(*args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_against_a_git_revision(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = in_tmp / "repo"
    write_files(repo, {"flows/hello.yaml": HELLO, ".hidden/x.yaml": "junk: ["})
    monkeypatch.chdir(repo)
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    (repo / "flows/hello.yaml").write_text(CHANGED, encoding="utf-8")
    result = run_wactl("diff", "HEAD", ".")
    assert result.exit_code == 0, result.output
    assert "~ flow hello" in result.stdout and "+ step bye (send)" in result.stdout
    git("commit", "-qam", "second")
    assert run_wactl("diff", "HEAD~1", "HEAD").stdout == result.stdout
    monkeypatch.chdir(repo / "flows")
    assert "~ flow hello" in run_wactl("diff", "HEAD~1", "HEAD").stdout
