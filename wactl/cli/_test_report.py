"""What `wactl test` prints and writes: the per-test lines, failures, coverage, JUnit XML.

A failing test shows the conversation so far (who said what, in order) and a unified
diff of what the test expected against what happened, because that is what a
merchant needs to see when a reply changed.  JUnit XML is the format every CI server
reads; each test is a `testcase` whose `failure` holds the same text as the terminal.
Everything here renders to strings (colour decided by the caller), so it is tested
without a terminal.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wactl.runtime.convtest import Line, TestResult
from wactl.runtime.coverage import FlowCoverage, total_percent

WHO = {"user": "user ", "bot": "bot  ", "clock": "clock", "note": "note "}


@dataclass(frozen=True, slots=True)
class Timed:
    """A test's result and how long it took (seconds, for JUnit only)."""

    result: TestResult
    seconds: float = 0.0


def console_for(color: bool, width: int = 100) -> Console:
    """A console writing to a buffer (read it back with `output_of`)."""
    return Console(file=io.StringIO(), force_terminal=color, no_color=not color,
                   color_system="standard" if color else None, highlight=False,
                   width=width, soft_wrap=True)


def output_of(console: Console) -> str:
    file = console.file
    return file.getvalue() if isinstance(file, io.StringIO) else ""


# --------------------------------------------------------------------------- terminal


def transcript_lines(lines: Sequence[Line], indent: str = "    ") -> list[str]:
    """`bot   text` / `user  text`, continuation lines aligned under the text."""
    out: list[str] = []
    for line in lines:
        head = f"{indent}{WHO[line.who]} "
        parts = line.text.splitlines() or [""]
        out.append(head + parts[0])
        out.extend(" " * len(head) + part for part in parts[1:])
    return out


def failure_text(result: TestResult) -> str:
    """Everything about a failed test, as plain text (the JUnit failure's body)."""
    out: list[str] = []
    for failure in result.failures:
        out.append(f"{failure.where}: {failure.message}")
        out.extend("    " + line for line in failure.diff.splitlines())
    return "\n".join([*out, *_context_lines(result)])


def _diff_style(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "bold"
    return {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")


def print_result(console: Console, result: TestResult) -> None:
    """`✓ name  (file)`; on failure the details below it, diffs coloured."""
    mark = Text("✓ ", style="green") if result.passed else Text("✗ ", style="bold red")
    console.print(mark + Text(result.name) + Text(f"  ({result.file})", style="dim"))
    for failure in result.failures:
        console.print(Text(f"    {failure.where}: {failure.message}", style="bold"))
        for line in failure.diff.splitlines():
            console.print(Text(f"        {line}", style=_diff_style(line)))
    if result.passed:
        return
    rest = _context_lines(result)
    if rest:
        console.print(Text("\n".join("    " + line for line in rest)))


def _context_lines(result: TestResult) -> list[str]:
    """The conversation so far and the notes, as plain lines."""
    out: list[str] = []
    if result.transcript:
        out.append("conversation so far:")
        out.extend(transcript_lines(result.transcript))
    if result.notes:
        out.append("notes:")
        out.extend(f"    {note}" for note in result.notes)
    return out


def print_summary(console: Console, results: Sequence[TestResult]) -> None:
    failed = sum(not r.passed for r in results)
    passed = len(results) - failed
    noun = "test" if len(results) == 1 else "tests"
    style = "bold red" if failed else "bold green"
    console.print(Text(f"\n{len(results)} {noun}: {passed} passed, {failed} failed",
                       style=style))


def print_coverage(console: Console, report: Sequence[FlowCoverage]) -> None:
    """A table per flow (steps, branches, percent), then what no test reached."""
    table = Table(title="Coverage", box=box.SIMPLE, title_justify="left")
    for name in ("flow", "steps", "branches", "cover"):
        table.add_column(name, justify="left" if name == "flow" else "right")
    for c in report:
        table.add_row(c.flow, f"{c.reached_steps}/{c.steps}",
                      f"{c.taken_branches}/{c.branches}", f"{c.percent:.0f}%")
    table.add_row(Text("TOTAL", style="bold"), "", "", f"{total_percent(report):.1f}%")
    console.print(table)
    for c in report:
        if c.missed_steps:
            console.print(Text(f"{c.flow}: steps no test reached: {', '.join(c.missed_steps)}"))
        if c.missed_branches:
            console.print(Text(f"{c.flow}: branches no test took: "
                               f"{', '.join(c.missed_branches)}"))


# --------------------------------------------------------------------------- JUnit


def junit_xml(timed: Sequence[Timed], suite: str = "wactl test") -> str:
    """JUnit XML (the Ant/Jenkins schema CI servers read) for every test."""
    failures = sum(not t.result.passed for t in timed)
    total = f"{sum(t.seconds for t in timed):.3f}"
    root = ET.Element("testsuites", name="wactl", tests=str(len(timed)),
                      failures=str(failures), errors="0", time=total)
    node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(timed)),
                         failures=str(failures), errors="0", skipped="0", time=total)
    for t in timed:
        case = ET.SubElement(node, "testcase", classname=_classname(t.result.file),
                             name=t.result.name, file=t.result.file, time=f"{t.seconds:.3f}")
        if not t.result.passed:
            first = t.result.failures[0]
            failure = ET.SubElement(case, "failure", message=f"{first.where}: {first.message}",
                                    type="ConversationMismatch")
            failure.text = failure_text(t.result)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _classname(path: str) -> str:
    """`flows/tests/order_status.yaml` -> `flows.tests.order_status`."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return stem.replace("/", ".") or "wactl"
