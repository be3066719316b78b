"""Where compile time goes: cProfile of one benchmark scenario, our code's hotspots only.

The benchmark says how fast; this says why.  First a per-stage table (see `_phases`),
then the cProfile listing sorted by cumulative time and restricted to functions under
`wactl/`, so the lead sees which of our stages (loader, transformer, checks, lowering)
to optimise first.
"""

from __future__ import annotations

import cProfile
import io
import pstats

from bench import _gen, _measure, _phases

TOP = 10


def find(name: str) -> _gen.Scenario:
    """The scenario called `name` (commas in sizes optional: `repo-10000` works too)."""
    wanted = name.replace(",", "")
    for sc in _gen.scenarios():
        if sc.name.replace(",", "") == wanted:
            return sc
    known = ", ".join(sc.name for sc in _gen.scenarios())
    raise SystemExit(f"unknown scenario {name!r}; known: {known}")


def hotspots(sources: dict[str, str], top: int = TOP) -> str:
    """The `top` cumulative-time entries of our code while compiling `sources`."""
    _measure.compile_sources(sources)  # warm: grammar caches, lazy imports
    prof = cProfile.Profile()
    prof.enable()
    _measure.compile_sources(sources)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"wactl[/\\]", top)
    total = io.StringIO()
    pstats.Stats(prof, stream=total).sort_stats("tottime").print_stats(top)
    return out.getvalue() + "\nall code by own (tottime) time:\n" + total.getvalue()


def profile(name: str, top: int = TOP) -> int:
    """Print the hotspots of scenario `name` for both spellings."""
    sc = find(name)
    flows = sc.build()
    for spelling in ("yaml", "flow"):
        sources = _gen.render(flows, spelling)
        print(f"==== {sc.name} {spelling}: time by stage (best of 3, no profiler) ====")
        print(_phases.report(sources))
        print(f"\n==== {sc.name} {spelling}: top {top} cumulative in wactl/ ====")
        print(hotspots(sources, top))
    return 0
