"""`wactl test`: exit codes, ✓/✗ output with diffs, JUnit XML, coverage, selection."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from wactl.cli import app
from wactl.cli._test_report import Timed, junit_xml
from wactl.runtime.convtest import Line, TestResult
from wactl.runtime.convtest_check import Failure

FLOW = """\
flow: hello
trigger:
  keyword: hi
steps:
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

PASSING = """\
test: Lan is welcomed back
turns:
  - user: hi
  - bot: "What's your name?"
  - user: Lan
  - bot: "Welcome back, Lan!"
expect:
  vars: {name: Lan}
"""

FAILING = """\
test: Ben is thanked
turns:
  - user: hi
  - bot: "What's your name?"
  - user: Ben
  - bot: "Thank you Ben"
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("WACTL_DEBUG", raising=False)
    (tmp_path / "flows" / "tests").mkdir(parents=True)
    (tmp_path / "flows" / "hello.yaml").write_text(FLOW, "utf-8")
    (tmp_path / "flows" / "tests" / "lan.yaml").write_text(PASSING, "utf-8")
    return tmp_path


def _wactl(*args: str) -> Result:
    return CliRunner().invoke(app, ["test", *args], env={"NO_COLOR": "1"})


def _add_failing(root: Path) -> None:
    (root / "flows" / "tests" / "ben.yaml").write_text(FAILING, "utf-8")


def test_all_passing_exits_0() -> None:
    result = _wactl("flows")
    assert result.exit_code == 0, result.output
    assert "✓ Lan is welcomed back  (flows/tests/lan.yaml)" in result.output
    assert "1 test: 1 passed, 0 failed" in result.output


def test_a_failure_exits_1_with_the_conversation_and_a_diff(in_tmp: Path) -> None:
    _add_failing(in_tmp)
    result = _wactl("flows")
    assert result.exit_code == 1
    out = result.output
    assert "✗ Ben is thanked  (flows/tests/ben.yaml)" in out
    assert "turn 4: the bot's message differs from the expected one" in out
    assert "-Thank you Ben" in out and "+Thanks Ben" in out
    assert "conversation so far:" in out
    assert "user  Ben" in out and "bot   Thanks Ben" in out
    assert "2 tests: 1 passed, 1 failed" in out


def test_junit_xml_for_ci(in_tmp: Path) -> None:
    _add_failing(in_tmp)
    result = _wactl("flows", "--junit", "report.xml")
    assert result.exit_code == 1
    root = ET.parse(in_tmp / "report.xml").getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["Lan is welcomed back"].find("failure") is None
    failure = cases["Ben is thanked"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("turn 4:")
    assert "+Thanks Ben" in (failure.text or "")
    assert cases["Ben is thanked"].get("classname") == "flows.tests.ben"


def test_coverage_lists_what_no_test_reached() -> None:
    result = _wactl("flows", "--coverage")
    assert result.exit_code == 0, result.output
    assert "hello: steps no test reached: thanks" in result.output
    missed = "hello: branches no test took: ask_name -fail-> end, route -else-> thanks"
    assert missed in result.output
    assert "TOTAL" in result.output


def test_fail_under(in_tmp: Path) -> None:
    assert _wactl("flows", "--fail-under", "100").exit_code == 1
    assert _wactl("flows", "--fail-under", "10").exit_code == 0
    _add_failing(in_tmp)
    assert _wactl("flows", "--fail-under", "100").exit_code == 1
    assert _wactl("flows", "--fail-under", "100").output.count("under the required 100%") == 1


def test_k_selects_tests_by_name_or_file(in_tmp: Path) -> None:
    _add_failing(in_tmp)
    result = _wactl("flows", "-k", "lan")
    assert result.exit_code == 0 and "Ben" not in result.output
    assert _wactl("flows", "-k", "ben.yaml").exit_code == 1


def test_paths_select_test_files(in_tmp: Path) -> None:
    _add_failing(in_tmp)
    result = _wactl("flows/tests/lan.yaml", "flows/hello.yaml")
    assert result.exit_code == 0, result.output
    assert "1 test: 1 passed" in result.output


def test_no_tests_found_fails_so_a_misdirected_ci_job_cannot_pass(in_tmp: Path) -> None:
    result = _wactl("flows/hello.yaml")
    assert result.exit_code == 1 and "No conversation tests found" in result.output
    result = _wactl("-k", "no such test")
    assert result.exit_code == 1 and "No conversation tests found" in result.output


def test_missing_path_is_a_usage_error() -> None:
    assert _wactl("nowhere").exit_code == 2


def test_broken_flows_print_diagnostics_and_run_nothing(in_tmp: Path) -> None:
    (in_tmp / "flows" / "hello.yaml").write_text(FLOW.replace("goto: vip", "goto: vipp"))
    result = _wactl("flows")
    assert result.exit_code == 1
    assert "WA2" in result.output and "passed" not in result.output


def test_junit_xml_escapes_and_counts() -> None:
    failed = TestResult("a <b> & \"c\"", "t/x.yaml", [Failure("turn 1", "differs", "-a\n+b")],
                        [Line("user", "hi & bye")])
    xml = junit_xml([Timed(TestResult("ok", "t/y.flow"), 0.5), Timed(failed, 0.25)])
    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures"), root.get("time")) == ("2", "1", "0.750")
    case = root.find("testsuite/testcase[@name='a <b> & \"c\"']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and "user  hi & bye" in (failure.text or "")
