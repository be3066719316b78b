"""The service's configuration: environment variables, optionally a file, checked at start.

Deployments depend on the variable names, so they are fixed here and in the README.
Every problem is collected before anything starts, so one run names everything that
is missing or malformed (`ConfigProblems`), instead of failing on the first.  A file
(`--config FILE`, YAML of the same names) gives defaults; the environment wins.

`WACTL_SECRET_<NAME>` becomes the flow secret `secrets.<NAME>`.  Without
`DATABASE_URL` the service runs on the in-memory stores, and `durable` is False so the
service can warn that nothing survives a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from wactl.runtime.tiers import TIERS, UNLIMITED
from wactl.service.crypto import Keyring, KeyringError

DEFAULT_GRAPH_API = "https://graph.facebook.com/v21.0"
SECRET_PREFIX = "WACTL_SECRET_"
KNOWN = (
    "DATABASE_URL", "WACTL_APP_SECRET", "WACTL_VERIFY_TOKEN", "WACTL_GRAPH_API_BASE",
    "WACTL_ACCESS_TOKEN", "WACTL_PHONE_NUMBER_ID", "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "WACTL_HOST", "WACTL_PORT", "WACTL_TIER", "WACTL_BODY_LIMIT", "WACTL_RETENTION_DAYS",
    "WACTL_LEASE_SECONDS", "WACTL_SEND_RATE", "WACTL_GRAPH_TIMEOUT", "WACTL_MEDIA_MAX_BYTES",
    "WACTL_MARK_READ", "WACTL_ENCRYPTION_KEY_FILE", "WACTL_ENCRYPTION_KEY",
)
REQUIRED = ("WACTL_APP_SECRET", "WACTL_VERIFY_TOKEN", "WACTL_ACCESS_TOKEN",
            "WACTL_PHONE_NUMBER_ID")
MAX_BODY_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    """Everything `wactl serve` needs, checked.  `repr` never shows a secret."""

    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    access_token: str = field(repr=False)
    phone_number_id: str
    database_url: str | None = field(default=None, repr=False)
    graph_api_base: str = DEFAULT_GRAPH_API
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    tier: int = UNLIMITED
    body_limit: int = 1024 * 1024
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    retention_days: int | None = None
    """Message bodies older than this many days are emptied (None: kept for ever)."""
    lease_seconds: int = 60
    """How long a worker holds what it claimed (inbox rows, outbox entries, timers): after
    a crash, another process takes them again once this has passed."""
    send_rate: float = 80.0
    """Messages a second the number may send (WhatsApp's default throughput is 80)."""
    graph_timeout: float = 10.0
    media_max_bytes: int = 16 << 20
    """The largest inbound media file fetched and kept (larger ones are kept as failed)."""
    mark_read: bool = True
    """Blue ticks: each customer's message is marked read once handled."""
    keyring: Keyring | None = field(default=None, repr=False)
    """The keys that encrypt access tokens and flow secrets at rest (`WACTL_ENCRYPTION_KEY_FILE`,
    or `WACTL_ENCRYPTION_KEY` in development); None: the API cannot store them."""
    keyring_from_env: bool = False
    keyring_file: str | None = None
    """`WACTL_ENCRYPTION_KEY_FILE`: read again when it changes (a key added for rotation)."""

    @property
    def durable(self) -> bool:
        return self.database_url is not None


@dataclass(frozen=True)
class ConfigProblems(Exception):
    """Every problem found, one line each, naming the variable."""

    problems: tuple[str, ...]

    def __str__(self) -> str:
        return "the service's configuration has problems:\n" + "\n".join(
            f"  - {p}" for p in self.problems)


def load_config(env: Mapping[str, str], file: Path | None = None) -> ServiceConfig:
    """The configuration from `env` over `file`; raises `ConfigProblems` naming all problems."""
    problems: list[str] = []
    values = {**_read_file(file, problems), **{k: v for k, v in env.items()
                                               if k in KNOWN or k.startswith(SECRET_PREFIX)}}
    for name in REQUIRED:
        if not values.get(name, "").strip():
            problems.append(f"{name} is missing")
    port = _port(values.get("WACTL_PORT", "8080"), problems)
    tier = _tier(values.get("WACTL_TIER", "unlimited"), problems)
    limit = _body_limit(values.get("WACTL_BODY_LIMIT", str(1024 * 1024)), problems)
    retention = _retention(values.get("WACTL_RETENTION_DAYS", ""), problems)
    lease = _whole("WACTL_LEASE_SECONDS", values.get("WACTL_LEASE_SECONDS", "60"), 1, 3600,
                   problems)
    rate = _number("WACTL_SEND_RATE", values.get("WACTL_SEND_RATE", "80"), 10_000, problems)
    timeout = _number("WACTL_GRAPH_TIMEOUT", values.get("WACTL_GRAPH_TIMEOUT", "10"), 120,
                      problems)
    mark_read = _flag("WACTL_MARK_READ", values.get("WACTL_MARK_READ", "true"), problems)
    media = _whole("WACTL_MEDIA_MAX_BYTES", values.get("WACTL_MEDIA_MAX_BYTES", str(16 << 20)),
                   1024, 100 << 20, problems)
    graph = values.get("WACTL_GRAPH_API_BASE", DEFAULT_GRAPH_API).rstrip("/")
    _url("WACTL_GRAPH_API_BASE", graph, ("https", "http"), problems)
    database = values.get("DATABASE_URL") or None
    if database is not None:
        _url("DATABASE_URL", database, ("postgres", "postgresql"), problems)
    openai_base = values.get("OPENAI_BASE_URL") or None
    if openai_base is not None:
        _url("OPENAI_BASE_URL", openai_base, ("https", "http"), problems)
    secrets = {k[len(SECRET_PREFIX):]: v for k, v in values.items()
               if k.startswith(SECRET_PREFIX)}
    problems += [f"{SECRET_PREFIX}{name} has an empty name or value"
                 for name, v in secrets.items() if not name or not v]
    keyring = _keyring(values, problems)
    if problems:
        raise ConfigProblems(tuple(problems))
    return ServiceConfig(
        values["WACTL_APP_SECRET"], values["WACTL_VERIFY_TOKEN"], values["WACTL_ACCESS_TOKEN"],
        values["WACTL_PHONE_NUMBER_ID"].strip(), database, graph,
        values.get("OPENAI_API_KEY") or None, openai_base,
        values.get("WACTL_HOST", "127.0.0.1"), port, tier, limit, secrets, retention, lease,
        rate, timeout, media, mark_read, keyring,
        keyring is not None and not values.get("WACTL_ENCRYPTION_KEY_FILE"),
        values.get("WACTL_ENCRYPTION_KEY_FILE") or None)


def _keyring(values: Mapping[str, str], problems: list[str]) -> Keyring | None:
    """The keyring of the file (a mounted secret), else of the variable (development)."""
    path, inline = values.get("WACTL_ENCRYPTION_KEY_FILE"), values.get("WACTL_ENCRYPTION_KEY")
    try:
        if path:
            return Keyring.from_file(path)
        if inline:
            return Keyring.from_env(inline)
    except KeyringError as error:  # its message names the line, never the key
        name = "WACTL_ENCRYPTION_KEY_FILE" if path else "WACTL_ENCRYPTION_KEY"
        problems.append(f"{name}: {error}")
    return None


def _read_file(file: Path | None, problems: list[str]) -> dict[str, str]:
    if file is None:
        return {}
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{file}: cannot be read as YAML ({type(exc).__name__})")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{file}: must be a mapping of variable names to values")
        return {}
    out: dict[str, str] = {}
    for key, value in data.items():
        name = str(key)
        if name not in KNOWN and not name.startswith(SECRET_PREFIX):
            problems.append(f"{file}: unknown setting {name}")
        elif isinstance(value, dict | list) or value is None:
            problems.append(f"{file}: {name} must be a single value")
        else:
            out[name] = str(value)
    return out


def _port(text: str, problems: list[str]) -> int:
    if text.strip().isdigit() and 1 <= int(text) <= 65535:
        return int(text)
    problems.append(f"WACTL_PORT must be a port number from 1 to 65535, got {text!r}")
    return 0


def _tier(text: str, problems: list[str]) -> int:
    cap = TIERS.get(text.strip().lower())
    if cap is None:
        problems.append(f"WACTL_TIER must be one of {', '.join(TIERS)}, got {text!r}")
        return UNLIMITED
    return cap


def _body_limit(text: str, problems: list[str]) -> int:
    if text.strip().isdigit() and 1024 <= int(text) <= MAX_BODY_LIMIT:
        return int(text)
    problems.append(f"WACTL_BODY_LIMIT must be bytes from 1024 to {MAX_BODY_LIMIT}, "
                    f"got {text!r}")
    return 0


def _retention(text: str, problems: list[str]) -> int | None:
    if not text.strip():
        return None
    return _whole("WACTL_RETENTION_DAYS", text, 1, 36_500, problems)


def _whole(name: str, text: str, low: int, high: int, problems: list[str]) -> int:
    if text.strip().isdigit() and low <= int(text) <= high:
        return int(text)
    problems.append(f"{name} must be a whole number from {low} to {high}, got {text!r}")
    return low


def _flag(name: str, text: str, problems: list[str]) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    problems.append(f"{name} must be true or false, got {text!r}")
    return False


def _number(name: str, text: str, high: float, problems: list[str]) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if 0 < value <= high:
        return value
    problems.append(f"{name} must be a number above 0 and at most {high:g}, got {text!r}")
    return 1.0


def _url(name: str, text: str, schemes: tuple[str, ...], problems: list[str]) -> None:
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        problems.append(f"{name} must be a {' or '.join(schemes)} URL with a host, "
                        f"got {_redacted(text)!r}")


def _redacted(url: str) -> str:
    """A URL as it may be printed: any password replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable)"
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
