"""`wactl validate` with plain arguments, run without typer's argument parsing.

`wactl validate` runs on every commit, in CI and in editors on every save, so its
start-up is most of its cost.  typer coerces each parameter through a pydantic
`TypeAdapter`, and the process's first adapter costs about 80 ms (pydantic's schema
machinery is imported and warmed for it): more than checking a small file takes.
The arguments `validate` takes are few, so the plain forms (paths, `--strict`,
`--format`/`-f` with one of its choices) are read here and go straight to
`validation.run`, the very function the typer command calls (typer is not even
imported).  Anything else (`--help`, an unknown option, a bad choice, `--`) returns
None and typer parses it as before, so its help and its error messages stay the only
ones.  `tests/unit/cli/test_quick.py`
checks that both ways give the same output and exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

FORMATS = ("text", "json", "github", "sarif")
"""The values of `--format` (`_common.OutputFormat`; a test keeps the two equal)."""


@dataclass(frozen=True, slots=True)
class Plain:
    """A `wactl validate` call read without typer."""

    paths: list[str]
    fmt: str = "text"
    strict: bool = False


def plain_validate(argv: Sequence[str]) -> Plain | None:
    """`argv` (without the program name) as a plain `validate` call, else None."""
    if not argv or argv[0] != "validate":
        return None
    paths: list[str] = []
    fmt, strict = "text", False
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--strict":
            strict = True
        elif arg in ("--format", "-f"):
            fmt = next(rest, "")
            if fmt not in FORMATS:
                return None
        elif arg.startswith("--format="):
            fmt = arg.removeprefix("--format=")
            if fmt not in FORMATS:
                return None
        elif arg.startswith("-"):
            return None
        else:
            paths.append(arg)
    return Plain(paths, fmt, strict)


def run(plain: Plain) -> NoReturn:
    """Run the plain call; it ends the process with the command's exit code."""
    from wactl.cli import validation
    from wactl.cli._common import OutputFormat

    validation.run(plain.paths or None, OutputFormat(plain.fmt), plain.strict)
