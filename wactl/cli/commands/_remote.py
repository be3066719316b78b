"""Talking to a running service's management API from the terminal (deploy, rollback,
status): the URL from `--service` or `wactl.yaml`'s `service_url`, the key from
`WACTL_API_KEY` only (a flag would land in shell history).  An answer that is not a
success prints the API's own code and message and exits 1; no service, 2."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated, Any

import aiohttp
import typer

from wactl.cli._common import finish
from wactl.cli.exit_codes import ExitCode

ServiceUrl = Annotated[str | None, typer.Option(
    "--service", envvar="WACTL_SERVICE_URL", show_envvar=True,
    help="The service's URL (default: $WACTL_SERVICE_URL, then `service_url` in wactl.yaml).")]
TIMEOUT = aiohttp.ClientTimeout(total=60)


def api_key() -> str:
    key = os.environ.get("WACTL_API_KEY", "").strip()
    if not key:
        typer.echo("error: set WACTL_API_KEY to the shop's API key (`wactl keys create`)",
                   err=True)
        finish(ExitCode.USAGE)
    return key


def service_url(given: str | None, from_project: str | None) -> str:
    url = (given or from_project or "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        typer.echo("error: no service: pass --service URL or set `service_url` in wactl.yaml",
                   err=True)
        finish(ExitCode.USAGE)
    return url


def call(method: str, url: str, path: str, body: Any = None) -> Any:
    """The JSON answer of `method path`; exits with the API's error otherwise."""
    status, answer = asyncio.run(_call(method, url, path, body, api_key()))
    if status >= 400:
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        typer.echo(f"error: {status} {error.get('code', 'error')}: "
                   f"{error.get('message', answer)}", err=True)
        finish(ExitCode.INVALID)
    return answer


async def _call(method: str, url: str, path: str, body: Any, key: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.request(
                method, f"{url}/api{path}", json=body, headers=headers) as answer:
            try:
                return answer.status, await answer.json(content_type=None)
            except ValueError:
                return answer.status, {"error": {"code": "not_json",
                                                 "message": (await answer.text())[:200]}}
    except (aiohttp.ClientError, TimeoutError) as error:
        typer.echo(f"error: cannot reach the service at {url}: {error}", err=True)
        finish(ExitCode.USAGE)
        raise  # finish exits; this keeps the type checker sure
