"""YAML → AST for what customers read: expressions, templates, texts, messages, templates refs.

An `Expr`/`Template` span starts at the first character of its source text (after a
quote, or on a block scalar's first content line), so the compiler can turn an offset
inside the string into a file position.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode

from wactl.dsl import ast
from wactl.dsl.yaml._read import BOOL, FLOAT, INT, NULL, Reader, opt

_LANG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?\Z")
MESSAGE_KEYS = frozenset({"text", "image", "document", "audio", "video", "caption", "buttons",
                          "list"})
_MEDIA = ("image", "document", "audio", "video")


def expr(r: Reader, node: Node, what: str) -> ast.Expr | None:
    """An expression; YAML `null`, numbers and booleans stand for their expression literal."""
    if isinstance(node, ScalarNode):
        tag = node.tag
        if tag == NULL:
            return ast.Expr(src="null", span=r.span(node))
        if tag == BOOL:
            literal = "true" if node.value.lower() in ("true", "yes", "on") else "false"
            return ast.Expr(src=literal, span=r.span(node))
        if tag == INT or tag == FLOAT:
            return ast.Expr(src=node.value, span=r.span(node))
    src = r.string(node, what)
    if src is None:
        return None
    return ast.Expr(src=src, span=r.text_span(node))


def template(r: Reader, node: Node, what: str) -> ast.Template | None:
    src = r.string(node, what)
    return None if src is None else ast.Template(src=src, span=r.text_span(node))


def text(r: Reader, node: Node, what: str) -> ast.Text | None:
    """Customer-facing text: a string, or `{vi: ..., en: ...}` per language."""
    if not isinstance(node, MappingNode):
        one = template(r, node, what)
        return None if one is None else ast.Text(variants={"": one}, span=r.span(node))
    pairs = r.mapping(node, what) or {}
    variants: dict[str, ast.Template] = {}
    for lang, (key, value) in pairs.items():
        if _LANG.match(lang) is None:
            r.error("WA104", f"`{lang}` is not a language code (like `vi` or `en`)", key)
            continue
        variant = template(r, value, f"{what}.{lang}")
        if variant is not None:
            variants[lang] = variant
    if not pairs:
        r.wrong(node, what, "text, or texts per language like {vi: ..., en: ...}")
    return ast.Text(variants=variants, span=r.span(node)) if variants else None


def message(r: Reader, node: Node, what: str) -> ast.Message | None:
    """A `send`/`ask` value: a string, `{vi: ..., en: ...}`, or `{text, image, ..., list}`."""
    if not isinstance(node, MappingNode) or _languages_only(node):
        body = text(r, node, what)
        return None if body is None else ast.Message(text=body, span=r.span(node))
    pairs = r.mapping(node, what)
    if pairs is None:
        return None
    r.check_keys(pairs, MESSAGE_KEYS, f"this `{what}` message")
    if not any(name in pairs for name in ("text", *_MEDIA)):
        r.error("WA105", f"this `{what}` message needs `text` or a media key "
                "(image, document, audio, video)", node)
    return ast.Message(
        text=opt(r, pairs, "text", text), caption=opt(r, pairs, "caption", text),
        image=opt(r, pairs, "image", template), document=opt(r, pairs, "document", template),
        audio=opt(r, pairs, "audio", template), video=opt(r, pairs, "video", template),
        buttons=buttons(r, pairs["buttons"][1]) if "buttons" in pairs else [],
        list_=list_menu(r, pairs["list"][1]) if "list" in pairs else None,
        span=r.span(node))


def _languages_only(node: MappingNode) -> bool:
    """`send: {vi: ..., en: ...}` is per-language text (no message key is 2-3 letters)."""
    return bool(node.value) and all(isinstance(k, ScalarNode) and _LANG.match(k.value)
                                    for k, _ in node.value)


def buttons(r: Reader, node: Node) -> list[ast.Text]:
    items = r.sequence(node, "buttons")
    if items == []:
        r.wrong(node, "buttons", "a list of one to three button titles",
                "remove `buttons:`, or give it a button")
    out = [text(r, item, "buttons") for item in items or ()]
    return [b for b in out if b is not None]


def list_menu(r: Reader, node: Node) -> ast.ListMenu | None:
    pairs = r.mapping(node, "list")
    if pairs is None:
        return None
    r.check_keys(pairs, ("button", "sections"), "a `list` menu")
    button_node = r.require(pairs, "button", node, "a `list` menu")
    sections_node = r.require(pairs, "sections", node, "a `list` menu")
    button = None if button_node is None else text(r, button_node, "button")
    sections = [section(r, item) for item in r.sequence(sections_node, "sections") or ()] \
        if sections_node is not None else []
    if button is None or sections_node is None:
        return None
    return ast.ListMenu(button=button, sections=[s for s in sections if s is not None],
                        span=r.span(node))


def section(r: Reader, node: Node) -> ast.ListSection | None:
    pairs = r.mapping(node, "sections")
    if pairs is None:
        return None
    r.check_keys(pairs, ("title", "rows"), "a list section")
    title = opt(r, pairs, "title", text)
    rows_node = r.require(pairs, "rows", node, "a list section")
    if rows_node is None:
        return None
    rows = [row(r, item) for item in r.sequence(rows_node, "rows") or ()]
    return ast.ListSection(title=title, rows=[x for x in rows if x is not None],
                           span=r.span(node))


def row(r: Reader, node: Node) -> ast.ListRow | None:
    pairs = r.mapping(node, "rows")
    if pairs is None:
        return None
    r.check_keys(pairs, ("id", "title", "description"), "a list row")
    id_node = r.require(pairs, "id", node, "a list row")
    title_node = r.require(pairs, "title", node, "a list row")
    row_id = None if id_node is None else r.string(id_node, "id")
    title = None if title_node is None else text(r, title_node, "title")
    description = opt(r, pairs, "description", text)
    if row_id is None or title is None:
        return None
    return ast.ListRow(id=row_id, title=title, description=description, span=r.span(node))


def template_ref(r: Reader, node: Node, what: str) -> ast.TemplateRef | None:
    """`template: order_update` or `{name, language, params: [...]}`."""
    if not isinstance(node, MappingNode):
        name = r.string(node, what)
        return None if name is None else ast.TemplateRef(name=name, span=r.span(node))
    pairs = r.mapping(node, what) or {}
    r.check_keys(pairs, ("name", "language", "params"), f"`{what}`")
    name_node = r.require(pairs, "name", node, f"`{what}`")
    name = None if name_node is None else r.string(name_node, "name")
    language = opt(r, pairs, "language", Reader.string)
    params: list[ast.Template] = []
    if "params" in pairs:
        for item in r.sequence(pairs["params"][1], "params") or ():
            param = template(r, item, "params")
            if param is not None:
                params.append(param)
    if name is None:
        return None
    return ast.TemplateRef(name=name, language=language, params=params, span=r.span(node))
