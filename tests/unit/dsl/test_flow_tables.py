"""The `.flow` parser's shipped LALR tables: current, equivalent to the grammar, never a pickle.

lark's `cache=True` unpickled `$TMPDIR/.lark_cache_<user>_<hash>_<py>.tmp`, a name anyone
can compute and plant first; the regression test plants a pickle there that would create
a file when unpickled, and shows that wactl never reads it (while lark's cache would).
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark

from wactl.dsl import load_source
from wactl.dsl.flow import _tables
from wactl.dsl.flow.fmt import format_flow
from wactl.dsl.flow.parser import FlowIndenter, _cut_comments, parse_flow

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_FLOWS = sorted((ROOT / "flows").glob("*.yaml")) + sorted((ROOT / "flows").glob("*.flow"))


def example_flow_texts() -> list[str]:
    """Every example flow as `.flow` text (YAML ones converted), comments cut as parse_flow does."""
    texts = []
    for path in EXAMPLE_FLOWS:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yaml":
            file, _ = load_source(path.name, text)
            if file is None or not file.flows:
                continue
            text = format_flow(file)
        texts.append(_cut_comments(text)[0])
    return texts


def test_shipped_tables_are_built_from_the_current_grammar() -> None:
    assert _tables.shipped_is_current(), "run scripts/gen_flow_tables.py"


def test_shipped_tables_parse_every_example_like_the_grammar_itself() -> None:
    texts = example_flow_texts()
    assert len(texts) >= 8
    shipped = _tables.load(FlowIndenter(), None)
    fresh = _tables.build(postlex=FlowIndenter())
    for text in texts:
        assert shipped.parse(text) == fresh.parse(text)


def test_the_json_form_round_trips_lark_data_exactly() -> None:
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = _tables.build().memo_serialize([TerminalDef, Rule])
    original = {"data": data, "memo": memo}
    back = json.loads(json.dumps(_tables._encode(original)), object_hook=_tables._decode)
    assert repr(back) == repr(original)  # int keys, tuples and order all kept


def test_stale_tables_are_ignored_and_the_grammar_analysed(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(_tables, "fingerprint", lambda grammar: "not the shipped one")
    assert not _tables.shipped_is_current()
    parser = _tables.load(FlowIndenter(), None)
    assert isinstance(parser, Lark)
    assert parser.parse('flow a\n  when keyword hi\n\n  s: say "x"\n') is not None


def test_no_call_in_wactl_passes_lark_a_cache_option() -> None:
    found = []
    for path in (ROOT / "wactl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(k.arg in ("cache", "cache_grammar")
                                                  for k in node.keywords):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


# --------------------------------------------------------------------------- planted pickle

OLD_WAY = """
import sys
from lark import Lark
Lark.open_from_package("wactl.dsl.flow", "grammar.lark", parser="lalr", lexer="contextual",
                       propagate_positions=False, maybe_placeholders=True, cache=True)
"""
"""How the parser was built before: lark's temp-directory cache (creates or reads the file)."""

WACTL_PARSE = """
from wactl.dsl.flow.parser import parse_flow
file, diags = parse_flow("a.flow", 'flow a\\n  when keyword hi\\n\\n  s: say "x"\\n')
assert file is not None and diags == [], diags
print("parsed", len(file.flows))
"""


class Planted:
    """Unpickling this creates the file `marker`: proof that the pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.marker), "w")


def _run(code: str, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _plant(tmpdir: Path, marker: Path) -> Path:
    """Let lark write its cache file, then replace the pickle in it with a planted one."""
    assert _run(OLD_WAY, tmpdir).returncode == 0
    [cache_file] = tmpdir.glob(".lark_cache_*.tmp")
    first_line = cache_file.read_bytes().split(b"\n", 1)[0]
    cache_file.write_bytes(first_line + b"\n" + pickle.dumps(Planted(marker)))
    return cache_file


def test_a_pickle_planted_at_lark_s_predictable_cache_path_is_never_loaded(tmp_path: Path
                                                                          ) -> None:
    tmpdir, marker = tmp_path / "tmp", tmp_path / "pwned"
    tmpdir.mkdir()
    cache_file = _plant(tmpdir, marker)
    before = sorted(p.name for p in tmpdir.iterdir())

    run = _run(WACTL_PARSE, tmpdir)
    assert run.returncode == 0, run.stderr
    assert "parsed 1" in run.stdout
    assert not marker.exists()
    assert sorted(p.name for p in tmpdir.iterdir()) == before  # nothing written there either

    _run(OLD_WAY, tmpdir)  # the control: lark's cache does unpickle the planted file
    assert marker.exists(), f"the planted {cache_file.name} was not what lark's cache reads"


def test_the_parser_in_this_process_works_without_a_temp_directory() -> None:
    file, diags = parse_flow("a.flow", 'flow a\n  when keyword hi\n\n  s: say "x"\n')
    assert file is not None and diags == []
