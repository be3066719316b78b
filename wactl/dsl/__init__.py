"""Loading flow files: the YAML loader and the `.flow` parser, both producing `ast.SourceFile`."""

from __future__ import annotations

from wactl.diagnostics import Diagnostic, Span
from wactl.dsl import ast as ast
from wactl.dsl.source import decode_source as decode_source


def load_source(path: str, text: str) -> tuple[ast.SourceFile | None, list[Diagnostic]]:
    """Parse one file by its suffix; a partial AST comes back with the diagnostics."""
    if path.endswith(".flow"):
        from wactl.dsl.flow.parser import parse_flow

        return parse_flow(path, text)
    from wactl.dsl.yaml.loader import load_yaml

    return load_yaml(path, text)


__all__ = ["Diagnostic", "Span", "ast", "decode_source", "load_source"]
