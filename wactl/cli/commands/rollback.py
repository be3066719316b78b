"""`wactl rollback FLOW --to N`: make version N of a flow the active one again (runs in
progress finish on the version they started on)."""

from __future__ import annotations

from typing import Annotated

import typer

from wactl.cli._common import finish
from wactl.cli.commands._remote import ServiceUrl, call, service_url
from wactl.cli.exit_codes import ExitCode


def command(
    flow: Annotated[str, typer.Argument(help="The flow's id.")],
    to: Annotated[int, typer.Option("--to", help="The version number (see `wactl status`).",
                                    min=1)],
    service: ServiceUrl = None,
) -> None:
    """Return a flow to an earlier version."""
    url = service_url(service, None)
    answer = call("POST", url, f"/flows/{flow}/rollback", {"to": to})
    typer.echo(f"{flow}: version {to} is active")
    for v in answer["versions"]:
        typer.echo(f"  {'*' if v['active'] else ' '} {v['number']}  {v['version'][:12]}  "
                   f"{v['deployed_at']}")
    finish(ExitCode.OK)
