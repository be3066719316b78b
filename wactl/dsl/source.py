"""Turning a file's bytes into text the loaders can trust, or into a diagnostic.

The CLI reads files; this module only judges bytes it is handed, so the dsl stays
free of I/O and a binary, non-UTF-8 or oversized file becomes a WA107/WA108
diagnostic instead of a traceback deep inside a parser.
"""

from __future__ import annotations

from wactl.diagnostics import CODES, Diagnostic, Span

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""Flow files are hand-written; anything larger is a mistake (a dump, a binary)."""

SOURCE_SUFFIXES = (".yaml", ".yml", ".flow")


def _diag(code: str, message: str, path: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, CODES[code].severity, message, Span(path, 1, 1, 1, 1), hint)


def decode_source(path: str, data: bytes, max_bytes: int = MAX_SOURCE_BYTES) -> str | Diagnostic:
    """The UTF-8 text of `data` (BOM dropped, newlines normalised), or why it is not text."""
    if len(data) > max_bytes:
        return _diag("WA108", f"file is {len(data):,} bytes; flow files may be at most "
                     f"{max_bytes:,} bytes", path, "split it into several files")
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
