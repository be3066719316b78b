"""Compile time by pipeline stage, with the cyclic garbage collector on and off.

cProfile's overhead distorts cheap, frequent calls and charges a garbage-collection
pause to whatever function happened to allocate; this breakdown times each stage of
`compile_project` (load, resolve, every check family, lowering, IR JSON) with plain
`perf_counter`, once as the CLI runs it and once with `gc.disable()`, so the share of
collector pauses in big repositories is visible on its own.

It re-enacts `wactl.compiler.project.compile_files` step by step through the stage
functions, so it follows those internal names; if they move, fix this file.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from wactl.compiler import checks
from wactl.compiler.lower import lower_program
from wactl.compiler.resolve import build_context
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast, load_source

T = TypeVar("T")
Timings = dict[str, float]


def _tick(timings: Timings, name: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    out = fn()
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
    return out


def _load_all(sources: Mapping[str, str]) -> list[ast.SourceFile]:
    loaded = (load_source(path, sources[path])[0] for path in sorted(sources))
    return [f for f in loaded if f is not None]


def stage_times(sources: Mapping[str, str]) -> Timings:
    """Seconds per stage for one compile of `sources` (lowering runs even with errors)."""
    t: Timings = {}
    bag = DiagnosticBag()
    files = _tick(t, "load", lambda: _load_all(sources))
    ctx = _tick(t, "resolve", lambda: build_context(files, bag))
    for check in checks.CHECKS:
        _tick(t, check.__module__.rsplit(".", 1)[-1], lambda: check(ctx))  # noqa: B023
    program = _tick(t, "lower", lambda: lower_program(ctx))
    _tick(t, "to_json", program.to_json)
    return t


def best_stages(sources: Mapping[str, str], collect: bool, repeats: int = 3) -> Timings:
    """Per-stage minimum over `repeats` compiles, the collector on (`collect`) or off."""
    best: Timings = {}
    for _ in range(repeats):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            run = stage_times(sources)
        finally:
            gc.enable()
        best = {k: min(best.get(k, v), v) for k, v in run.items()}
    return best


def report(sources: Mapping[str, str]) -> str:
    """A two-column table (gc on / gc off, in ms) of the stages of compiling `sources`."""
    stage_times(sources)  # warm
    on, off = best_stages(sources, True), best_stages(sources, False)
    lines = [f"  {'stage':<14}{'gc on ms':>10}{'gc off ms':>11}"]
    for name in on:
        lines.append(f"  {name:<14}{on[name] * 1000:>10.1f}{off[name] * 1000:>11.1f}")
    lines.append(f"  {'total':<14}{sum(on.values()) * 1000:>10.1f}"
                 f"{sum(off.values()) * 1000:>11.1f}")
    return "\n".join(lines)
