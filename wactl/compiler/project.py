"""`compile_project`: text keyed by path in, diagnostics and (when valid) the IR out.

Pure: no file I/O, no environment, no globals.  Files are processed in path order so
the result never depends on the order of the mapping.  Every check family runs on
every file even after errors; a bug inside one family becomes a WA901 diagnostic and
the others still run, so a merchant never sees a traceback.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from wactl.compiler import checks
from wactl.compiler.resolve import build_context
from wactl.diagnostics import Diagnostic, DiagnosticBag, Severity, Span, suggestion_budget
from wactl.dsl import ast
from wactl.dsl.source import DEFAULT_LIMITS, Limits, file_too_large, project_limit, too_many_flows

if TYPE_CHECKING:
    from wactl.compiler.ir import Program

T = TypeVar("T")


@dataclass(frozen=True)
class CompileResult:
    """The IR (None when there were errors), every diagnostic in print order, the ASTs."""

    program: Program | None
    diagnostics: list[Diagnostic]
    files: list[ast.SourceFile]

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]


def compile_project(sources: Mapping[str, str], *, lower: bool = True,
                    limits: Limits = DEFAULT_LIMITS) -> CompileResult:
    """Load, check and lower a project given as `{path: text}`.

    `lower=False` only validates: the result has no program even when there are no
    errors, and the lowering and IR modules are never imported (`wactl validate`
    starts faster).  A project over `limits` (bytes, files, flows; UTF-8 bytes counted)
    is refused with one WA113 before its checks run, a file over them with WA108.
    """
    paths = sorted(sources)
    sizes = {path: len(sources[path].encode("utf-8", "surrogatepass")) for path in paths}
    too_large = project_limit(sizes.items(), limits)
    if too_large is not None:  # refused before any parsing: the limits bound time and memory
        return CompileResult(None, [too_large], [])
    with gc_paused(), suggestion_budget():
        bag = DiagnosticBag()
        files: list[ast.SourceFile] = []
        broken: set[str] = set()
        for path in paths:
            file = _load(path, sources[path], sizes[path], limits, bag, broken)
            if file is not None:
                files.append(file)
        too_many = _too_many_flows(files, limits)
        if too_many is not None:
            bag.extend([too_many])
            return CompileResult(None, bag.sorted(), files)
        return compile_files(files, bag, broken, lower=lower)


def _too_many_flows(files: list[ast.SourceFile], limits: Limits) -> Diagnostic | None:
    """WA113 at the first flow past the limit (files in path order), else None."""
    flows = [flow for file in files for flow in file.flows]
    if len(flows) <= limits.project_flows:
        return None
    return too_many_flows(flows[limits.project_flows].span, len(flows), limits)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector meanwhile (re-enabled only if it was on).

    A compile allocates hundreds of thousands of long-lived, acyclic objects (AST, IR);
    the collections they trigger find nothing to free, and their cost grows with the
    heap, which made compile time grow faster than the project.  Reference counting
    still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compile_files(files: Iterable[ast.SourceFile], bag: DiagnosticBag | None = None,
                  broken_files: Iterable[str] = (), *, lower: bool = True) -> CompileResult:
    """Check and lower already-loaded files (tests build ASTs directly and call this)."""
    with gc_paused(), suggestion_budget():
        return _compile_files(files, bag, broken_files, lower)


def _compile_files(files: Iterable[ast.SourceFile], bag: DiagnosticBag | None,
                   broken_files: Iterable[str], lower: bool) -> CompileResult:
    bag = bag if bag is not None else DiagnosticBag()
    ordered = sorted(files, key=lambda f: f.path)
    where = Span(ordered[0].path) if ordered else Span("<project>")
    ctx = _guarded(bag, "resolve", where, lambda: build_context(ordered, bag, broken_files))
    program = None
    if ctx is not None:
        for check in checks.CHECKS:
            _guarded(bag, _check_name(check), where, partial(check, ctx))
        if lower and not bag.has_errors:
            from wactl.compiler.lower import lower_program

            program = _guarded(bag, "lower", where, lambda: lower_program(ctx))
    return CompileResult(program, bag.sorted(), ordered)


def _load(path: str, text: str, size: int, limits: Limits, bag: DiagnosticBag,
          broken: set[str]) -> ast.SourceFile | None:
    """One file's AST; its errors go into `bag` and mark it broken."""
    from wactl.dsl import load_source

    if size > limits.file_bytes:  # the CLI refuses these when reading; callers of the API too
        bag.extend([file_too_large(path, size, limits.file_bytes)])
        broken.add(path)
        return None
    loaded = _guarded(bag, f"loading {path}", Span(path), lambda: load_source(path, text))
    if loaded is None:
        broken.add(path)
        return None
    file, diags = loaded
    bag.extend(diags)
    if any(d.severity is Severity.ERROR for d in diags):
        broken.add(path)
    return file


def _guarded(bag: DiagnosticBag, what: str, where: Span, run: Callable[[], T]) -> T | None:
    """Run one stage; an unexpected exception becomes WA901 instead of a traceback."""
    try:
        return run()
    except Exception as exc:  # the whole point: no traceback reaches a user
        bag.add("WA901", f"internal error in {what}: {type(exc).__name__}: {exc}; "
                "this is a wactl bug", where,
                hint="please report it with the file that triggers it")
        return None


def _check_name(check: Callable[..., object]) -> str:
    return f"{check.__module__.rsplit('.', 1)[-1]} check"
