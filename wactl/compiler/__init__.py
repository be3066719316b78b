"""The compiler: name resolution, checks and lowering of a project to the step-graph IR.

The names are imported on first use (PEP 562), so `wactl validate`, which never
lowers, does not pay for building the IR models at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wactl.compiler.ir import SCHEMA_VERSION as SCHEMA_VERSION
    from wactl.compiler.ir import IRAgent as IRAgent
    from wactl.compiler.ir import IREdge as IREdge
    from wactl.compiler.ir import IRFlow as IRFlow
    from wactl.compiler.ir import IRProject as IRProject
    from wactl.compiler.ir import IRStep as IRStep
    from wactl.compiler.ir import IRTrigger as IRTrigger
    from wactl.compiler.ir import Program as Program
    from wactl.compiler.ir import canonical_json as canonical_json
    from wactl.compiler.ir import content_hash as content_hash
    from wactl.compiler.ir import ir_json_schema as ir_json_schema
    from wactl.compiler.project import CompileResult as CompileResult
    from wactl.compiler.project import compile_files as compile_files
    from wactl.compiler.project import compile_project as compile_project

__all__ = [
    "SCHEMA_VERSION",
    "CompileResult",
    "IRAgent",
    "IREdge",
    "IRFlow",
    "IRProject",
    "IRStep",
    "IRTrigger",
    "Program",
    "canonical_json",
    "compile_files",
    "compile_project",
    "content_hash",
    "ir_json_schema",
]

_HOME = {name: "wactl.compiler.project"
         for name in ("CompileResult", "compile_files", "compile_project")}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME.get(name, "wactl.compiler.ir")), name)
    globals()[name] = value
    return value
