"""Static analysis helpers and the printer for expression ASTs (see `wactl.dsl.expr`)."""

from __future__ import annotations

from collections.abc import Iterator

from wactl.dsl.expr.nodes import (
    ATOM_PREC,
    BINARY_PREC,
    CMP_PREC,
    FILTER_PREC,
    NEG_PREC,
    NOT_PREC,
    POSTFIX_PREC,
    ROOT_FIELDS,
    ROOTS,
    Attr,
    Binary,
    Call,
    ExprNode,
    Filter,
    Hole,
    Index,
    ListLit,
    Literal,
    Name,
    TemplateNode,
    Unary,
)

# --------------------------------------------------------------------------- static info


def children(node: ExprNode) -> tuple[ExprNode, ...]:
    """Direct sub-expressions, in source order."""
    if isinstance(node, Attr):
        return (node.value,)
    if isinstance(node, Index):
        return (node.value, node.index)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Filter):
        return (node.value, *node.args)
    return ()


def walk(node: ExprNode | TemplateNode) -> Iterator[tuple[ExprNode, int]]:
    """Every node with the offset to add to its own offsets (a hole's start in a template)."""
    roots = ([(p.expr, p.offset) for p in node.parts if isinstance(p, Hole)]
             if isinstance(node, TemplateNode) else [(node, 0)])
    stack = roots[::-1]
    while stack:
        current, base = stack.pop()
        yield current, base
        stack.extend((child, base) for child in reversed(children(current)))


def names_read(node: ExprNode | TemplateNode) -> list[tuple[str, int]]:
    """Flow variables read (roots excluded), with offsets relative to the parsed string.

    `vars.x` / `vars["x"]` are deliberately not reported: they are the null-safe way to
    look at a variable that may not be set.
    """
    return [(n.name, base + n.offset) for n, base in walk(node)
            if isinstance(n, Name) and n.name not in ROOTS]


def root_fields(node: ExprNode | TemplateNode) -> list[tuple[str, str, int]]:
    """`(root, field, offset of field)` for every `root.field` on a root in ROOT_FIELDS."""
    return [(n.value.name, n.name, base + n.end - len(n.name)) for n, base in walk(node)
            if isinstance(n, Attr) and isinstance(n.value, Name) and n.value.name in ROOT_FIELDS]


def regex_literals(node: ExprNode | TemplateNode) -> list[tuple[str, int]]:
    """`(pattern, offset)` of every string literal on the right of `matches`."""
    return [(n.right.value, base + n.right.offset) for n, base in walk(node)
            if isinstance(n, Binary) and n.op == "matches"
            and isinstance(n.right, Literal) and isinstance(n.right.value, str)]


# --------------------------------------------------------------------------- printer


def to_source(node: ExprNode | TemplateNode) -> str:
    """Canonical source text; parsing it gives back an equal tree (property-tested)."""
    if isinstance(node, TemplateNode):
        return "".join(p if isinstance(p, str) else "{{ " + _src(p.expr) + " }}"
                       for p in node.parts)
    return _src(node)


def _prec(node: ExprNode) -> int:
    if isinstance(node, Binary):
        return BINARY_PREC[node.op]
    if isinstance(node, Unary):
        return NOT_PREC if node.op == "not" else NEG_PREC
    if isinstance(node, Filter):
        return FILTER_PREC
    return POSTFIX_PREC if isinstance(node, Attr | Index) else ATOM_PREC


def _wrap(node: ExprNode, min_prec: int) -> str:
    text = _src(node)
    return f"({text})" if _prec(node) < min_prec else text


def _src(node: ExprNode) -> str:
    if isinstance(node, Literal):
        return _literal_src(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Attr):
        return f"{_wrap(node.value, POSTFIX_PREC)}.{node.name}"
    if isinstance(node, Index):
        return f"{_wrap(node.value, POSTFIX_PREC)}[{_src(node.index)}]"
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {_wrap(node.operand, NOT_PREC)}"
        return f"-{_wrap(node.operand, NEG_PREC)}"
    if isinstance(node, Binary):
        prec = BINARY_PREC[node.op]
        left = _wrap(node.left, prec + 1 if prec == CMP_PREC else prec)
        return f"{left} {node.op} {_wrap(node.right, prec + 1)}"
    if isinstance(node, Filter):
        args = f"({_join(node.args)})" if node.args else ""
        return f"{_wrap(node.value, FILTER_PREC)} | {node.name}{args}"
    if isinstance(node, Call):
        return f"{node.name}({_join(node.args)})"
    return f"[{_join(node.items)}]"


def _join(nodes: tuple[ExprNode, ...]) -> str:
    return ", ".join(_src(n) for n in nodes)


def _literal_src(value: str | int | float | bool | None) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return repr(value)
