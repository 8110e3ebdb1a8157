"""Never the simulator by accident: a real signal-cli's accounts stop a start on the simulator or on no binary."""
from __future__ import annotations

from pathlib import Path

import pytest

from signal_api.app import create_app, start_background, stop_background
from signal_api.config import Config, ConfigError
from signal_api.operator.checks import simulator_guard
from signal_api.simulator import seed
from tests.conftest import env_for


def with_real_accounts(env: dict[str, str]) -> dict[str, str]:
    data = Path(env["SIGNAL_CLI_CONFIG_DIR"]) / "data"
    data.mkdir(parents=True)
    (data / "accounts.json").write_text('{"accounts": [{"path": "123456", "number": "+4915100000001"}]}')
    (data / "123456").write_text("{}")
    return env


@pytest.mark.parametrize("mode, variable", [("normal", "SIGNAL_CLI_BINARY"),
                                            ("json-rpc-native", "SIGNAL_CLI_NATIVE_BINARY")])
def test_the_service_refuses_to_start_the_simulator_on_a_real_signal_cli_dir(tmp_path, mode, variable):
    env = with_real_accounts(env_for(mode, tmp_path))
    app = create_app(env, testing=True)
    with pytest.raises(ConfigError) as caught:
        start_background(app)
    message = str(caught.value)
    assert message.startswith(f"{variable}: is the built-in simulator")
    assert env["SIGNAL_CLI_CONFIG_DIR"] in message and "real signal-cli" in message
    stop_background(app)


def test_a_missing_binary_on_a_real_signal_cli_dir_is_refused_too(tmp_path):
    env = with_real_accounts(env_for("normal", tmp_path, SIGNAL_CLI_BINARY="/opt/signal-cli/bin/signal-cli"))
    (problem,) = simulator_guard(Config.from_env(env))
    assert problem.variable == "SIGNAL_CLI_BINARY"
    assert "/opt/signal-cli/bin/signal-cli does not exist" in problem.message


def test_a_real_binary_may_serve_a_real_dir_and_the_simulator_its_own(tmp_path):
    real = with_real_accounts(env_for("normal", tmp_path / "real", SIGNAL_CLI_BINARY="/bin/true"))
    assert simulator_guard(Config.from_env(real)) == []
    own = env_for("normal", tmp_path / "own")
    seed.register_account(own["SIGNAL_CLI_CONFIG_DIR"], "+4915100000001")
    assert (Path(own["SIGNAL_CLI_CONFIG_DIR"]) / ".signal-cli-simulator").is_file()
    assert simulator_guard(Config.from_env(own)) == []


def test_an_external_daemon_is_not_judged_by_the_local_dir(tmp_path):
    env = with_real_accounts(env_for("json-rpc", tmp_path, SIGNAL_CLI_JSON_RPC_ADDRESS="tcp://127.0.0.1:7583"))
    assert simulator_guard(Config.from_env(env)) == []
