"""CLI end-to-end test helpers: small projects as `{path: text}` and an in-process runner."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

from wactl.cli import app

HELLO = """\
flow: hello
trigger:
  keyword: hi
steps:
  - id: greet
    send: "Hello!"
  - id: ask_name
    ask: "What's your name?"
    save: name
  - id: route
    branch:
      - if: 'name == "Lan"'
        goto: vip
      - else: thanks
  - id: vip
    send: "Welcome back, Lan!"
    next: end
  - id: thanks
    send: "Thanks {{ name }}"
"""

BROKEN = """\
flow: broken
trigger:
  keyword: help
steps:
  - id: start
    send: "Hi"
  - id: second
    sendd: "x"
"""
"""WA103 (unknown key `sendd`, did you mean `send`) at flows/broken.yaml:8:5."""

WARN = """\
flow: warn
trigger:
  keyword: warn
steps:
  - id: a
    send: "A"
    next: end
  - id: b
    send: "B"
"""
"""Only a warning: WA301 (step `b` unreachable) at flows/warn.yaml:8:5."""

BILINGUAL = """\
flow: bilingual
trigger:
  keyword: hello
steps:
  - id: greet
    send:
      text: {vi: "Xin chào!", en: "Hello!"}
"""
"""Needs the project's `languages: [en]`, else WA702 (a warning)."""

PROJECT = "shop: demo\nlanguage: vi\nlanguages: [en]\npaths:\n  flows: [flows]\n"


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Create each file (and its folders) below `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_wactl(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Invoke `wactl ARGS` in-process; stdout and stderr both end up in `result.output`."""
    return CliRunner().invoke(app, list(args), env=dict(env or {}))
