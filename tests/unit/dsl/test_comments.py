"""Comment finding for `wactl fmt`'s no-loss guarantee."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wactl.cli import app
from wactl.dsl.comments import comments_in, lost_comments

YAML = '''# header
flow: f   # trailing
steps:
  - id: s
    send: "a # is text here"
  - id: t
    send: |
      # not a comment, block text
      x
# last
'''


def test_yaml_comments_skip_scalars_and_block_text() -> None:
    assert comments_in("f.yaml", YAML) == [(1, "header"), (2, "trailing"), (10, "last")]


def test_yaml_hash_inside_a_word_is_not_a_comment() -> None:
    assert comments_in("f.yaml", "a: b#c\nd: 'e # f'\n") == []


def test_flow_comments_are_full_lines() -> None:
    text = 'flow f\n  # above\n  s: say "x # y"\n'
    assert comments_in("f.flow", text) == [(2, "above")]


def test_lost_comments_counts_each_occurrence() -> None:
    old = "# a\n# a\nk: v  # b\n"
    assert lost_comments("x.yaml", old, "x.yaml", "# a\nk: v\n") == [(2, "a"), (3, "b")]
    assert lost_comments("x.yaml", old, "x.yaml", old) == []


def test_fmt_keeps_end_of_line_comments(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text('flow: f\nsteps:\n  - id: s\n    send: "hi"     # greet\n'
                    '    next: t   # then\n  - {id: t,   ask: "Name?",  # who\n'
                    '     save: name}\n', encoding="utf-8")
    check = CliRunner().invoke(app, ["fmt", "--check", str(path)])
    assert check.exit_code == 1 and "Would reformat" in check.output
    result = CliRunner().invoke(app, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == (
        "flow: f\nsteps:\n  - id: s\n    send: hi  # greet\n    next: t  # then\n"
        "  - id: t  # who\n    ask: Name?\n    save: name\n")
    again = CliRunner().invoke(app, ["fmt", "--check", str(path)])
    assert again.exit_code == 0, again.output


def test_fmt_fails_rather_than_drop_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    text = 'flow: f\nrule: false   # not a rule\nsteps:\n  - {id: s, send: "hi"}\n'
    path.write_text(text, encoding="utf-8")
    for args in (["fmt", str(path)], ["fmt", "--check", str(path)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "not formatted" in result.output and "line 2 (# not a rule)" in result.output
        assert path.read_text(encoding="utf-8") == text


def test_fmt_keeps_comments_above_steps(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text('flow: f\nsteps:\n  # greet first\n  - id: s\n    send: "hi"\n',
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert "# greet first" in path.read_text(encoding="utf-8")
