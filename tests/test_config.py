"""Configuration from the environment: the original's defaults, ours, and fail-fast errors."""
from __future__ import annotations

import pytest

from signal_api.config import Config, ConfigError


def test_defaults_match_the_original():
    config = Config.from_env({})
    assert config.mode == "normal"
    assert config.port == 8080
    assert config.command_timeout == 120
    assert config.auto_receive_schedule is None
    assert config.auto_receive.timeout == 10
    assert config.default_text_mode == "normal"
    assert config.send_response_format == "array"
    assert str(config.signal_cli_config_dir) == "/home/.local/share/signal-cli"


def test_the_simulator_is_used_when_no_signal_cli_is_installed(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    config = Config.from_env({})
    assert config.uses_simulator


def test_native_modes_use_the_native_binary():
    config = Config.from_env({"MODE": "json-rpc-native", "SIGNAL_CLI_BINARY": "/a/signal-cli",
                              "SIGNAL_CLI_NATIVE_BINARY": "/b/signal-cli-native --flag"})
    assert config.command == ("/b/signal-cli-native", "--flag")
    assert config.uses_json_rpc
    assert config.about_mode == "json-rpc"


def test_every_mode_allows_every_feature():
    # The original refuses these combinations; signal-api supports them all.
    config = Config.from_env({"MODE": "json-rpc", "AUTO_RECEIVE_SCHEDULE": "*/5 * * * *",
                              "SIGNAL_CLI_CMD_TIMEOUT": "30", "RECEIVE_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert config.auto_receive_schedule == "*/5 * * * *"
    assert config.command_timeout == 30
    config = Config.from_env({"MODE": "normal", "RECEIVE_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert config.receive_webhook_url == "http://127.0.0.1:9/hook"


@pytest.mark.parametrize("variable, value", [
    ("MODE", "jsonrpc"),
    ("PORT", "eighty"),
    ("LOG_LEVEL", "verbose"),
    ("SIGNAL_CLI_CMD_TIMEOUT", "soon"),
    ("AUTO_RECEIVE_SCHEDULE", "every minute"),
    ("AUTO_RECEIVE_SCHEDULE", "* * * * * *"),
    ("AUTO_RECEIVE_SCHEDULE_RECEIVE_TIMEOUT", "x"),
    ("AUTO_RECEIVE_SCHEDULE_IGNORE_ATTACHMENTS", "yes"),
    ("DEFAULT_SIGNAL_TEXT_MODE", "markdown"),
    ("JSON_RPC_TRUST_NEW_IDENTITIES", "sometimes"),
    ("JSON_RPC_IGNORE_STORIES", "1"),
    ("RECEIVE_WEBHOOK_URL", "ftp://x"),
    ("SIGNAL_CLI_JSON_RPC_ADDRESS", "localhost:7583"),
    ("SEND_RESPONSE_FORMAT", "list"),
    ("SIGNAL_CLI_BINARY", "'unbalanced"),
    ("SIGNAL_API_MAX_CONCURRENT_LINKS", "0"),
    ("SIGNAL_API_MAX_CONCURRENT_LINKS", "many"),
    ("SIGNAL_API_KEPT_MESSAGES_MAX", "0"),
    ("SIGNAL_API_KEPT_MESSAGES_MAX", "many"),
    ("SIGNAL_API_MAX_RECIPIENTS", "many"),
    ("SIGNAL_API_MAX_RECIPIENTS", "0"),
    ("SIGNAL_API_MAX_MENTIONS", "-1"),
    ("SIGNAL_API_MAX_ATTACHMENTS", "1.5"),
    ("SIGNAL_API_MAX_ATTACHMENT_BYTES", "0"),
])


def test_a_bad_value_names_its_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        Config.from_env({variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}:")


def test_use_native_together_with_mode_is_refused():
    with pytest.raises(ConfigError, match="USE_NATIVE"):
        Config.from_env({"USE_NATIVE": "1", "MODE": "native"})


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:7583", "unix:/run/signal-cli/socket"])
def test_json_rpc_address_forms(address):
    assert Config.from_env({"SIGNAL_CLI_JSON_RPC_ADDRESS": address}).json_rpc_address == address


def test_concurrent_links_are_bounded_by_default():
    assert Config.from_env({}).max_concurrent_links == 3
    assert Config.from_env({"SIGNAL_API_MAX_CONCURRENT_LINKS": "10"}).max_concurrent_links == 10


def test_the_kept_messages_limit_has_a_default_and_can_be_set():
    assert Config.from_env({}).kept_messages_max == 2000
    assert Config.from_env({"SIGNAL_API_KEPT_MESSAGES_MAX": "50"}).kept_messages_max == 50


def test_send_limits_have_sane_defaults_and_can_be_set():
    config = Config.from_env({})
    assert (config.max_recipients, config.max_mentions, config.max_attachments, config.max_attachment_bytes) == (
        100, 100, 32, 100 * 1024 * 1024)
    config = Config.from_env({"SIGNAL_API_MAX_RECIPIENTS": "5", "SIGNAL_API_MAX_MENTIONS": "0",
                              "SIGNAL_API_MAX_ATTACHMENTS": "2", "SIGNAL_API_MAX_ATTACHMENT_BYTES": "1024"})
    assert (config.max_recipients, config.max_mentions, config.max_attachments, config.max_attachment_bytes) == (
        5, 0, 2, 1024)
