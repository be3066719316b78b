"""What every check reads: the loaded files, symbol tables, graphs, and the diagnostic bag.

Built once per `compile_project` call by `resolve.build_context`; checks only read it
and append diagnostics.  Expressions and templates are parsed lazily through
`expr()`/`template()`, cached per AST node, so each one is parsed (and its syntax
errors reported) exactly once however many checks look at it; likewise each step's
expression and template sites are listed once (`step_sites()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wactl.compiler import _walk
from wactl.compiler.graph import FlowGraph
from wactl.diagnostics import DiagnosticBag
from wactl.dsl import ast
from wactl.dsl.expr import ExprNode, TemplateNode, parse_expr, parse_template


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
    _exprs: dict[int, ExprNode | None] = field(default_factory=dict)
    _templates: dict[int, TemplateNode | None] = field(default_factory=dict)
    _sites: dict[int, list[_walk.Site]] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        """The project's languages, default first."""
        return [self.project.language, *(x for x in self.project.languages
                                         if x != self.project.language)]

    def expr(self, node: ast.Expr) -> ExprNode | None:
        """The parsed expression (None when it has syntax errors, reported once)."""
        key = id(node)
        if key in self._exprs:
            return self._exprs[key]
        parsed, diags = parse_expr(node.src, node.span)
        if diags:
            self.bag.extend(diags)
        self._exprs[key] = parsed
        return parsed

    def template(self, node: ast.Template) -> TemplateNode | None:
        """The parsed template (None when it has syntax errors, reported once)."""
        key = id(node)
        if key in self._templates:
            return self._templates[key]
        parsed, diags = parse_template(node.src, node.span)
        if diags:
            self.bag.extend(diags)
        self._templates[key] = parsed
        return parsed

    def step_sites(self, step: ast.Step) -> list[_walk.Site]:
        """`_walk.step_sites(step)`, walked once per compile however many checks ask."""
        key = id(step)
        sites = self._sites.get(key)
        if sites is None:
            sites = self._sites[key] = _walk.step_sites(step)
        return sites

    def flow_sites(self, flow: ast.Flow) -> list[_walk.Site]:
        """`_walk.flow_sites(flow)`, with each step's sites from `step_sites`."""
        sites = [_walk.Site("", role, expr) for role, expr in _walk.trigger_exprs(flow.trigger)]
        for step in flow.steps:
            sites.extend(self.step_sites(step))
        return sites
