"""Timing primitives for the compile benchmark: ours and the baselines, measured alike.

Every measurement is the best (minimum) of N runs of `time.perf_counter`, with a
`gc.collect()` before each run so one run's garbage is not charged to the next.  The
minimum is the least noisy estimate of what the code costs on an idle machine.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml
from lark import Lark

from wactl.diagnostics import Diagnostic


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """The fastest of `repeats` runs of `fn`, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------- ours


def compile_sources(sources: Mapping[str, str]) -> list[Diagnostic]:
    """Validate and compile in-memory sources the way `wactl compile` does, minus file reading."""
    from wactl.compiler import compile_project

    result = compile_project(sources)
    if result.program is not None:
        result.program.to_json()
    return list(result.diagnostics)


def load_sources(sources: Mapping[str, str]) -> None:
    """Only our loaders (YAML loader or `.flow` parser + transformer), no checks."""
    from wactl.dsl import load_source

    for path, text in sources.items():
        load_source(path, text)


# --------------------------------------------------------------------------- baselines


def yaml_baseline(sources: Mapping[str, str]) -> None:
    """libyaml's safe load of every file: the floor for anything that reads YAML."""
    for text in sources.values():
        yaml.load(text, Loader=yaml.CSafeLoader)


def _real_lark() -> Lark:
    """The Lark instance our `.flow` parser uses, found in its module."""
    from wactl.dsl import _parser

    for value in vars(_parser).values():
        if isinstance(value, Lark):
            return value
    getter = getattr(_parser, "get_parser", None) or getattr(_parser, "parser", None)
    if callable(getter):
        found = getter()
        if isinstance(found, Lark):
            return found
    raise LookupError("no Lark instance found in wactl.dsl._parser")


def bare_lark() -> Lark:
    """A Lark with the real parser's grammar and options but no transformer.

    When the real parser transforms inline (LALR `transformer=`), its `.parse()` also
    builds our AST; the baseline must be the bare parse to a tree, so it is rebuilt
    without that option.  Otherwise the real instance is already the bare parser.
    """
    real = _real_lark()
    if real.options.transformer is None:
        return real
    options = dict(real.options.options)
    options.update(transformer=None, cache=False)
    return Lark(real.source_grammar, **options)


def lark_baseline(parser: Lark, sources: Mapping[str, str]) -> None:
    """lark's bare parse of every `.flow` file: the floor for our `.flow` parser."""
    for text in sources.values():
        parser.parse(text)


# --------------------------------------------------------------------------- CLI start-up


def wactl_command() -> list[str]:
    """The installed `wactl` console script beside this Python, else `python -m wactl.cli`."""
    script = Path(sys.executable).with_name("wactl")
    if script.exists():
        return [str(script)]
    found = shutil.which("wactl")
    return [found] if found else [sys.executable, "-m", "wactl.cli"]


def run_seconds(argv: list[str], repeats: int) -> tuple[float, int]:
    """Best wall time of running `argv` to completion, and its exit code."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    codes: list[int] = []

    def once() -> None:
        done = subprocess.run(argv, capture_output=True, env=env, check=False)
        codes.append(done.returncode)

    once()  # warm the page cache and the .pyc files; not timed
    return best_of(once, repeats), codes[-1]


def cli_startup(small_file: Path, repeats: int = 5) -> dict[str, float | int | str]:
    """`wactl validate FILE` against importing the three libraries it is built on."""
    ours, code = run_seconds([*wactl_command(), "validate", str(small_file)], repeats)
    base, _ = run_seconds([sys.executable, "-c", "import pydantic, lark, yaml"], repeats)
    return {"command": " ".join([*wactl_command(), "validate", small_file.name]),
            "ours_ms": ours * 1000, "baseline_ms": base * 1000, "exit_code": code}
