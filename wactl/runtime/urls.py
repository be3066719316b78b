"""A `call` step's URL: its template rendered with every value percent-encoded where it lands.

A value from a template (often typed by a customer) must never change the shape of
the URL the merchant wrote: `../../admin/delete?force=1#` in a path segment stays in
that segment (`..%2F..%2Fadmin%2Fdelete%3Fforce%3D1%23`), `a&admin=1` in a query
value stays that value, and `@127.0.0.1:8080/` written into the host part cannot
make another host (`%40127.0.0.1%3A8080%2F...` is no host at all).  So a value is
encoded with no safe character but the unreserved ones (letters, digits, `-._~`);
in a path a value made only of dots (`..`) has its dots encoded too, so it is never
a dot segment.

The one exception is a value that *starts* the URL (`url: "{{ api }}/orders"`): it
is the base the merchant chose and is kept as written, like literal text (only spaces,
control characters and non-ASCII outside the host encoded).  The validate check warns about
any URL whose host comes from a template, and the HTTP client's egress policy judges
the rendered URL whatever it holds.

The literal text keeps its reserved characters; spaces and non-ASCII outside the host
are percent-encoded, so the result is a complete, encoded URL that the client sends
as it is (yarl's `encoded=True`: no second decoding, no dot-segment folding).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from wactl.compiler.egress import SCHEME_PREFIX, UrlPart, url_part
from wactl.dsl.expr import Hole, parse_template_source
from wactl.runtime.expressions import MAX_TEXT, ExprError, Meter
from wactl.runtime.templates import render_hole

LITERAL_SAFE = "!#$&'()*+,/:;=?@[]~%"
"""Reserved characters and `%` stay as the merchant wrote them; anything else is encoded."""


def render_url(src: str, scope: Mapping[str, Any], budget: int = 10_000) -> str:
    """The URL template `src` rendered in `scope`, each value encoded for its place."""
    node, errors = parse_template_source(src)
    if node is None or errors:
        code, message, offset = errors[0]
        raise ExprError("syntax_error", f"{message} ({code})", offset)
    meter = Meter(budget)
    out = ""
    for part in node.parts:
        if isinstance(part, Hole):
            out += encode_value(render_hole(part, scope, meter), url_part(out))
        else:
            out += encode_literal(part, url_part(out))
        if len(out) > MAX_TEXT:
            raise ExprError("too_large", f"URL is over the {MAX_TEXT:,} character limit", 0)
    return out


def encode_value(text: str, part: UrlPart) -> str:
    """A rendered value made inert for its place in the URL."""
    if part == "start":
        return encode_literal(text, part)
    encoded = quote(text, safe="")
    if part == "path" and encoded and encoded.strip(".") == "":
        return "%2E" * len(encoded)
    return encoded


@lru_cache(maxsize=4096)
def encode_literal(text: str, part: UrlPart) -> str:
    """The merchant's own text: reserved characters kept; in the host part, all of it kept.

    Cached: a flow's literal parts and the places they land in are few, and `quote`
    is a good share of a `call` step's cost."""
    if part in ("start", "authority"):
        head, tail = _split_authority(text, part)
        return _printable(head) + quote(tail, safe=LITERAL_SAFE)
    return quote(text, safe=LITERAL_SAFE)


def _printable(text: str) -> str:
    """Spaces and control characters percent-encoded, anything else kept (IDNA hosts)."""
    return "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 or ord(c) == 0x7F else c for c in text)


def _split_authority(text: str, part: UrlPart) -> tuple[str, str]:
    """`text` cut where its scheme and host part end (the host may be non-ASCII, IDNA)."""
    start = 0
    if part == "start":
        scheme = SCHEME_PREFIX.match(text)
        if scheme is None or not scheme.group(1):
            return "", text
        start = scheme.end()
    end = next((i for i in range(start, len(text)) if text[i] in "/?#"), len(text))
    return text[:end], text[end:]
