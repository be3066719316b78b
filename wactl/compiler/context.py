"""What every check reads: the loaded files, symbol tables, graphs, and the diagnostic bag.

Built once per `compile_project` call by `resolve.build_context`; checks only read it
and append diagnostics.  Expressions and templates are parsed lazily through
`expr()`/`template()`, cached per AST node, so each one is parsed (and its syntax
errors reported) exactly once however many checks look at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wactl.compiler.graph import FlowGraph
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast

if TYPE_CHECKING:
    from wactl.dsl.expr import ExprNode, TemplateNode


@dataclass
class Context:
    """The project as the checks see it.  First definition wins on duplicate ids."""

    files: list[ast.SourceFile]
    project: ast.Project
    bag: DiagnosticBag
    flows: dict[str, ast.Flow] = field(default_factory=dict)
    flow_files: dict[str, str] = field(default_factory=dict)
    agents: dict[str, ast.Agent] = field(default_factory=dict)
    tests: list[ast.ConvTest] = field(default_factory=list)
    graphs: dict[str, FlowGraph] = field(default_factory=dict)
    broken_files: set[str] = field(default_factory=set)
    _exprs: dict[int, ExprNode | None] = field(default_factory=dict)
    _templates: dict[int, TemplateNode | None] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        """The project's languages, default first."""
        return [self.project.language, *(x for x in self.project.languages
                                         if x != self.project.language)]

    def expr(self, node: ast.Expr) -> ExprNode | None:
        """The parsed expression (None when it has syntax errors, reported once)."""
        key = id(node)
        if key not in self._exprs:
            from wactl.dsl.expr import parse_expr

            parsed, diags = parse_expr(node.src, node.span)
            self.bag.extend(diags)
            self._exprs[key] = parsed
        return self._exprs[key]

    def template(self, node: ast.Template) -> TemplateNode | None:
        """The parsed template (None when it has syntax errors, reported once)."""
        key = id(node)
        if key not in self._templates:
            from wactl.dsl.expr import parse_template

            parsed, diags = parse_template(node.src, node.span)
            self.bag.extend(diags)
            self._templates[key] = parsed
        return self._templates[key]
