"""The process exit codes of every `wactl` command.

CI pipelines branch on these, so they are part of the interface: a failing check is
1, a mistake in how the command was called is 2, and a wactl bug is 3 (so a script can
tell "your flows are broken" from "the tool is broken").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """0 OK, 1 invalid flows (or warnings under --strict), 2 usage error, 3 internal error."""

    OK = 0
    INVALID = 1
    USAGE = 2
    INTERNAL = 3
