#!/usr/bin/env python3
"""Write wactl/dsl/flow/grammar.tables.json, the `.flow` parser's prepared LALR tables.

    .venv/bin/python scripts/gen_flow_tables.py          write the file
    .venv/bin/python scripts/gen_flow_tables.py --check  exit 1 if it is stale

Run it after editing grammar.lark or upgrading lark (tests/unit/dsl/test_flow_tables.py
fails until then; the parser still works meanwhile, analysing the grammar at start).
"Stale" means the file's fingerprint (grammar, options, lark version) is not the current
one: lark numbers the LALR states in an order that varies from run to run, so two fresh
files for the same grammar are equivalent but not byte-identical.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from wactl.dsl.flow import _tables


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = ap.parse_args(argv)
    target = resources.files(_tables.PACKAGE).joinpath(_tables.TABLES)
    if args.check:
        if not _tables.shipped_is_current():
            print(f"{_tables.TABLES} is stale: run scripts/gen_flow_tables.py", file=sys.stderr)
            return 1
        return 0
    with resources.as_file(target) as path:
        path.write_text(_tables.serialize(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
