"""Project limits (WA113, WA108 in compile_project): a project too large is refused unparsed.

Five 1.9 MiB flow files used to take half a minute and most of a GB to validate; past the
project limit nothing is parsed at all, which these tests prove by making every parse a bug.
"""

from __future__ import annotations

import textwrap

import pytest

import wactl.dsl
from wactl.compiler import compile_project
from wactl.dsl.source import (
    MAX_PROJECT_BYTES,
    MAX_PROJECT_FILES,
    MAX_PROJECT_FLOWS,
    MAX_SOURCE_BYTES,
    Limits,
)

FLOW = textwrap.dedent("""\
    flow: f{n}
    trigger: {{keyword: k{n}}}
    steps:
      - id: hello
        send: "Hello"
    """)


def flow(n: int) -> str:
    return FLOW.format(n=n)


@pytest.fixture()
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any parse becomes a WA901 (internal error): a refusal must come before parsing."""
    def refuse(path: str, text: str) -> None:
        raise AssertionError(f"{path} was parsed")

    monkeypatch.setattr(wactl.dsl, "load_source", refuse)


def test_the_defaults_are_what_the_docs_say() -> None:
    assert (MAX_SOURCE_BYTES, MAX_PROJECT_BYTES) == (2 * 1024 * 1024, 8 * 1024 * 1024)
    assert (MAX_PROJECT_FILES, MAX_PROJECT_FLOWS) == (2_000, 2_000)


@pytest.mark.usefixtures("no_parsing")
def test_five_files_of_1_9_mib_are_one_wa113_and_nothing_is_parsed() -> None:
    big = "# " + "x" * (19 * 1024 * 1024 // 10) + "\n"
    sources = {f"flows/big{i}.yaml": big for i in range(5)}
    result = compile_project(sources)
    assert [(d.code, str(d.span)) for d in result.diagnostics] == [("WA113",
                                                                   "flows/big4.yaml:1:1")]
    assert "a project may have at most 8,388,608 bytes" in result.diagnostics[0].message
    assert result.files == [] and result.program is None


@pytest.mark.usefixtures("no_parsing")
def test_one_file_past_the_file_limit_is_wa113_at_that_file() -> None:
    sources = {f"flows/f{i:04d}.yaml": "x" for i in range(MAX_PROJECT_FILES + 1)}
    result = compile_project(sources)
    assert [(d.code, d.span.file) for d in result.diagnostics] == [
        ("WA113", f"flows/f{MAX_PROJECT_FILES:04d}.yaml")]


def test_at_the_file_limit_the_project_is_compiled() -> None:
    limits = Limits(project_files=3)
    result = compile_project({f"flows/f{i}.yaml": flow(i) for i in range(3)}, limits=limits)
    assert result.ok and result.diagnostics == []


def test_bytes_are_counted_in_utf8() -> None:
    text = flow(1).replace("Hello", "Xin chào")  # 'à' is two bytes
    limits = Limits(project_bytes=len(text))
    assert compile_project({"a.yaml": text}, limits=limits).codes == ["WA113"]
    limits = Limits(project_bytes=len(text.encode("utf-8")))
    assert compile_project({"a.yaml": text}, limits=limits).codes == []


def test_too_many_flows_is_wa113_at_the_first_flow_past_the_limit_and_no_check_runs() -> None:
    sources = {f"flows/f{i}.yaml": flow(i) for i in range(4)}
    sources["flows/f0.yaml"] += "  - id: lost\n    goto: nowhere\n"  # WA203 if checks ran
    result = compile_project(sources, limits=Limits(project_flows=3))
    assert [(d.code, str(d.span)) for d in result.diagnostics] == [("WA113",
                                                                   "flows/f3.yaml:1:1")]
    assert "the project has 4 flows; a project may have at most 3" in \
        result.diagnostics[0].message


def test_the_default_flow_limit_counts_flows_in_every_file() -> None:
    many = "flows:\n" + "".join(
        f"  - flow: f{i}\n    trigger: {{keyword: k{i}}}\n    steps:\n"
        f"      - id: s\n        send: hi\n" for i in range(MAX_PROJECT_FLOWS + 1))
    result = compile_project({"flows/all.yaml": many}, lower=False)
    assert result.codes == ["WA113"]


@pytest.mark.usefixtures("no_parsing")
def test_a_file_over_the_file_limit_given_to_the_compiler_is_wa108_unparsed() -> None:
    result = compile_project({"a.yaml": "x" * (MAX_SOURCE_BYTES + 1)})
    assert [(d.code, d.span.file) for d in result.diagnostics] == [("WA108", "a.yaml")]
