"""`wactl simulate`: chat with the flows in the terminal before anything is deployed.

The merchant types as a customer would; the bot's answers are drawn as WhatsApp shows
them (`chat_render`), the clock moves only when told (`/time +2h` fires due waits and
schedules), and `/state`, `/vars`, `/customer`, `/trace` show what the engine holds.
`--script FILE` replays a transcript of the same lines without a terminal and prints
the whole conversation: a reproducible bug report.

Exit codes: 0 when the session ends; 1 when the flows have errors (as `validate`);
2 when it cannot start otherwise (a missing path, a bad mocks file, a bad option).
"""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from wactl.cli._common import (
    finish,
    print_diagnostics,
    print_failure,
    read_and_compile,
    usage_error_for_missing,
)
from wactl.cli.chat_render import ChatView, effect_note
from wactl.cli.exit_codes import ExitCode
from wactl.cli.sim_input import Bad, Pick, Say, SendImage, SendLocation, parse_line
from wactl.cli.sim_session import Note, Output, Session, SessionConfig, TableOut, UserSaid
from wactl.compiler.ir import Program
from wactl.dsl import ast
from wactl.runtime.effects import SendInteractive, SendMedia, SendTemplate, SendText

BANNER = "wactl simulate: type as the customer; /help lists the commands, /quit leaves"


MESSAGES = (Say, Pick, SendImage, SendLocation)
"""Commands that send a message (shown as the customer's bubble, not echoed as typed)."""


class Lang(StrEnum):
    VI = "vi"
    EN = "en"


def show(view: ChatView, outputs: list[Output], typed: str | None = None) -> None:
    """Draw a session's outputs; `typed` (interactive) is not echoed back as a bubble."""
    for item in outputs:
        if isinstance(item, UserSaid):
            if item.text != typed:
                view.user(item.text)
        elif isinstance(item, Note):
            (view.error if item.level == "error" else view.note)(item.text)
        elif isinstance(item, TableOut):
            view.table(item.title, item.rows)
        elif isinstance(item, SendText | SendMedia | SendInteractive | SendTemplate):
            view.bot(item)
        else:
            note = effect_note(item)
            if note:
                view.note(note)


async def replay(session: Session, view: ChatView, lines: list[str]) -> int:
    """Run a transcript line by line, showing each command typed and every answer; the
    number of lines that were no command (a script with a typo must not pass)."""
    bad = 0
    for line in lines:
        command = parse_line(line)
        if command is None:
            continue
        bad += isinstance(command, Bad)
        if not isinstance(command, MESSAGES):
            view.note(f"› {line.strip()}", style="bold")
        show(view, await session.run(command))
        if session.quit:
            break
    return bad


async def interact(session: Session, view: ChatView) -> None:
    """The interactive loop: read a line, run it, draw the answer, until /quit or EOF."""
    view.note(BANNER)
    while not session.quit:
        try:
            line = view.console.input("[bold blue]you ›[/] ")
        except (EOFError, KeyboardInterrupt):
            view.console.print()
            break
        show(view, await session.run_line(line), typed=line.strip())


async def simulate(session: Session, view: ChatView, flow: str | None,
                   script: list[str] | None) -> int:
    """Start `flow` if asked, then replay `script` or talk interactively; the number of
    unknown commands in the script."""
    try:
        if flow is not None:
            show(view, await session.start_flow(flow))
        if script is not None:
            return await replay(session, view, script)
        await interact(session, view)
        return 0
    finally:
        await session.close()


# --------------------------------------------------------------------------- setup


def quiet_runtime_log() -> None:
    """The chat view shows every warning the runtime logs (as `· warning ...`), so the
    runtime's `logging` records must not also reach stderr bare (Python's last-resort
    handler prints them when nobody configured logging)."""
    logging.getLogger("wactl.runtime").addHandler(logging.NullHandler())


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    finish(ExitCode.USAGE)


def compile_program(paths: list[str] | None) -> Program:
    """The program of PATHS; diagnostics with errors are printed and end the command (1)."""
    missing = usage_error_for_missing(paths or [])
    if missing:
        print_diagnostics(missing, {})
        finish(ExitCode.USAGE)
    compiled = read_and_compile(paths)
    program = compiled.result.program
    if compiled.has_errors or program is None:
        print_failure(compiled)
        finish(ExitCode.INVALID)
    print_diagnostics(compiled.diagnostics, compiled.sources)  # warnings
    return program


def load_mocks(path: str | None) -> ast.Mocks | None:
    """The mocks file's mocks; its errors are printed and end the command (2)."""
    if path is None:
        return None
    from wactl.cli.sim_setup import read_mocks

    mocks, diags, text = read_mocks(path)
    if diags:
        print_diagnostics(diags, {path: text})
    if mocks is None or any(d.severity.value == "error" for d in diags):
        finish(ExitCode.USAGE)
    return mocks


def read_script(path: str | None) -> list[str] | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _usage(f"cannot read script `{path}`: {reason}")


def session_config(program: Program, mocks: ast.Mocks | None, live_http: bool, wa_id: str,
                   lang: Lang | None, allow_local: bool = False) -> SessionConfig:
    from wactl.cli.sim_setup import ai_client, http_client, secrets_from_env

    ai, ai_off = ai_client(program, mocks)
    http = http_client(mocks, live_http, program, allow_local)
    return SessionConfig(http=http, ai=ai, ai_off=ai_off,
                         wa_id=wa_id, language=lang.value if lang else None,
                         secrets=secrets_from_env(program))


def command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Flow files and folders (default: the project).", show_default=False)] = None,
    phone: Annotated[str, typer.Option(
        "--as", help="The customer's WhatsApp number.")] = "84900000000",
    flow: Annotated[str | None, typer.Option(
        "--flow", help="Start this flow at once (no trigger needed).")] = None,
    script: Annotated[str | None, typer.Option(
        "--script", help="Replay this transcript (one input per line, # comments) "
        "and print the conversation.")] = None,
    mocks: Annotated[str | None, typer.Option(
        "--mocks", help="YAML with `http:` and `ai:` mocks (a test's `mocks:` format).")] = None,
    live_http: Annotated[bool, typer.Option(
        "--live-http", help="Make the flows' HTTP calls for real.")] = False,
    allow_local_http: Annotated[bool, typer.Option(
        "--allow-local-http", help="With --live-http: let calls reach this machine "
        "(localhost, 127.0.0.1), over http too.")] = False,
    lang: Annotated[Lang | None, typer.Option(
        "--lang", help="The customer's language.")] = None,
) -> None:
    """Chat with your flows in the terminal: buttons to pick, the clock in your hands."""
    from wactl.runtime.phones import wa_id_of

    wa_id = wa_id_of(phone)
    if wa_id is None:
        _usage(f"--as `{phone}` is not a phone number (digits, like 84901234567)")
    lines = read_script(script)
    program = compile_program(paths)
    if flow is not None and flow not in {f.id for f in program.flows}:
        _usage(f"--flow: no flow `{flow}` in {', '.join(sorted(f.id for f in program.flows))}")
    if allow_local_http and not live_http:
        _usage("--allow-local-http only goes with --live-http")
    config = session_config(program, load_mocks(mocks), live_http, wa_id, lang,
                            allow_local_http)
    console = Console(highlight=False)
    quiet_runtime_log()
    bad = asyncio.run(simulate(Session(program, config), ChatView(console), flow, lines))
    if bad:
        console.print(f"[bold red]error:[/] the script has {bad} line{'s' * (bad > 1)} "
                      "that {} no command (see above)".format("are" if bad > 1 else "is"))
    finish(ExitCode.INVALID if bad else ExitCode.OK)
