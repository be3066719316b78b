"""Timing primitives for the compile benchmark: ours and the baselines, measured alike.

Every measurement is the best (minimum) of N runs of `time.perf_counter`, with a
`gc.collect()` before each run so one run's garbage is not charged to the next, and the
collector paused during the run for ours and the baselines alike.  The
minimum is the least noisy estimate of what the code costs on an idle machine.

On a shared machine (other jobs on both cores) even the minimum of a two-second run
is inflated; `Clock.CPU` then counts only the CPU time of this process (and, for the
start-up test, of its finished children), which the other jobs barely disturb.
"""

from __future__ import annotations

import gc
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path

import yaml
from lark import Lark

from wactl.diagnostics import Diagnostic


class Clock(StrEnum):
    """What a timing counts: wall-clock time, or CPU time of this process and its children."""

    WALL = "wall"
    CPU = "cpu"

    def now(self) -> float:
        if self is Clock.WALL:
            return time.perf_counter()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime


def _timed(fn: Callable[[], object], clock: Clock) -> float:
    """One run with the collector paused, for ours and the baselines alike.

    `compile_project` pauses the collector itself; timing a baseline with it running
    would charge the baseline for collections ours never makes.
    """
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock.now()
        fn()
        return clock.now() - start
    finally:
        if enabled:
            gc.enable()


def sweep_after(fn: Callable[[], object], *, freeze: bool, clock: Clock) -> float:
    """Seconds of the full collection after `fn`'s result is built (kept alive), in seconds.

    What re-enabling the collector after a compile costs: it walks every object the
    compile left; with `freeze`, `gc.freeze()` first moves them to the permanent
    generation, which the sweep skips.
    """
    gc.collect()
    gc.disable()
    try:
        kept = fn()
        if freeze:
            gc.freeze()
        start = clock.now()
        gc.collect()
        took = clock.now() - start
        del kept
        return took
    finally:
        gc.unfreeze()
        gc.enable()


def best_of(fn: Callable[[], object], repeats: int, clock: Clock = Clock.WALL) -> float:
    """The fastest of `repeats` runs of `fn`, in seconds."""
    return min(_timed(fn, clock) for _ in range(repeats))


def best_of_each(fns: list[Callable[[], object]], repeats: int,
                 clock: Clock = Clock.WALL) -> list[float]:
    """The fastest run of each of `fns`, run round-robin `repeats` times, in seconds.

    Interleaving ours with its baseline means a burst of load from elsewhere on the
    machine hits both alike, so their ratio stays meaningful on a shared machine.
    """
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _timed(fn, clock))
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
    from wactl.dsl.flow import parser as _parser

    for value in vars(_parser).values():
        if isinstance(value, Lark):
            return value
    getter = getattr(_parser, "get_parser", None) or getattr(_parser, "parser", None)
    if callable(getter):
        found = getter()
        if isinstance(found, Lark):
            return found
    raise LookupError("no Lark instance found in wactl.dsl.flow.parser")


def bare_lark() -> Lark:
    """A Lark with the real parser's grammar and options but no transformer.

    When the real parser transforms inline (LALR `transformer=`), its `.parse()` also
    builds our AST; the baseline must be the bare parse to a tree, so it is rebuilt
    without that option.  Otherwise the real instance is already the bare parser.
    """
    real = _real_lark()
    if real.options.transformer is None:
        return real
    from wactl.dsl.flow import _tables  # the real parser may come from tables, not grammar text

    return _tables.build(postlex=real.options.postlex)


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


def _runner(argv: list[str], codes: list[int]) -> Callable[[], None]:
    """A callable that runs `argv` to completion and records its exit code."""

    def once() -> None:
        done = subprocess.run(argv, capture_output=True, check=False)
        codes.append(done.returncode)

    return once


def cli_startup(small_file: Path, repeats: int = 5,
                clock: Clock = Clock.WALL) -> dict[str, float | int | str]:
    """`wactl validate FILE` against importing the three libraries it is built on.

    Each is run once untimed first (page cache, .pyc files), then both round-robin.
    """
    codes: list[int] = []
    ours = _runner([*wactl_command(), "validate", str(small_file)], codes)
    base = _runner([sys.executable, "-c", "import pydantic, lark, yaml"], [])
    ours()
    base()
    ours_s, base_s = best_of_each([ours, base], repeats, clock)
    return {"command": " ".join([*wactl_command(), "validate", small_file.name]),
            "ours_ms": ours_s * 1000, "baseline_ms": base_s * 1000, "exit_code": codes[-1]}
