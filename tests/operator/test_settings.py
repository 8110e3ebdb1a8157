"""The settings table: one declaration per variable, the README generated from it, every bad value reported."""
from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from signal_api.config import SETTINGS, Config, ConfigError, ConfigErrors, with_settings_table

ROOT = Path(__file__).resolve().parents[2]
# Read by from_env, but not settings of the service: where the default data dir goes.
NOT_SETTINGS = {"XDG_DATA_HOME"}
SERVER_SETTINGS = {"HOST", "ACCESS_LOG"}


class RecordingEnv(Mapping[str, str]):
    """An empty environment that remembers every name looked up."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.names.add(key)
        raise KeyError(key)

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        self.names.add(key)
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_every_variable_from_env_reads_is_declared_and_every_declared_one_is_read():
    env = RecordingEnv()
    Config.from_env(env)
    declared = {setting.name for setting in SETTINGS}
    assert env.names - NOT_SETTINGS == declared - SERVER_SETTINGS


def test_names_are_declared_once():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.literal and s.name not in SERVER_SETTINGS],
                         ids=lambda s: s.name)
def test_a_declared_default_set_explicitly_changes_nothing(setting):
    assert Config.from_env({setting.name: setting.default}) == Config.from_env({})


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.field], ids=lambda s: s.name)
def test_each_declared_field_exists_on_config(setting):
    setting.effective(Config.from_env({}))  # raises AttributeError when the field was renamed


def test_the_readme_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text()
    assert readme == with_settings_table(readme), "run `make config-table` to regenerate the README's table"


def test_config_table_command_prints_the_table_and_rewrites_a_file(tmp_path):
    stale = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text()
    stale.write_text(text.replace("| `PORT` |", "| `PORTS` |"))
    printed = subprocess.run([sys.executable, "-m", "signal_api.cli", "config-table"], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    assert "| `SIGNAL_API_MAX_CONCURRENT_LINKS` ¹ | `3` |" in printed
    subprocess.run([sys.executable, "-m", "signal_api.cli", "config-table", "--write", str(stale)],
                   capture_output=True, timeout=60, check=True)
    assert stale.read_text() == text


def test_every_bad_variable_is_reported_at_once():
    with pytest.raises(ConfigErrors) as caught:
        Config.from_env({"PORT": "eighty", "MODE": "jsonrpc", "AUTO_RECEIVE_SCHEDULE": "daily",
                         "RECEIVE_WEBHOOK_URL": "http://", "SIGNAL_CLI_BINARY": "'open", "LOG_FORMAT": "xml"})
    names = [problem.variable for problem in caught.value.problems]
    assert sorted(names) == sorted(["PORT", "MODE", "AUTO_RECEIVE_SCHEDULE", "RECEIVE_WEBHOOK_URL",
                                    "SIGNAL_CLI_BINARY", "LOG_FORMAT"])
    assert isinstance(caught.value, ConfigError)
    for name in names:
        assert name in str(caught.value)
    # The rest is still read, with defaults in place of the bad values.
    assert caught.value.partial.port == 8080


@pytest.mark.parametrize("url", ["http://", "https:// host/", "http://host:port/", "http:///path"])
def test_a_webhook_url_without_a_host_or_with_a_bad_port_is_refused(url):
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"RECEIVE_WEBHOOK_URL": url})
    assert caught.value.variable == "RECEIVE_WEBHOOK_URL"


def _server_settings(monkeypatch, **env: str):  # noqa: ANN202
    for name in SERVER_SETTINGS | {"PORT"}:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import signal_api.gunicorn_conf as conf

    return importlib.reload(conf)


def test_server_settings_defaults_are_the_declared_ones(monkeypatch):
    declared = {s.name: s.default for s in SETTINGS}
    conf = _server_settings(monkeypatch)
    assert conf.bind == f"{declared['HOST']}:{declared['PORT']}"
    assert conf.accesslog is None  # ACCESS_LOG=0: the service's own request line replaces it
    assert _server_settings(monkeypatch, ACCESS_LOG=declared["ACCESS_LOG"]).accesslog is None
    assert _server_settings(monkeypatch, ACCESS_LOG="1").accesslog == "-"
