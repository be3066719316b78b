"""Compile benchmark: validate+compile time of growing repositories beside same-run baselines.

Run by hand, never by pytest:  `.venv/bin/python -m bench.compile [--quick] [--json]`
(or `python bench/compile.py`).  `--profile repo-10,000` profiles one scenario instead.

For every scenario (many ~10-step flows totalling 100 / 1,000 / 10,000 steps; one long
flow; one long cycle through an `ask`; one long cycle without a wait, which must be
reported as WA302) it generates the same flows in both spellings and times
`compile_project` over the in-memory sources (reading files is excluded, as it is the
CLI's job), beside what the libraries underneath cost on the same text:

- YAML: `yaml.load(text, Loader=yaml.CSafeLoader)` of every file; target ours <= 3x.
- `.flow`: lark's bare `.parse()` of every file with the real parser's grammar and
  options but no transformer; target ours <= 2x.
- growth: 10x the steps costs at most 12x the time, cycle checks included.
- start-up: `wactl validate` of one small file <= 2x `python -c "import pydantic, lark, yaml"`.

Timings are the best of 5 runs (3 for the 10,000-step scenarios), `gc.collect()` first and
the collector paused during every run, ours and the baselines alike (our compile pauses it
itself). After the table: what re-enabling the collector after the largest compile costs,
without and with `gc.freeze()`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/compile.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lark import Lark

from bench import _gen, _measure, _profile
from wactl.diagnostics import Diagnostic, Severity

TARGETS = {"yaml": 3.0, "flow": 2.0}
GROWTH_TARGET = 12.0
STARTUP_TARGET = 2.0


@dataclass
class Row:
    """One scenario in one spelling: our time, the baseline's, and what the compile said."""

    scenario: str
    shape: str
    steps: int
    spelling: str
    ours_ms: float
    load_ms: float
    baseline_ms: float
    target: float
    errors: list[str]
    expected: list[str]
    warnings: list[str]

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target

    @property
    def outcome_ok(self) -> bool:
        """The compile reported exactly the expected error codes (none for a valid repo)."""
        return sorted(set(self.errors)) == sorted(self.expected)


def _codes(diags: list[Diagnostic], severity: Severity) -> list[str]:
    return sorted({d.code for d in diags if d.severity is severity})


def measure(sc: _gen.Scenario, spelling: str, parser: Lark, clock: _measure.Clock) -> Row:
    """Time one scenario in one spelling: ours, our loader alone, and the baseline."""
    sources = _gen.render(sc.build(), spelling)
    repeats = 3 if sc.steps >= 10_000 else 5
    diags = _measure.compile_sources(sources)  # also warms caches

    def baseline() -> None:
        if spelling == "yaml":
            _measure.yaml_baseline(sources)
        else:
            _measure.lark_baseline(parser, sources)

    ours, load, base = _measure.best_of_each(
        [lambda: _measure.compile_sources(sources), lambda: _measure.load_sources(sources),
         baseline], repeats, clock)
    return Row(
        scenario=sc.name, shape=sc.shape, steps=sc.steps, spelling=spelling,
        ours_ms=1000 * ours, load_ms=1000 * load, baseline_ms=1000 * base,
        target=TARGETS[spelling], errors=_codes(diags, Severity.ERROR),
        expected=sorted(sc.expect_codes), warnings=_codes(diags, Severity.WARNING),
    )


def growth(rows: list[Row]) -> list[dict[str, object]]:
    """Time ratio per 10x steps between consecutive sizes of each shape and spelling."""
    out: list[dict[str, object]] = []
    for shape, spelling in dict.fromkeys((r.shape, r.spelling) for r in rows):
        sized = sorted((r for r in rows if (r.shape, r.spelling) == (shape, spelling)),
                       key=lambda r: r.steps)
        for small, big in zip(sized, sized[1:], strict=False):
            per10 = (big.ours_ms / small.ours_ms) * 10 * small.steps / big.steps
            out.append({"shape": shape, "spelling": spelling, "from": small.steps,
                        "to": big.steps, "ratio": per10, "passed": per10 <= GROWTH_TARGET})
    return out


# --------------------------------------------------------------------------- report


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(rows: list[Row]) -> None:
    head = (f"{'scenario':<20}{'steps':>7} {'spelling':<8}{'ours ms':>10}{'load ms':>10}"
            f"{'base ms':>10}{'ratio':>7}{'target':>8}  result  compile said")
    print(head)
    print("-" * len(head))
    for r in rows:
        said = ",".join(r.errors) or "valid"
        if r.warnings:
            said += f" (warnings {','.join(r.warnings)})"
        if not r.outcome_ok:
            said += f"  (UNEXPECTED; wanted {','.join(r.expected) or 'valid'})"
        print(f"{r.scenario:<20}{r.steps:>7,} {r.spelling:<8}{r.ours_ms:>10.1f}{r.load_ms:>10.1f}"
              f"{r.baseline_ms:>10.1f}{r.ratio:>6.2f}x{'<=' + format(r.target, 'g') + 'x':>8}"
              f"  {_verdict(r.passed):<6}  {said}")


def print_growth(lines: list[dict[str, object]]) -> None:
    print(f"\ngrowth (time ratio per 10x steps, target <= {GROWTH_TARGET:g}x)")
    for g in lines:
        span = f"{g['from']:,} -> {g['to']:,}"
        print(f"  {g['shape']:<14}{g['spelling']:<6}{span:<18}{g['ratio']:>6.2f}x  "
              f"{_verdict(bool(g['passed']))}")


def print_startup(cli: dict[str, float | int | str]) -> None:
    ratio = float(cli["ours_ms"]) / float(cli["baseline_ms"])
    print(f"\nstart-up: {cli['command']}  {float(cli['ours_ms']):.1f} ms (exit {cli['exit_code']})"
          f"  vs  import pydantic, lark, yaml  {float(cli['baseline_ms']):.1f} ms"
          f"  = {ratio:.2f}x (target <= {STARTUP_TARGET:g}x)  {_verdict(ratio <= STARTUP_TARGET)}")


def print_header(clock: _measure.Clock) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"wactl compile benchmark  Python {platform.python_version()}  {platform.machine()}"
          f"  {os.cpu_count()} CPUs  load average {load} (a busy machine inflates every ratio)")
    print("ours = compile_project over in-memory sources (validate + compile + IR JSON; file "
          "reading excluded); load = our loader alone; base = CSafeLoader / bare lark parse; "
          f"best of 5 (3 at 10,000 steps), the three interleaved; clock: {clock.value}\n",
          flush=True)


# --------------------------------------------------------------------------- main


def startup(tmp: Path, clock: _measure.Clock) -> dict[str, float | int | str]:
    """Write the smallest repository's first flow to a file and time `wactl validate` on it."""
    path, text = next(iter(_gen.render(_gen.many_flows(10), "yaml").items()))
    small = tmp / Path(path).name
    small.write_text(text, encoding="utf-8")
    cli = _measure.cli_startup(small, clock=clock)
    cli["ratio"] = float(cli["ours_ms"]) / float(cli["baseline_ms"])
    return cli


def sweeps(quick: bool, clock: _measure.Clock) -> dict[str, float]:
    """The collection after the largest repository's compile, without and with gc.freeze()."""
    sc = max(_gen.scenarios(quick), key=lambda s: s.steps)
    sources = _gen.render(sc.build(), "yaml")
    plain = min(_measure.sweep_after(lambda: _measure.compile_sources(sources), freeze=False,
                                     clock=clock) for _ in range(3))
    frozen = min(_measure.sweep_after(lambda: _measure.compile_sources(sources), freeze=True,
                                      clock=clock) for _ in range(3))
    return {"steps": sc.steps, "sweep_ms": 1000 * plain, "frozen_ms": 1000 * frozen}


def print_sweeps(s: dict[str, float]) -> None:
    print(f"\ncollector after a compile of {int(s['steps']):,} steps: full collection "
          f"{s['sweep_ms']:.1f} ms; after gc.freeze() {s['frozen_ms']:.1f} ms")


def run(quick: bool, as_json: bool, with_cli: bool, clock: _measure.Clock) -> int:
    parser = _measure.bare_lark()
    rows: list[Row] = []
    if not as_json:
        print_header(clock)
    for sc in _gen.scenarios(quick):
        for spelling in ("yaml", "flow"):
            rows.append(measure(sc, spelling, parser, clock))
            if not as_json:
                print(f"  measured {sc.name} {spelling}", file=sys.stderr, flush=True)
    lines = growth(rows)
    swept = sweeps(quick, clock)
    with tempfile.TemporaryDirectory() as tmp:
        cli = startup(Path(tmp), clock) if with_cli else None
    if as_json:
        data = [{**asdict(r), "ratio": r.ratio, "passed": r.passed} for r in rows]
        print(json.dumps({"clock": clock.value, "rows": data, "growth": lines, "startup": cli,
                          "sweeps": swept}, indent=2))
    else:
        print_table(rows)
        print_growth(lines)
        print_sweeps(swept)
        if cli is not None:
            print_startup(cli)
    return 0 if all(r.outcome_ok for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="only the 100 and 1,000-step repos")
    ap.add_argument("--json", action="store_true", help="print machine-readable results")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI start-up measurement")
    ap.add_argument("--profile", metavar="SCENARIO",
                    help="cProfile one scenario (e.g. repo-10,000) in both spellings instead")
    ap.add_argument("--clock", choices=[c.value for c in _measure.Clock], default="wall",
                    help="wall: perf_counter (default); cpu: CPU time, steadier on a busy machine")
    ap.add_argument("--top", type=int, default=_profile.TOP, help="rows of --profile output")
    args = ap.parse_args(argv)
    if args.profile:
        return _profile.profile(args.profile, args.top)
    return run(args.quick, args.json, not args.no_cli, _measure.Clock(args.clock))


if __name__ == "__main__":
    sys.exit(main())
