"""`wactl status [--service URL]`: what the service has deployed and active, per flow,
and the agents it serves."""

from __future__ import annotations

import typer

from wactl.cli._common import finish
from wactl.cli.commands._remote import ServiceUrl, call, service_url
from wactl.cli.exit_codes import ExitCode


def command(service: ServiceUrl = None) -> None:
    """Show the deployed flows (each one's active version and runs in progress) and agents."""
    url = service_url(service, None)
    shop = call("GET", url, "/shop")
    flows = call("GET", url, "/flows")["items"]
    typer.echo(f"shop {shop['shop_id']}: {len(flows)} active flow(s)")
    for f in flows:
        detail = call("GET", url, f"/flows/{f['flow']}")
        runs = sum(detail["runs_in_progress"].values())
        typer.echo(f"  {f['flow']:<24} version {f['number']:<3} {f['version'][:12]}  "
                   f"deployed {f['deployed_at'][:19]}  runs in progress {runs}")
    agents = call("GET", url, "/agents")
    typer.echo(f"{len(agents['items'])} agent(s)")
    for a in agents["items"]:
        typer.echo(f"  {a['agent']:<24} model {a['model']:<16} {a['hash'][:12]}  "
                   f"deployed {(agents['deployed_at'] or '')[:19]}")
    finish(ExitCode.OK)
