"""Turning a file's bytes into text the loaders can trust, or into a diagnostic.

The CLI reads files; this module only judges bytes it is handed, so the dsl stays
free of I/O and a binary, non-UTF-8 or oversized file becomes a WA107/WA108
diagnostic instead of a traceback deep inside a parser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wactl.diagnostics import CODES, Diagnostic, Span

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""Flow files are hand-written; anything larger is a mistake (a dump, a binary)."""
MAX_PROJECT_BYTES = 8 * 1024 * 1024
"""All of a project's files together: about 70,000 generated steps.  Validation time and
memory grow linearly with the text (7.3 MB measured about 9 s of CPU and 470 MB), so this
bounds both."""
MAX_PROJECT_FILES = 2_000
MAX_PROJECT_FLOWS = 2_000


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one validation reads: per file and per project (WA108, WA113).

    The defaults are for hand-written projects; a caller (a test, a service with its own
    quotas) may pass other values to `read_sources` and `compile_project`.
    """

    file_bytes: int = MAX_SOURCE_BYTES
    project_bytes: int = MAX_PROJECT_BYTES
    project_files: int = MAX_PROJECT_FILES
    project_flows: int = MAX_PROJECT_FLOWS


DEFAULT_LIMITS = Limits()

SOURCE_SUFFIXES = (".yaml", ".yml", ".flow")


def _diag(code: str, message: str, path: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, CODES[code].severity, message, Span(path, 1, 1, 1, 1), hint)


def file_too_large(path: str, size: int, max_bytes: int = MAX_SOURCE_BYTES) -> Diagnostic:
    """WA108: a file of `size` bytes is over the per-file limit."""
    return _diag("WA108", f"file is {size:,} bytes; flow files may be at most {max_bytes:,} "
                 "bytes", path, "split it into several files")


def decode_source(path: str, data: bytes, max_bytes: int = MAX_SOURCE_BYTES) -> str | Diagnostic:
    """The UTF-8 text of `data` (BOM dropped, newlines normalised), or why it is not text."""
    if len(data) > max_bytes:
        return file_too_large(path, len(data), max_bytes)
    if b"\x00" in data:
        return _diag("WA107", "file looks binary (it contains NUL bytes)", path,
                     "only .yaml, .yml and .flow text files are read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return Diagnostic("WA107", CODES["WA107"].severity,
                          f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                          Span(path, line, col, line, col + 1), "save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def project_limit(sizes: Iterable[tuple[str, int]],
                  limits: Limits = DEFAULT_LIMITS) -> Diagnostic | None:
    """WA113 at the first file (in the order given) past a project limit, else None.

    `sizes` are `(path, bytes)`; the caller reads or compiles nothing once this is not None,
    so a project that is too large costs a directory walk, not a validation.
    """
    total = 0
    for count, (path, size) in enumerate(sizes, start=1):
        total += size
        if count > limits.project_files:
            return _diag("WA113", f"the project has more than {limits.project_files:,} files; "
                         "this is the first one past the limit", path, _SPLIT_HINT)
        if total > limits.project_bytes:
            return _diag("WA113", f"the project's files reach {total:,} bytes with this one; "
                         f"a project may have at most {limits.project_bytes:,} bytes", path,
                         _SPLIT_HINT)
    return None


def too_many_flows(first_past: Span, count: int, limits: Limits = DEFAULT_LIMITS) -> Diagnostic:
    """WA113 for a project with more flows than the limit, at the first one past it."""
    return Diagnostic("WA113", CODES["WA113"].severity, f"the project has {count:,} flows; a "
                      f"project may have at most {limits.project_flows:,}", first_past,
                      _SPLIT_HINT)


_SPLIT_HINT = ("split it into several projects (one `wactl.yaml` each), or keep files that are "
               "not flows out of its paths")
