"""Where the engine's time goes: cProfile of the benchmark's conversations through `Engine.handle`.

The benchmark says how fast; this says why: the top functions by own time (all code,
so the standard library's share shows too) and, restricted to `wactl/`, by cumulative
time, so the lead sees which part of a turn (trigger match, rendering, expressions,
state cloning, tracing) to optimise first.
"""

from __future__ import annotations

import cProfile
import io
import pstats

from bench import _engine_conv, _engine_ours

MESSAGES = 2_000


def profile(flow: str, top: int = 15) -> int:
    """Print the hotspots of `flow`'s conversations played through `Engine.handle`."""
    eng = _engine_ours.engine(flow)
    convs = _engine_conv.conversations(flow)
    rounds = max(1, MESSAGES // sum(c.messages for c in convs))
    for conv in convs:  # warm: parsed expression and template caches
        _engine_ours.converse(eng, conv)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        for conv in convs:
            _engine_ours.converse(eng, conv)
    prof.disable()
    print(f"==== {flow}: {rounds * sum(c.messages for c in convs):,} messages through "
          f"Engine.handle; top {top} by own time (all code) ====")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())
    print(f"==== {flow}: top {top} cumulative in wactl/ ====")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"wactl[/\\]", top)
    print(out.getvalue())
    return 0
