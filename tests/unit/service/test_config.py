"""The service's configuration: every problem named in one run, defaults, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from wactl.service.config import DEFAULT_GRAPH_API, ConfigProblems, load_config

GOOD = {"WACTL_APP_SECRET": "s3cret", "WACTL_VERIFY_TOKEN": "verify",
        "WACTL_ACCESS_TOKEN": "EAAtoken", "WACTL_PHONE_NUMBER_ID": "1234567890"}


def test_the_fixed_names_and_their_defaults() -> None:
    config = load_config({**GOOD, "WACTL_SECRET_SHOP_API_TOKEN": "tok", "PATH": "/bin"})
    assert (config.host, config.port, config.graph_api_base) == (
        "127.0.0.1", 8080, DEFAULT_GRAPH_API)
    assert config.secrets == {"SHOP_API_TOKEN": "tok"}
    assert not config.durable and config.tier == -1
    assert "s3cret" not in repr(config) and "EAAtoken" not in repr(config)


def test_every_problem_is_named_at_once() -> None:
    env = {"WACTL_PORT": "80a", "WACTL_TIER": "5k", "DATABASE_URL": "mysql://x/y",
           "WACTL_GRAPH_API_BASE": "ftp://graph", "WACTL_SECRET_": "x"}
    with pytest.raises(ConfigProblems) as caught:
        load_config(env)
    text = str(caught.value)
    for name in ("WACTL_APP_SECRET is missing", "WACTL_VERIFY_TOKEN is missing",
                 "WACTL_ACCESS_TOKEN is missing", "WACTL_PHONE_NUMBER_ID is missing",
                 "WACTL_PORT", "WACTL_TIER", "DATABASE_URL", "WACTL_GRAPH_API_BASE",
                 "WACTL_SECRET_ has an empty name"):
        assert name in text, name
    assert len(caught.value.problems) == 9


@pytest.mark.parametrize("text", ["0", "-3", "1.5", "forever", "36501"])
def test_a_retention_period_is_whole_days(text: str) -> None:
    with pytest.raises(ConfigProblems) as caught:
        load_config({**GOOD, "WACTL_RETENTION_DAYS": text})
    assert [p for p in caught.value.problems if "WACTL_RETENTION_DAYS" in p]


@pytest.mark.parametrize(("name", "text"), [("WACTL_SEND_RATE", "0"),
                                            ("WACTL_SEND_RATE", "fast"),
                                            ("WACTL_GRAPH_TIMEOUT", "121"),
                                            ("WACTL_LEASE_SECONDS", "0")])
def test_client_settings_are_checked(name: str, text: str) -> None:
    with pytest.raises(ConfigProblems) as caught:
        load_config({**GOOD, name: text})
    assert [p for p in caught.value.problems if p.startswith(name)]


def test_client_settings_are_read() -> None:
    config = load_config({**GOOD, "WACTL_SEND_RATE": "1000", "WACTL_GRAPH_TIMEOUT": "2.5",
                          "WACTL_LEASE_SECONDS": "5"})
    assert (config.send_rate, config.graph_timeout, config.lease_seconds) == (1000.0, 2.5, 5)
    default = load_config(GOOD)
    assert (default.send_rate, default.graph_timeout, default.lease_seconds) == (80.0, 10.0, 60)


def test_read_receipts_are_on_unless_turned_off() -> None:
    assert load_config(GOOD).mark_read is True
    assert load_config({**GOOD, "WACTL_MARK_READ": "off"}).mark_read is False
    with pytest.raises(ConfigProblems) as caught:
        load_config({**GOOD, "WACTL_MARK_READ": "sometimes"})
    assert [p for p in caught.value.problems if "WACTL_MARK_READ" in p]


def test_retention_is_off_unless_set() -> None:
    assert load_config(GOOD).retention_days is None
    assert load_config({**GOOD, "WACTL_RETENTION_DAYS": " 90 "}).retention_days == 90


def test_a_database_password_is_never_printed() -> None:
    with pytest.raises(ConfigProblems) as caught:
        load_config({**GOOD, "DATABASE_URL": "mysql://u:hunter2@db/x"})
    assert "hunter2" not in str(caught.value)


def test_a_file_gives_defaults_and_the_environment_wins(tmp_path: Path) -> None:
    file = tmp_path / "wactl-serve.yaml"
    file.write_text("WACTL_PORT: 9000\nWACTL_HOST: 0.0.0.0\nWACTL_TIER: 1k\n"
                    "DATABASE_URL: postgresql://db/wactl\n", encoding="utf-8")
    config = load_config({**GOOD, "WACTL_PORT": "9100"}, file)
    assert (config.host, config.port, config.tier, config.durable) == (
        "0.0.0.0", 9100, 1000, True)


def test_a_bad_file_is_named(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("WACTL_PROT: 1\nWACTL_HOST: [a]\n", encoding="utf-8")
    with pytest.raises(ConfigProblems) as caught:
        load_config(GOOD, file)
    assert caught.value.problems == (f"{file}: unknown setting WACTL_PROT",
                                     f"{file}: WACTL_HOST must be a single value")
    file.write_text(": : :\n", encoding="utf-8")
    with pytest.raises(ConfigProblems, match="cannot be read as YAML"):
        load_config(GOOD, file)
