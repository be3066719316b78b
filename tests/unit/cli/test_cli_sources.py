"""Reading sources from disk: which files, which paths, and how failures become diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from wactl.cli import sources


def write(root: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_reads_source_suffixes_and_skips_hidden_and_tool_dirs(project: Path) -> None:
    write(project, {"flows/a.yaml": "a", "flows/b.flow": "b", "flows/c.yml": "c",
                    "flows/notes.md": "x", ".git/x.yaml": "x", "node_modules/p/x.yaml": "x",
                    ".venv/x.yaml": "x", "flows/.hidden/x.yaml": "x", "flows/.dot.yaml": "x"})
    found, diags = sources.read_sources(["."])
    assert list(found) == ["flows/a.yaml", "flows/b.flow", "flows/c.yml"]
    assert found["flows/b.flow"] == "b"
    assert diags == []


def test_an_explicit_file_is_read_whatever_its_suffix(project: Path) -> None:
    write(project, {"notes.txt": "flow: x\n"})
    found, _ = sources.read_sources(["notes.txt"])
    assert found == {"notes.txt": "flow: x\n"}


def test_paths_are_relative_to_cwd_and_deduplicated(project: Path) -> None:
    write(project, {"flows/a.yaml": "a"})
    found, _ = sources.read_sources([str(project / "flows"), "flows/a.yaml", "flows"])
    assert list(found) == ["flows/a.yaml"]


def test_missing_path_is_wa100_with_a_suggestion(project: Path) -> None:
    write(project, {"flows/a.yaml": "a"})
    found, diags = sources.read_sources(["flow"])
    assert found == {}
    [d] = diags
    assert (d.code, str(d.span)) == ("WA100", "flow")
    assert d.hint == "did you mean `flows`?"


def test_non_utf8_and_binary_are_wa107(project: Path) -> None:
    write(project, {"a.yaml": b"flow: x\nsend: \xff\n", "b.yaml": b"\x00\x01"})
    found, diags = sources.read_sources(["."])
    assert found == {}
    assert [(d.code, str(d.span)) for d in diags] == [("WA107", "a.yaml:2:7"),
                                                       ("WA107", "b.yaml")]


def test_max_bytes_is_wa108(project: Path) -> None:
    write(project, {"big.yaml": "x" * 65, "small.yaml": "x" * 64})
    found, diags = sources.read_sources(["."], max_bytes=64)
    assert list(found) == ["small.yaml"]
    assert [(d.code, d.span.file) for d in diags] == [("WA108", "big.yaml")]


def test_unreadable_directory_entry_is_wa100(project: Path) -> None:
    write(project, {"a.yaml": "x"})
    (project / "dir.yaml").mkdir()  # a directory with a source suffix
    key, text = sources.read_source(project / "dir.yaml")
    assert key == "dir.yaml"
    assert not isinstance(text, str) and text.code == "WA100"


def test_find_project_file_searches_upward(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, {"wactl.yaml": "shop: s\n", "flows/deep/a.yaml": "a"})
    monkeypatch.chdir(project / "flows" / "deep")
    assert sources.find_project_file() == project / "wactl.yaml"


def test_project_context_is_read_around_a_named_file(project: Path) -> None:
    write(project, {"wactl.yaml": "shop: s\npaths: {flows: [flows]}\n",
                    "flows/a.yaml": "a", "flows/b.yaml": "b", "elsewhere/c.yaml": "c"})
    found, diags = sources.read_sources([str(project / "flows" / "a.yaml")])
    project_file = sources.project_of([str(project / "flows" / "a.yaml")])
    assert project_file == project / "wactl.yaml"
    context = sources.add_project_context(found, diags, project_file)
    names = {Path(k).name for k in found}
    assert names == {"a.yaml", "b.yaml", "wactl.yaml"}
    assert {Path(k).name for k in context} == {"b.yaml"}  # wactl.yaml is reported on


TEST_A = "test: greets\nflow: a\nturns:\n  - user: hi\n"
TEST_B = "test: greets\nflow: a\nturns:\n  - user: hello\n"


def test_tests_are_context_only_for_files_that_declare_tests(project: Path) -> None:
    """Checking one flow does not parse the project's tests (nothing in them changes a
    flow's diagnostics); checking a test reads the others (two tests sharing a name)."""
    write(project, {"wactl.yaml": "shop: s\npaths: {flows: [.]}\n",
                    "a.yaml": "flow: a\nsteps: []\n", "b.flow": "flow b\n",
                    "tests/one.yaml": TEST_A, "tests/two.yaml": "'test': x\n",
                    "tests/three.yaml": TEST_B})
    for asked, expected in [("a.yaml", {"b.flow"}),
                            ("tests/one.yaml", {"a.yaml", "b.flow", "tests/two.yaml",
                                                "tests/three.yaml"})]:
        found, diags = sources.read_sources([asked])
        context = sources.add_project_context(found, diags, project / "wactl.yaml")
        assert context == expected
        assert set(found) == {asked, "wactl.yaml", *expected}


def test_declares_tests_reads_the_top_level_key_only() -> None:
    assert sources.declares_tests("t.yaml", "# a test\ntest: x\nturns: []\n")
    assert sources.declares_tests("t.yml", '"test" : x\n')
    assert not sources.declares_tests("f.yaml", "flow: f\nsteps:\n  - test: no\n")
    assert not sources.declares_tests("f.yaml", "flow: f\ntests: 3\n")
    assert not sources.declares_tests("f.flow", "test: x\n")


def test_a_duplicate_test_name_across_files_is_still_found(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from wactl.cli import app

    write(project, {"wactl.yaml": "shop: s\nlanguages: [en]\npaths: {flows: [.]}\n",
                    "a.yaml": "flow: a\ntrigger: {keyword: hi}\nsteps:\n"
                              "  - id: s\n    send: {vi: chao, en: hi}\n",
                    "tests/one.yaml": TEST_A, "tests/two.yaml": TEST_B})
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["validate", "tests/two.yaml"])
    assert "WA209" in result.output, result.output
    result = CliRunner().invoke(app, ["validate", "a.yaml"])
    assert result.exit_code == 0 and "1 file" in result.output, result.output


def test_validating_one_file_resolves_names_across_its_project(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from wactl.cli import app

    write(project, {
        "wactl.yaml": "shop: s\nlanguages: [en]\npaths: {flows: [flows], agents: [agents]}\n",
        "flows/a.yaml": "flow: a\nsteps:\n  - id: s\n    send: {vi: xin chao, en: hi}\n"
                        "  - id: r\n    run: b\n",
        "flows/b.yaml": "flow: b\nsteps:\n  - id: x\n    goto: nowhere\n",
    })
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["validate", "flows/a.yaml"])
    assert result.exit_code == 0, result.output  # b's own error is not a's business
    assert "1 flow" in result.output
    result = CliRunner().invoke(app, ["validate", "flows"])
    assert result.exit_code == 1 and "WA203" in result.output


def test_without_a_project_the_default_is_cwd(project: Path) -> None:
    if sources.find_project_file() is None:
        assert sources.default_paths() == ["."]


def test_missing_paths(project: Path) -> None:
    write(project, {"a.yaml": "x"})
    assert [d.span.file for d in sources.missing_paths(["a.yaml", "b.yaml"])] == ["b.yaml"]
