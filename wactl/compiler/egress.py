"""The egress policy: which URLs and addresses a flow's `call` step may reach.

One set of rules for the two places that apply them: the `calls` check at validate
time (on the URL as written) and the HTTP client at run time (on the URL as rendered,
on every redirect target, and on every address a host name resolves to at connect
time, so neither DNS nor a redirect can get around it).

- Only `https` by default; `http` when the project allows it (`egress.allow_http`).
- Never an address that is not on the public internet: loopback, private, link-local
  (which holds the cloud metadata service, 169.254.169.254), shared (CGNAT, Alibaba's
  metadata at 100.100.100.200), multicast, unspecified, reserved, documentation.  IPv6
  forms that carry an IPv4 address (`::ffff:127.0.0.1`, 6to4, NAT64, Teredo) are judged
  by the address they carry.  The cloud metadata names (`metadata.google.internal`)
  and `localhost` are refused by name too.
- When the project lists `egress.allow_hosts`, only those hosts (`*.shop.example`
  allows the subdomains of shop.example).
- `allow_local` (`wactl simulate --live-http --allow-local-http`, and the tests' fake
  servers) lets loopback through — this machine only, over http or https — so a
  developer can point a flow at a server of their own.  Private networks and the
  metadata service stay refused even then.

The check and the client both import it; it is pure (no I/O).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UrlPart = Literal["start", "authority", "path", "query", "fragment"]
SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?")

MAX_CALL_TIMEOUT = 30
"""Seconds a `call` may wait for its answer (a worker holds the conversation meanwhile)."""
MAX_CALL_RETRIES = 5
"""Retries of one `call`; with the 3ⁿ backoff five already wait about a minute."""
MAX_REDIRECTS = 3
"""Redirects the client follows for one request."""
DEFAULT_TIMEOUT = 10
SCHEMES = ("https", "http")
METADATA_HOSTS = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com",
    "100-100-100-200.alibaba.internal",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
    "168.63.129.16",
))
"""Cloud metadata and platform services; most are in refused ranges anyway, all are named."""
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$")


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    """What one HTTP client may reach; the default is the production rule."""

    allow_hosts: frozenset[str] = frozenset()
    """Empty: any public host.  Else only these (lower case; `*.x` for x's subdomains)."""
    allow_http: bool = False
    allow_local: bool = False
    """Loopback (this machine) allowed, over http too: for a developer's own server."""

    def url_problem(self, scheme: str, host: str) -> str | None:
        """Why a URL with this scheme and host is refused, or None when it may go.

        `host` is the raw host (IDNA, brackets removed).  Literal addresses are judged
        here; a name's addresses are judged again at connect time (`address_problem`).
        """
        name = normal_host(host)
        if scheme.lower() not in SCHEMES:
            return self.scheme_problem(scheme)
        if not name:
            return "the URL has no host"
        if self.allow_hosts and not host_listed(name, self.allow_hosts):
            return f"host `{name}` is not in the project's `egress.allow_hosts`"
        return self._name_problem(name) or self.scheme_problem(
            scheme, local=self.allow_local and is_loopback_name(name))

    def scheme_problem(self, scheme: str, *, local: bool = False) -> str | None:
        """Why this scheme is refused: anything but https, and http unless allowed
        (or going to this machine under `allow_local`)."""
        scheme = scheme.lower()
        if scheme not in SCHEMES:
            return f"the `{scheme}:` scheme is not allowed (only https)" if scheme else (
                "the URL has no scheme (write https://...)")
        if scheme == "http" and not (self.allow_http or local):
            return "plain http is not allowed (use https, or `egress: {allow_http: true}`)"
        return None

    def _name_problem(self, name: str) -> str | None:
        if name in METADATA_HOSTS:
            return f"`{name}` is a cloud metadata service"
        literal = literal_address(name)
        if literal is not None:
            return self.address_problem(literal)
        if is_loopback_name(name) and not self.allow_local:
            return f"`{name}` is this machine"
        return None

    def address_problem(self, address: Address) -> str | None:
        """Why connecting to `address` is refused, or None for a public address."""
        problem = address_refusal(address)
        if problem is None:
            return None
        if self.allow_local and problem == "loopback":
            return None
        return f"{address} is a {problem} address"


def project_policy(allow_hosts: list[str], allow_http: bool, *,
                   allow_local: bool = False) -> EgressPolicy:
    """The policy of a project's `egress:` settings (IR or AST), plus the developer flag."""
    hosts = frozenset(normal_host(h) if not h.startswith("*.") else "*." + normal_host(h[2:])
                      for h in allow_hosts)
    return EgressPolicy(hosts, allow_http, allow_local)


def address_refusal(address: Address) -> str | None:
    """The kind of non-public address this is (`loopback`, `private` ...), or None.

    An IPv6 address that carries an IPv4 one is refused when either is: the carried
    address can only add a refusal, never lift one.
    """
    inner = embedded_ipv4(address)
    kind = None if inner is None else address_refusal(inner)
    if kind is not None:
        return kind
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    for kind, test in (("loopback", address.is_loopback), ("unspecified", address.is_unspecified),
                       ("link-local", address.is_link_local), ("multicast", address.is_multicast),
                       ("reserved", address.is_reserved), ("private", address.is_private)):
        if test:
            return kind
    return None if address.is_global else "non-public"


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64, IPv4-compatible
    return None


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal stands for, legacy IPv4 forms included.

    `127.1`, `0x7f.0.0.1`, `017700000001` and `2130706433` all mean 127.0.0.1 to the C
    resolver, so they are judged as what they mean, not as names.
    """
    name = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if not LEGACY_IPV4.match(name.lower()):
        return None
    return _legacy_ipv4(name.lower().rstrip("."))


def _legacy_ipv4(name: str) -> ipaddress.IPv4Address | None:
    """inet_aton's reading: a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits), a (32 bits)."""
    try:
        parts = [int(p, 16) if p.startswith("0x") else int(p, 8) if len(p) > 1 and
                 p.startswith("0") else int(p) for p in name.split(".")]
    except ValueError:
        return None
    *head, last = parts
    if any(p > 255 for p in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for index, part in enumerate(head):
        value |= part << (24 - 8 * index)
    return ipaddress.IPv4Address(value)


def normal_host(host: str) -> str:
    """Lower case, without brackets or a trailing dot (`API.Shop.` is `api.shop`)."""
    return host.strip("[]").rstrip(".").lower()


def is_loopback_name(name: str) -> bool:
    """`localhost`, its subdomains, or a loopback literal."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    literal = literal_address(name)
    return literal is not None and address_refusal(literal) == "loopback"


def host_listed(name: str, allowed: frozenset[str]) -> bool:
    """`name` is in `allowed`, or a subdomain of a `*.x` entry there."""
    if name in allowed:
        return True
    return any(entry.startswith("*.") and name.endswith(entry[1:]) for entry in allowed)


def url_part(prefix: str) -> UrlPart:
    """Which part of a URL the text right after `prefix` is in."""
    if not prefix:
        return "start"
    if "#" in prefix:
        return "fragment"
    if "?" in prefix:
        return "query"
    scheme = SCHEME_PREFIX.match(prefix)
    if scheme is None or not scheme.group(1):
        return "authority" if scheme is None or prefix == scheme.group(0) else "path"
    return "path" if "/" in prefix[scheme.end():] else "authority"


def clamp_timeout(seconds: float | None) -> float:
    """The timeout a request really gets: the default when unset, at most the bound."""
    value = DEFAULT_TIMEOUT if seconds is None else float(seconds)
    return min(max(value, 0.0), MAX_CALL_TIMEOUT)


def clamp_retries(retries: int | None) -> int:
    """The retries a request really gets: none when unset, at most the bound."""
    return min(max(int(retries or 0), 0), MAX_CALL_RETRIES)
