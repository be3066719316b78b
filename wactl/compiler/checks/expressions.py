"""Parse every expression and template once, then check what the parser alone cannot.

Parsing goes through `ctx.expr`/`ctx.template`, which report syntax errors (WA401,
WA402, WA403, WA406, WA409) exactly once and cache the trees for later families.  On
top of the syntax this family reports fields that no built-in root has (`message.txt`
is always null at runtime: a typo the merchant would otherwise debug in production),
undeclared secrets, and regular expressions that RE2 cannot take (`wactl.dsl.expr.patterns`:
they would fail on the first customer message that reaches them).
"""

from __future__ import annotations

from collections.abc import Iterable

from wactl.compiler import _walk
from wactl.compiler.context import Context
from wactl.diagnostics import Span, did_you_mean
from wactl.dsl import ast
from wactl.dsl import expr as _expr
from wactl.dsl.expr import (
    ROOT_FIELDS,
    Attr,
    Binary,
    ExprNode,
    Index,
    Literal,
    Name,
    TemplateNode,
    regex_problem,
)

REGEX_EXPECT = "regex:"
REGEX_HINT = ("check the pattern's brackets and escapes; patterns run on RE2, which has no "
              "back-references or lookarounds (see docs/reference.md, Regular expressions)")


Tree = ExprNode | TemplateNode
Cache = dict[int, tuple[Tree, list[tuple[ExprNode, int]]]]
"""Per compile: a tree's id -> (the tree, kept alive so the id stays its own; its suspects)."""


def check(ctx: Context) -> None:
    """Parse and check every Expr/Template of every flow and agent."""
    cache: Cache = {}
    nodes = (ast.Expr, ast.Template)
    for flow in ctx.flows.values():
        for site in ctx.flow_sites(flow):
            if isinstance(site.node, nodes):
                _check_node(ctx, site.node, cache)
        for step in flow.steps:
            _check_step_extras(ctx, step, cache)
    for agent in ctx.agents.values():
        for _role, template in _walk.agent_templates(agent):
            _check_node(ctx, template, cache)


def _check_node(ctx: Context, node: ast.Expr | ast.Template, cache: Cache) -> None:
    """Parse one node (reporting syntax errors once) and check its expressions."""
    tree = ctx.expr(node) if isinstance(node, ast.Expr) else ctx.template(node)
    if tree is not None:
        _check_tree(ctx, tree, node.src, node.span, cache)


def _check_step_extras(ctx: Context, step: ast.Step, cache: Cache) -> None:
    """HTTP body string leaves (templates without nodes of their own) and `expect: regex:`."""
    if isinstance(step, ast.CallStep) and step.call.body is not None:
        span = step.call.span
        for src in _walk.json_strings(step.call.body):
            tree, diags = _expr.parse_template(src, span)
            ctx.bag.extend(diags)
            if tree is not None:
                _check_tree(ctx, tree, src, span, cache)
    if isinstance(step, ast.AskStep) and step.expect and step.expect.startswith(REGEX_EXPECT):
        error = regex_problem(step.expect[len(REGEX_EXPECT):])
        if error is not None:
            ctx.bag.add("WA408", f"`expect: regex:` pattern refused: {error}",
                        ast.span_of(step, "expect"), hint=REGEX_HINT)


# --------------------------------------------------------------------------- trees


def _check_tree(ctx: Context, tree: Tree, src: str, span: Span, cache: Cache) -> None:
    """WA407 and WA408 over one parsed expression or template written as `src` at `span`."""
    entry = cache.get(id(tree))
    if entry is None:
        entry = cache[id(tree)] = (tree, _suspects(tree))
    for node, base in entry[1]:
        if isinstance(node, Attr | Index):
            _check_field(ctx, node, base, src, span)
        elif isinstance(node, Binary):
            _check_matches(ctx, node.right, base, src, span)


def _suspects(tree: Tree) -> list[tuple[ExprNode, int]]:
    """The nodes `_check_tree` looks at: field reads and `matches`, with their bases.

    Equal sources share one tree, so this walk runs once per distinct tree.
    """
    return [(node, base) for node, base in _expr.walk(tree)
            if isinstance(node, Attr | Index)
            or (isinstance(node, Binary) and node.op == "matches")]


def _root_field(node: Attr | Index) -> tuple[str, str] | None:
    """(root, field) for `root.field` or `root["field"]`, else None."""
    if not isinstance(node.value, Name):
        return None
    if isinstance(node, Attr):
        return node.value.name, node.name
    if isinstance(node.index, Literal) and isinstance(node.index.value, str):
        return node.value.name, node.index.value
    return None


def _check_field(ctx: Context, node: Attr | Index, base: int, src: str, span: Span) -> None:
    pair = _root_field(node)
    if pair is None:
        return
    root, name = pair
    known: Iterable[str] | None = ROOT_FIELDS.get(root)
    if root == "secrets" and ctx.project.secrets:
        known = ctx.project.secrets
    if known is None or name in known:
        return
    at = node.index if isinstance(node, Index) else node
    start = at.offset if isinstance(node, Index) else node.end - len(name)
    where = _expr.offset_to_span(span, src, base + start, at.end - start)
    if root == "secrets":
        message = f"secret `{name}` is not declared under `secrets:` in wactl.yaml"
    else:
        message = f"`{root}` has no field `{name}` (it would always read as null)"
    hint = did_you_mean(name, known) or f"known fields: {', '.join(sorted(known))}"
    ctx.bag.add("WA407", message, where, hint=hint)


def _check_matches(ctx: Context, right: ExprNode, base: int, src: str, span: Span) -> None:
    if not (isinstance(right, Literal) and isinstance(right.value, str)):
        return
    error = regex_problem(right.value)
    if error is not None:
        where = _expr.offset_to_span(span, src, base + right.offset, right.end - right.offset)
        ctx.bag.add("WA408", f"pattern after `matches` refused: {error}", where, hint=REGEX_HINT)
