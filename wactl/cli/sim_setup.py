"""What `wactl simulate` plugs into the driver: HTTP and AI answers, secrets, the customer.

HTTP calls are answered from a mocks file (the `mocks:` of a conversation test: an
`http:` list and an `ai:` list) or, with `--live-http`, for real.  A mocks file is
read by the same loader as a test, so a mistake in it gets the same diagnostics
(unknown key with "did you mean", a bad duration), and a whole test file works as a
mocks file too.  AI agents are answered from the file's `ai:` mocks when it has any,
by OpenAI when `OPENAI_API_KEY` is set, and otherwise by a stand-in answering
`no_key`, which the engine meets with its fallback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from wactl.compiler.ir import Program
from wactl.diagnostics import Diagnostic, Span
from wactl.dsl import ast, load_source
from wactl.runtime.memory import UnavailableAiClient, UnavailableHttpClient
from wactl.runtime.mocks import MockAi, MockHttp
from wactl.runtime.ports import AiClient, HttpClient

WRAP_LINES = 2
WRAP_INDENT = "  "


def _mocks_problem(path: str, message: str) -> Diagnostic:
    from wactl.diagnostics import CODES

    return Diagnostic("WA100", CODES["WA100"].severity, message, Span(path, 1, 1, 1, 1))


def _unwrap(diag: Diagnostic) -> Diagnostic:
    """A diagnostic of the wrapped text moved back to where it is in the mocks file."""
    s = diag.span
    if s.line <= WRAP_LINES:
        return replace(diag, span=Span(s.file, 1, 1, 1, 1))
    shift = len(WRAP_INDENT)
    return replace(diag, span=Span(s.file, s.line - WRAP_LINES, max(s.col - shift, 1),
                                   s.end_line - WRAP_LINES, max(s.end_col - shift, 1)))


def parse_mocks(path: str, text: str) -> tuple[ast.Mocks | None, list[Diagnostic]]:
    """The mocks of a mocks file (`http:`/`ai:` at the top) or of a whole test file."""
    first = load_source(path, text)
    tests = first[0].tests if first[0] is not None else []
    if tests and tests[0].mocks is not None:
        return tests[0].mocks, first[1]
    indented = "".join(WRAP_INDENT + line for line in text.splitlines(keepends=True))
    wrapped = f"test: simulate\nmocks:\n{indented}"
    loaded, diags = load_source(path, wrapped)
    mocks = loaded.tests[0].mocks if loaded is not None and loaded.tests else None
    return mocks or ast.Mocks(), [_unwrap(d) for d in diags]


def read_mocks(path: str) -> tuple[ast.Mocks | None, list[Diagnostic], str]:
    """The mocks file at `path`, its diagnostics, and its text (for showing them)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [_mocks_problem(path, f"cannot read mocks file `{path}`: {reason}")], ""
    mocks, diags = parse_mocks(path, text)
    return mocks, diags, text


def http_client(mocks: ast.Mocks | None, live: bool,
                program: Program | None = None, allow_local: bool = False) -> HttpClient:
    """Real HTTP with `--live-http`, else the mocks, else every call fails to connect.

    Live calls go under the project's egress policy; `allow_local`
    (`--allow-local-http`) lets them reach this machine too.
    """
    if live:
        from wactl.compiler.egress import project_policy
        from wactl.service.http_client import AiohttpHttpClient

        egress = program.project.egress if program is not None else None
        return AiohttpHttpClient(project_policy(
            egress.allow_hosts if egress else [], bool(egress and egress.allow_http),
            allow_local=allow_local))
    if mocks is not None:
        return MockHttp(mocks.http)
    return UnavailableHttpClient()


def ai_client(program: Program, mocks: ast.Mocks | None,
              env: Mapping[str, str] | None = None) -> tuple[AiClient, bool]:
    """The AI port, and whether it is the no-key stand-in (AI is off)."""
    environ = os.environ if env is None else env
    if mocks is not None and mocks.ai:
        return MockAi(mocks.ai), False
    if environ.get("OPENAI_API_KEY"):
        from wactl.service.openai_ai import AiSettings, OpenAiClient

        return OpenAiClient(AiSettings.from_env(environ), program), False
    return UnavailableAiClient(), True


def secrets_from_env(program: Program, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The project's declared secrets that are set in the environment (for live calls)."""
    environ = os.environ if env is None else env
    return {name: environ[name] for name in program.project.secrets if name in environ}

