"""The egress policy's rules (compiler/egress.py) and the `calls` check (WA801-WA804)."""

from __future__ import annotations

import ipaddress

import pytest

from wactl.compiler.egress import (
    EgressPolicy,
    clamp_retries,
    clamp_timeout,
    literal_address,
    project_policy,
    url_part,
)
from wactl.compiler.project import compile_project

PROD = EgressPolicy()


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
    ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "cloud metadata"), ("fd00:ec2::254", "cloud metadata"),
    ("100.100.100.200", "cloud metadata"), ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"), ("192.0.2.1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "cloud metadata"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a00:1", "private"), ("::10.0.0.1", "private"),
])
def test_non_public_addresses_are_refused_with_their_kind(address: str, kind: str) -> None:
    problem = PROD.address_problem(ipaddress.ip_address(address))
    assert problem is not None and problem.endswith(f"a {kind} address")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert PROD.address_problem(ipaddress.ip_address(address)) is None


def test_the_local_allowance_is_this_machine_only() -> None:
    local = EgressPolicy(allow_local=True)
    assert local.address_problem(ipaddress.ip_address("127.0.0.1")) is None
    assert local.url_problem("http", "localhost") is None  # http too, to this machine
    assert local.url_problem("http", "127.0.0.1") is None
    assert local.url_problem("https", "10.0.0.1") == "10.0.0.1 is a private address"
    assert local.url_problem("http", "169.254.169.254") is not None
    assert local.url_problem("http", "api.shop.example") is not None  # http elsewhere: no


@pytest.mark.parametrize(("host", "address"), [
    ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("2130706433", "127.0.0.1"),
    ("017700000001", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("[::1]", "::1"),
    ("0251.0376.0251.0376", "169.254.169.254"), ("10.0x10203", "10.1.2.3"),
    ("fe80::1%eth0", "fe80::1"), ("127.0.0.1.", "127.0.0.1")])
def test_legacy_and_bracketed_literals_are_read_as_the_resolver_reads_them(
        host: str, address: str) -> None:
    assert literal_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["api.shop.example", "1.2.3.4.5", "0x", "256.1", "a1"])
def test_names_are_not_literals(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize(("scheme", "host", "reason"), [
    ("file", "", "`file:` scheme"), ("gopher", "x.example", "`gopher:` scheme"),
    ("ftp", "x.example", "`ftp:` scheme"), ("", "x.example", "no scheme"),
    ("http", "x.example", "plain http"), ("https", "", "no host"),
    ("https", "metadata.google.internal", "metadata"), ("https", "LOCALHOST.", "this machine"),
    ("https", "a.b.localhost", "this machine"), ("https", "2130706433", "loopback"),
])
def test_urls_refused_in_production(scheme: str, host: str, reason: str) -> None:
    problem = PROD.url_problem(scheme, host)
    assert problem is not None and reason in problem


def test_allowed_hosts_and_their_wildcards() -> None:
    policy = project_policy(["API.Shop.Example.", "*.cdn.example"], allow_http=True)
    assert policy.url_problem("https", "api.shop.example") is None
    assert policy.url_problem("http", "img.cdn.example") is None
    assert policy.url_problem("https", "cdn.example") is not None
    assert policy.url_problem("https", "evilcdn.example") is not None
    assert policy.url_problem("https", "other.example") == (
        "host `other.example` is not in the project's `egress.allow_hosts`")


def test_a_listed_host_is_still_judged_by_its_addresses() -> None:
    policy = project_policy(["127.0.0.1"], allow_http=False)
    assert policy.url_problem("https", "127.0.0.1") == "127.0.0.1 is a loopback address"


@pytest.mark.parametrize(("prefix", "part"), [
    ("", "start"), ("https://", "authority"), ("https://api.x", "authority"),
    ("https://api.x:", "authority"), ("https://api.x/", "path"), ("https://a/b?", "query"),
    ("https://a/b?x=1#", "fragment"), ("https:", "authority"), ("api.x", "authority")])
def test_url_part(prefix: str, part: str) -> None:
    assert url_part(prefix) == part


def test_clamps() -> None:
    assert (clamp_timeout(None), clamp_timeout(3650 * 86400), clamp_timeout(2.5)) == (10, 30, 2.5)
    assert (clamp_retries(None), clamp_retries(10**6), clamp_retries(-4)) == (0, 5, 0)


# --------------------------------------------------------------------------- the check


def found(url: str, project: str | None = None, extra: str = "") -> list[tuple[str, str]]:
    step = f'  - id: c\n    call: {{url: "{url}"{extra}}}\n'
    sources = {"flows/f.yaml": "flow: f\nvars: {v: 1}\nsteps:\n" + step}
    if project is not None:
        sources["wactl.yaml"] = project
    result = compile_project(sources)
    return [(d.code, d.message) for d in result.diagnostics if d.code.startswith("WA8")]


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "gopher://x.example/_", "ftp://x.example/f", "http://api.example/x",
    "https://10.0.0.1/x", "https://169.254.169.254/latest", "https://[fd00:ec2::254]/",
    "https://metadata.google.internal/v1", "/api/orders", "https://192.168.1.1:{{ v }}/x"])
def test_urls_that_can_never_be_allowed_are_errors(url: str) -> None:
    [(code, _)] = found(url)
    assert code == "WA801"


@pytest.mark.parametrize("url", [
    "{{ v }}", "{{ v }}/orders", "https://{{ v }}/orders", "https://{{ v }}.shop.example/x",
    "https://api.shop.example:{{ v }}/x", "https://user:{{ v }}@api.shop.example/x"])
def test_a_templated_host_is_a_warning(url: str) -> None:
    assert [c for c, _ in found(url)] == ["WA802"]


def test_a_templated_host_with_a_refused_scheme_is_an_error() -> None:
    assert [c for c, _ in found("ftp://{{ v }}/x")] == ["WA801"]


@pytest.mark.parametrize("url", [
    "http://localhost:8000/x", "https://127.0.0.1/x", "http://[::1]:8080/", "http://a.localhost/"])
def test_this_machine_is_a_warning(url: str) -> None:
    assert [c for c, _ in found(url)] == ["WA803"]


@pytest.mark.parametrize("url", [
    "https://api.shop.example/orders/{{ v }}", "https://api.shop.example/o?q={{ v }}#{{ v }}",
    "https://93.184.216.34/x"])
def test_public_https_urls_are_clean(url: str) -> None:
    assert found(url) == []


def test_the_project_can_allow_http_and_list_hosts() -> None:
    project = "egress: {allow_http: true, allow_hosts: [api.shop.example]}\n"
    assert found("http://api.shop.example/x", project) == []
    [(code, message)] = found("https://other.example/x", project)
    assert code == "WA801" and "allow_hosts" in message


def test_timeout_and_retries_over_the_bounds() -> None:
    url = "https://api.shop.example/x"
    codes = found(url, extra=", timeout: 3650d, retries: 1000000")
    assert [c for c, _ in codes] == ["WA804", "WA804"]
    assert found(url, extra=", timeout: 30s, retries: 5") == []


def test_the_flow_spelling_points_at_its_clauses() -> None:
    src = ('flow f\n  lookup: call GET "https://api.shop.example/o" -> order\n'
           "    timeout 5m\n    retry 100 times\n")
    result = compile_project({"flows/f.flow": src})
    assert sorted((d.code, str(d.span)) for d in result.diagnostics if d.code == "WA804") == [
        ("WA804", "flows/f.flow:3:13"), ("WA804", "flows/f.flow:4:5")]


@pytest.mark.parametrize("address", ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "::ffff:8.8.8.8"])
def test_a_carried_public_address_does_not_lift_a_refusal(address: str) -> None:
    assert PROD.address_problem(ipaddress.ip_address(address)) is not None


def test_allow_hosts_entries_must_be_host_names() -> None:
    project = ('egress:\n  allow_hosts: [api.shop.example, "*.cdn.example", "[::1]",\n'
               '    "https://api.shop.example/v1", "api.shop.example:8443"]\n')
    result = compile_project({"wactl.yaml": project, "flows/f.yaml": "flow: f\nsteps: []\n"})
    hosts = [d.message.split("`")[3] for d in result.diagnostics if d.code == "WA704"]
    assert hosts == ["https://api.shop.example/v1", "api.shop.example:8443"]
