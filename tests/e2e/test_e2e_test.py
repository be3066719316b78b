"""`wactl test flows/`: every conversation test of the example project passes.

The example project is what a merchant copies first; its 64 tests cover every flow,
so a change to the engine that alters a reply shows up here as a readable diff.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_helpers import run_wactl

ROOT = Path(__file__).resolve().parents[2]
TEST_FILES = sorted((ROOT / "flows" / "tests").glob("*.yaml"))


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("WACTL_DEBUG", raising=False)


def test_every_example_test_passes(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = run_wactl("test", "flows/", "--junit", str(junit), env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    count = len(TEST_FILES)
    assert count == 64
    assert f"{count} tests: {count} passed, 0 failed" in result.output
    assert "✗" not in result.output
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures")) == (str(count), "0")


def test_example_coverage_report() -> None:
    result = run_wactl("test", "flows/", "--coverage", env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    for flow in ("booking", "order_status", "faq", "welcome", "collect_phone"):
        assert f"  {flow} " in result.output
    assert "TOTAL" in result.output
