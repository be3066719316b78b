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
    return Diagnostic(code, CODES[code].severity, message, Span.whole(path), hint)


def decode_source(path: str, data: bytes, max_bytes: int = MAX_SOURCE_BYTES) -> str | Diagnostic:
    """The UTF-8 text of `data` (BOM dropped, newlines normalised), or why it is not text."""
    if len(data) > max_bytes:
        return _diag("WA108", f"file is {len(data):,} bytes; flow files may be at most "
                     f"{max_bytes:,} bytes", path, "split it into several files")
    if _utf16(data):
        return _diag("WA107", "file is UTF-16 text, not UTF-8", path,
                     "save it as UTF-8 (most editors offer \"Save with encoding\")")
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


def _utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or text whose every other byte is NUL (ASCII in UTF-16),
    as some Windows editors save: not binary, only the wrong encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:200]
    pairs = len(head) // 2
    if pairs < 2:
        return False
    return head[1::2].count(0) == pairs or head[0::2].count(0) == pairs
