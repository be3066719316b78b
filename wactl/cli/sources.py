"""Reading a project's files from disk, the only place the CLI touches flow files.

The compiler is pure (it takes `{path: text}`), so everything that can go wrong with a
file system — a missing path, an unreadable file, bytes that are not UTF-8, a file far
too large — becomes a diagnostic here, before any parser runs.  Paths are shown
relative to the working directory with `/` separators, so diagnostics read the same in
a terminal, in CI annotations and in golden tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wactl.diagnostics import CODES, Diagnostic, Span, did_you_mean
from wactl.dsl.source import (
    DEFAULT_LIMITS,
    MAX_SOURCE_BYTES,
    SOURCE_SUFFIXES,
    Limits,
    decode_source,
    project_limit,
)

if TYPE_CHECKING:
    from wactl.dsl import ast

PROJECT_FILE = "wactl.yaml"
_TEST_KEY = re.compile(r"^['\"]?test['\"]?[ \t]*:", re.MULTILINE)
"""A top-level `test:` key at the start of a line: what makes a YAML file a test file."""
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__"})
"""Directories never searched for flows (besides every hidden directory)."""


def display_path(path: Path) -> str:
    """`path` relative to the working directory when below it, always with `/`."""
    absolute = path.absolute()
    try:
        shown = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        shown = str(absolute)
    return Path(shown).as_posix()


def _wa100(path: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic("WA100", CODES["WA100"].severity, message, Span.whole(path), hint)


def missing_path_diagnostic(raw: str) -> Diagnostic:
    """WA100 for a path that does not exist, with a 'did you mean' among its siblings."""
    path = Path(raw)
    parent = path.parent if str(path.parent) else Path(".")
    siblings = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
    return _wa100(Path(raw).as_posix(), f"path `{raw}` does not exist",
                  did_you_mean(path.name, siblings))


def missing_paths(paths: Sequence[str]) -> list[Diagnostic]:
    """A WA100 diagnostic per path that does not exist (a usage error for commands)."""
    return [missing_path_diagnostic(p) for p in paths if not os.path.exists(p)]


def iter_source_files(root: Path) -> Iterator[Path]:
    """Every .yaml/.yml/.flow file below `root`, sorted, skipping hidden and tool dirs."""
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES) and not name.startswith("."):
                yield Path(current) / name


def read_source(path: Path, max_bytes: int = MAX_SOURCE_BYTES) -> tuple[str, str | Diagnostic]:
    """The display path of one file and its decoded text, or the diagnostic saying why not."""
    key = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return key, _wa100(key, f"cannot read `{key}`: {reason}")
    return key, decode_source(key, data, max_bytes)


def read_sources(
    paths: Sequence[str], max_bytes: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, str], list[Diagnostic]]:
    """The text of every source file under `paths` (files named explicitly are always read).

    Returns `{display path: text}` in path order and the WA100/WA107/WA108 diagnostics of
    the paths and files that could not be read; those files are left out of the mapping.
    A project past a size limit (WA113, files and bytes counted before reading) is not
    read at all.
    """
    limit = limits.file_bytes if max_bytes is None else max_bytes
    sources: dict[str, str] = {}
    diags = [missing_path_diagnostic(raw) for raw in paths if not Path(raw).exists()]
    files = _project_files(paths, limits.project_files)
    too_large = project_limit(((key, _size(file)) for key, file in files.items()), limits)
    if too_large is not None:  # read nothing: one diagnostic, not a slow, partial project
        return {}, [*diags, too_large]
    for key, file in files.items():
        _, text = read_source(file, limit)
        if isinstance(text, Diagnostic):
            diags.append(text)
        else:
            sources[key] = text
    return sources, diags


def _project_files(paths: Sequence[str], max_files: int) -> dict[str, Path]:
    """{display path: path} of the files PATHS name, in order; at most one past the file limit."""
    found: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            continue
        for file in [path] if path.is_file() else iter_source_files(path):
            found.setdefault(display_path(file), file)
            if len(found) > max_files:
                return found
    return found


def _size(path: Path) -> int:
    """The file's size in bytes (0 when it cannot be read: read_source reports that)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def find_project_file(start: Path | None = None) -> Path | None:
    """The nearest `wactl.yaml` in `start` (default: the working directory) or above it."""
    here = (start or Path.cwd()).absolute()
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def project_paths(project_file: Path) -> list[str]:
    """The existing folders the project file's `paths` names (its own folder if unreadable)."""
    from wactl.dsl import load_source

    root = project_file.parent
    key, text = read_source(project_file)
    loaded = load_source(key, text)[0] if isinstance(text, str) else None
    project = loaded.project if loaded is not None else None
    if project is None:
        return [display_path(root)]
    names = [*project.paths.flows, *project.paths.agents, *project.paths.tests]
    found = [display_path(root / n) for n in dict.fromkeys(names) if (root / n).exists()]
    return [display_path(project_file), *found]


def default_paths() -> list[str]:
    """What a command reads without PATHS: the project's paths, or the working directory."""
    project_file = find_project_file()
    return project_paths(project_file) if project_file else ["."]


def project_of(paths: Sequence[str]) -> Path | None:
    """The `wactl.yaml` nearest above the first of PATHS (the working directory without any)."""
    if not paths:
        return find_project_file()
    first = Path(paths[0]).absolute()
    return find_project_file(first if first.is_dir() else first.parent)


def add_project_context(
    sources: dict[str, str], diags: list[Diagnostic], project_file: Path | None
) -> set[str]:
    """Add the rest of the project PATHS belong to; return the keys added only as context.

    Validating one file of a project must resolve its `run`, `link` and `agent` names,
    see the other flows' triggers (keyword conflicts, shadowed patterns) and read the
    project's languages, templates and secrets, so every flow and agent file is read;
    the caller reports only on the files it was asked about (and on `wactl.yaml`).
    Conversation tests are context only for files that declare tests themselves (two
    tests sharing a name): nothing a test says changes a flow's or agent's diagnostics,
    so checking one flow of a project with many tests does not parse them all.
    """
    if project_file is None:
        return set()
    extra, extra_diags = read_sources(project_paths(project_file))
    project_key = display_path(project_file)
    context = {key for key in extra if key not in sources and key != project_key}
    if not any(declares_tests(key, text) for key, text in sources.items()):
        context = {key for key in context if not declares_tests(key, extra[key])}
    for key in [project_key, *sorted(context)]:
        if key in extra:
            sources.setdefault(key, extra[key])
    # a project too large to read is reported whichever of its files was asked about
    diags.extend(d for d in extra_diags if d.span.file == project_key or d.code == "WA113")
    return context


def declares_tests(key: str, text: str) -> bool:
    """True when the file is a conversation test: YAML with a top-level `test:` key (the
    loader reads such a file as one test and nothing else); a `.flow` file never is."""
    return not key.endswith(".flow") and _TEST_KEY.search(text) is not None


# --------------------------------------------------------------------------- project paths


def project_warnings(project_file: Path | None,
                     files: Sequence[ast.SourceFile]) -> list[Diagnostic]:
    """WA705 when the project's flow paths hold no flow (naming the folders searched) and
    WA706 for each flow file beside `wactl.yaml` that its paths leave out: both used to
    pass silently, with the merchant's flows never checked."""
    from wactl.dsl import ast

    if project_file is None:
        return []
    key = display_path(project_file)
    project = next((f.project for f in files if f.path == key and f.project), None) \
        or ast.Project()
    root = project_file.parent.absolute()
    paths = project.paths
    out = [_outside_paths(display_path(p), paths) for p in _beside(project_file)
           if not _under(p, root, [*paths.flows, *paths.agents, *paths.tests])]
    folders = [root / p for p in paths.flows]
    if not any(f.flows and _under(Path(f.path), root, paths.flows) for f in files):
        shown = ", ".join(f"`{display_path(p)}/`" for p in folders)
        out.append(_diagnostic("WA705", f"no flow found in the project's flow paths: {shown} "
                               "(`paths.flows` in wactl.yaml; the default is `flows/`)",
                               key, _paths_line(project_file), "put the flows there, or "
                               "list their folders under `paths: {flows: [...]}`"))
    return out


def _beside(project_file: Path) -> list[Path]:
    folder = project_file.parent
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != project_file.name
                  and p.name.endswith(SOURCE_SUFFIXES) and not p.name.startswith("."))


def _under(path: Path, root: Path, folders: Sequence[str]) -> bool:
    absolute = path.absolute()
    return any(absolute.is_relative_to((root / f).absolute()) for f in folders)


def _outside_paths(key: str, paths: ast.ProjectPaths) -> Diagnostic:
    shown = ", ".join(f"`{p}`" for p in paths.flows)
    return _diagnostic("WA706", f"`{key}` is beside wactl.yaml but outside the project's "
                       f"paths (flows: {shown}), so commands run without PATHS skip it",
                       key, 0, "move it into a flow folder, or add `.` to `paths.flows`")


def _paths_line(project_file: Path) -> int:
    """The line of `paths:` in wactl.yaml (where a fix goes), else 0 (the whole file)."""
    try:
        lines = project_file.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((i + 1 for i, line in enumerate(lines) if line.startswith("paths:")), 0)


def _diagnostic(code: str, message: str, key: str, line: int, hint: str) -> Diagnostic:
    span = Span(key, line, 1, line, 1) if line else Span.whole(key)
    return Diagnostic(code, CODES[code].severity, message, span, hint)
