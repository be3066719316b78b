"""`call` steps against the egress policy, on the URL as written (compiler/egress.py).

What the HTTP client would refuse whatever the values are is an error now rather than
an error branch in a customer's conversation: a scheme other than https (http unless
the project allows it), a literal non-public address, the metadata service, a host
outside `egress.allow_hosts` (WA801).  A URL to this machine can only be reached by a
developer's `simulate --allow-local-http`, so it is a warning (WA803).  A host that a
template decides is a warning (WA802): the run-time policy still judges it, but the
merchant should know who chooses where the request goes.  `timeout` and `retries`
have upper bounds (WA804), which the engine also enforces.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wactl.compiler.context import Context
from wactl.compiler.egress import (
    MAX_CALL_RETRIES,
    MAX_CALL_TIMEOUT,
    EgressPolicy,
    is_loopback_name,
    project_policy,
    url_part,
)
from wactl.dsl import ast
from wactl.dsl.expr import Hole

HOST = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[?[0-9a-f:.]+\]?")


def check(ctx: Context) -> None:
    """Check the project's `egress` hosts, and the URL, timeout and retries of every call."""
    _check_hosts(ctx, ctx.project.egress)
    policy = project_policy(ctx.project.egress.allow_hosts, ctx.project.egress.allow_http)
    for flow in ctx.flows.values():
        for step in flow.steps:
            if step.kind == "call" and isinstance(step, ast.CallStep):
                _check_url(ctx, policy, step.call)
                _check_bounds(ctx, step.call)


def _check_hosts(ctx: Context, egress: ast.Egress) -> None:
    """WA704: an `allow_hosts` entry that is not a host name (a URL, a path, a port)."""
    for host in egress.allow_hosts:
        if not HOST.fullmatch(host):
            ctx.bag.add("WA704", f"`egress.allow_hosts` lists `{host}`, which is not a host "
                        "name", egress.span, hint="write the host alone, like "
                        "`api.shop.example` or `*.shop.example` (no scheme, port or path)")


def _check_url(ctx: Context, policy: EgressPolicy, request: ast.HttpRequest) -> None:
    node = ctx.template(request.url)
    if node is None:
        return
    first = node.parts[0] if node.parts else ""
    prefix = first if isinstance(first, str) else ""
    templated = any(isinstance(p, Hole) for p in node.parts) and url_part(prefix) in (
        "start", "authority")
    try:
        parts = urlsplit(prefix)
        host = parts.hostname or ""
    except ValueError as exc:
        ctx.bag.add("WA801", f"the URL `{request.url.src}` cannot be read: {exc}",
                    request.url.span)
        return
    problem = policy.url_problem(parts.scheme, host)
    if templated and not (problem and host and prefix.endswith(":")):  # `host:{{ port }}`
        _templated_host(ctx, policy, request, parts.scheme if "://" in prefix else "")
        return
    if problem is None:
        return
    local = EgressPolicy(policy.allow_hosts, policy.allow_http, allow_local=True)
    if is_loopback_name(host) and local.url_problem(parts.scheme, host) is None:
        ctx.bag.add("WA803", f"this call goes to `{host}`, this machine: deployed, it is "
                    "refused", request.url.span, hint="fine while developing with `wactl "
                    "simulate --live-http --allow-local-http`; use the API's public https URL "
                    "to deploy")
        return
    ctx.bag.add("WA801", f"this call can never be made: {problem}", request.url.span,
                hint=_hint(problem))


def _templated_host(ctx: Context, policy: EgressPolicy, request: ast.HttpRequest,
                    scheme: str) -> None:
    if scheme:
        problem = policy.scheme_problem(scheme)
        if problem is not None:
            ctx.bag.add("WA801", f"this call can never be made: {problem}", request.url.span,
                        hint=_hint(problem))
            return
    ctx.bag.add("WA802", f"the host of `{request.url.src}` comes from a template value: "
                "whoever sets that value chooses where the request (and its headers) goes",
                request.url.span, hint="write the host in the URL and put values only in the "
                "path or query; list the API's hosts in wactl.yaml `egress: {allow_hosts: [...]}`")


def _hint(problem: str) -> str:
    if "allow_hosts" in problem:
        return "add the host to `egress: {allow_hosts: [...]}` in wactl.yaml"
    if "http" in problem and "scheme" not in problem:
        return "use the https URL of the API"
    return "a `call` may only reach public https services"


def _check_bounds(ctx: Context, request: ast.HttpRequest) -> None:
    if request.timeout is not None and request.timeout.seconds > MAX_CALL_TIMEOUT:
        ctx.bag.add("WA804", f"a call may wait at most {MAX_CALL_TIMEOUT}s for its answer, "
                    f"not {request.timeout.seconds:,}s", request.timeout.span,
                    hint=f"`timeout: {MAX_CALL_TIMEOUT}s` or less; a customer is waiting")
    if request.retries is not None and request.retries > MAX_CALL_RETRIES:
        ctx.bag.add("WA804", f"a call may be retried at most {MAX_CALL_RETRIES} times, "
                    f"not {request.retries:,}", ast.span_of(request, "retries"),
                    hint=f"`retries: {MAX_CALL_RETRIES}` or less (each retry waits 3x longer)")
