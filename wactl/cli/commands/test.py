"""`wactl test`: run the conversation tests kept next to the flows.

The project is compiled as `wactl compile` does (a missing path exits 2, flows with
errors print their diagnostics and exit 1: no test can run on a broken project); then
every test found in PATHS runs against the real engine with in-memory ports and the
test's mocks (`wactl.runtime.convtest`).  Exit 0 when all pass, 1 when one failed or
when `--fail-under` is not met.  `--junit FILE` writes JUnit XML for the CI server,
`--coverage` prints which steps and branch arms of each flow no test reached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from wactl.cli import _test_report as report
from wactl.cli._common import Compiled, compile_or_exit, echo, finish, use_color
from wactl.cli._test_report import Timed
from wactl.cli.exit_codes import ExitCode
from wactl.compiler.ir import Program
from wactl.dsl import ast
from wactl.runtime.convtest import run_test
from wactl.runtime.coverage import Reached, coverage_report, total_percent


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Folders and files of flows, agents and tests (default: the project).",
        show_default=False)] = None,
    junit: Annotated[str | None, typer.Option(
        "--junit", help="Also write the results as JUnit XML to this file.")] = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Report step and branch coverage per flow.")] = False,
    fail_under: Annotated[float | None, typer.Option(
        "--fail-under", help="Exit 1 when total coverage is below this percent.",
        min=0, max=100)] = None,
    keyword: Annotated[str | None, typer.Option(
        "-k", help="Only tests whose name or file contains this text.")] = None,
) -> None:
    """Run conversation tests: ✓/✗ per test, a diff for each failure."""
    compiled = compile_or_exit(paths)
    program = compiled.result.program
    if program is None:  # compile_or_exit leaves only error-free projects
        finish(ExitCode.INVALID)
    tests = select_tests(compiled, keyword)
    timed = asyncio.run(run_all(program, tests))
    console = report.console_for(use_color())
    for item in timed:
        report.print_result(console, item.result)
    if tests:
        report.print_summary(console, [t.result for t in timed])
    else:  # like pytest's exit 5: a CI job pointed at the wrong folder must not pass
        console.print("No conversation tests found (that is a failure: check PATHS and -k).")
    passed = bool(timed) and all(t.result.passed for t in timed)
    if coverage or fail_under is not None:
        passed = print_coverage(console, program, compiled, timed, fail_under) and passed
    echo(report.output_of(console))
    if junit is not None:
        write_junit(junit, report.junit_xml(timed))
    finish(ExitCode.OK if passed else ExitCode.INVALID)


def print_coverage(console: Console, program: Program, compiled: Compiled,
                   timed: Sequence[Timed], fail_under: float | None) -> bool:
    """Print coverage of the flows PATHS named; False when under `fail_under`."""
    reached = Reached()
    for item in timed:
        reached.update(item.result.reached)
    flows = coverage_report(program, reached, covered_flows(compiled))
    report.print_coverage(console, flows)
    total = total_percent(flows)
    if fail_under is not None and total < fail_under:
        console.print(f"Coverage {total:.1f}% is under the required {fail_under:g}%.")
        return False
    return True


def select_tests(compiled: Compiled, keyword: str | None) -> list[tuple[str, ast.ConvTest]]:
    """(file, test) for every test in the files PATHS named, filtered by `-k`."""
    found = [(f.path, t) for f in compiled.result.files if f.path not in compiled.context
             for t in f.tests]
    if keyword is None:
        return found
    needle = keyword.casefold()
    return [(path, t) for path, t in found
            if needle in t.name.casefold() or needle in path.casefold()]


def covered_flows(compiled: Compiled) -> list[str] | None:
    """The flows of the files PATHS named; None (all flows) when they named only tests."""
    flows = [fl.id for f in compiled.result.files if f.path not in compiled.context
             for fl in f.flows]
    return flows or None


async def run_all(program: Program, tests: Sequence[tuple[str, ast.ConvTest]]
                  ) -> list[Timed]:
    """Run the tests one after another (each has its own ports and clock)."""
    out: list[Timed] = []
    with quiet_runtime_log():
        for path, test in tests:
            started = time.perf_counter()
            result = await run_test(program, test, path)
            out.append(Timed(result, time.perf_counter() - started))
    return out


@contextmanager
def quiet_runtime_log() -> Iterator[None]:
    """Keep the driver's log lines off the terminal: a test shows them in its notes."""
    logger = logging.getLogger("wactl.runtime")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def write_junit(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        echo(f"error: cannot write `{path}`: {exc.strerror or exc}\n", err=True)
        finish(ExitCode.USAGE)
