"""The operator CLI, run as an operator runs it: ``python -m signal_api.cli ...`` in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from signal_api import __version__
from signal_api.config import SETTINGS
from signal_api.simulator import seed
from tests.conftest import env_for
from tests.helpers import running_server

CLI = [sys.executable, "-m", "signal_api.cli"]


def run_cli(*args: str, env: dict[str, str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    # The service's own settings come only from ``env``: a PORT or MODE in the shell running the
    # tests (CI machines set PORT) must not change what the CLI reports.
    inherited = {name: value for name, value in os.environ.items()
                 if name not in {setting.name for setting in SETTINGS}}
    return subprocess.run([*CLI, *args], env={**inherited, **env}, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def test_version_prints_the_package_version():
    result = run_cli("--version", env={})
    assert result.returncode == 0
    assert result.stdout.startswith(f"signal-api {__version__}")


def test_check_config_passes_on_a_working_setup_and_prints_the_settings(tmp_path):
    env = env_for("normal", tmp_path, RECEIVE_WEBHOOK_SECRET="hunter2-webhook-secret")
    result = run_cli("check-config", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "configuration OK" in result.stdout
    # The configured binary was run: its --version answer is shown.
    assert "--version: signal-cli 0.13.19" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert str(tmp_path / "api") in lines["SIGNAL_API_DATA_DIR"]
    assert "environment" in lines["SIGNAL_API_DATA_DIR"]
    assert lines["PORT"].split()[1:] == ["8080", "default"]
    # Secrets are masked.
    assert "hunter2-webhook-secret" not in result.stdout
    assert "(set)" in lines["RECEIVE_WEBHOOK_SECRET"]
    assert "Config(" not in result.stdout
    # check-config writes nothing into the service's data dir.
    assert not (tmp_path / "api").exists()


def test_check_config_reports_every_problem_at_once_naming_each_variable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = env_for("normal", tmp_path, SIGNAL_CLI_BINARY="/nonexistent/signal-cli", PORT="eighty",
                  SIGNAL_API_DATA_DIR=str(blocker / "api"), AUTO_RECEIVE_SCHEDULE="every minute",
                  RECEIVE_WEBHOOK_URL="http://", MODE="normal")
    result = run_cli("check-config", env=env)
    assert result.returncode != 0
    problems = result.stdout.split("problems:", 1)[1]
    for variable in ("SIGNAL_CLI_BINARY", "PORT", "SIGNAL_API_DATA_DIR", "AUTO_RECEIVE_SCHEDULE",
                     "RECEIVE_WEBHOOK_URL"):
        assert f"  {variable}: " in problems, result.stdout
    assert "5 problems" in result.stdout


def test_check_config_runs_the_binary_and_reports_one_that_fails_or_hangs(tmp_path):
    failing = tmp_path / "failing-signal-cli"
    failing.write_text("#!/bin/sh\necho 'Error: could not find a Java runtime' >&2\nexit 1\n")
    failing.chmod(0o755)
    result = run_cli("check-config", env=env_for("normal", tmp_path, SIGNAL_CLI_BINARY=str(failing)))
    assert result.returncode != 0
    assert "SIGNAL_CLI_BINARY:" in result.stdout and "could not find a Java runtime" in result.stdout

    hanging = tmp_path / "hanging-signal-cli"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(0o755)
    env = env_for("json-rpc-native", tmp_path, SIGNAL_CLI_NATIVE_BINARY=str(hanging), SIGNAL_CLI_CMD_TIMEOUT="1")
    result = run_cli("check-config", env=env, timeout=20)
    assert result.returncode != 0
    assert "SIGNAL_CLI_NATIVE_BINARY:" in result.stdout and "did not answer within 1 s" in result.stdout


def test_check_config_reports_a_database_that_cannot_be_opened(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "signal-api.db").write_bytes(b"this is not an sqlite database at all" * 100)
    result = run_cli("check-config", env=env_for("normal", tmp_path))
    assert result.returncode != 0
    assert "SIGNAL_API_DATA_DIR: cannot open the database" in result.stdout


def test_serve_refuses_an_unusable_data_dir_with_a_message_naming_the_variable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli("serve", env={**env_for("normal", tmp_path, SIGNAL_API_DATA_DIR=str(blocker / "api")),
                                   "PORT": "0"})
    assert result.returncode == 2
    assert "SIGNAL_API_DATA_DIR" in result.stderr and "is not a directory" in result.stderr
    assert "Traceback" not in result.stderr and "OperationalError" not in result.stderr


def test_migrate_names_the_variable_of_an_unusable_data_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli("migrate", env=env_for("normal", tmp_path, SIGNAL_API_DATA_DIR=str(blocker / "api")))
    assert result.returncode == 2
    assert "SIGNAL_API_DATA_DIR" in result.stderr and "Traceback" not in result.stderr
    done = run_cli("migrate", env=env_for("normal", tmp_path))
    assert done.returncode == 0 and "schema version" in done.stdout


def test_the_server_process_names_the_variable_when_the_database_cannot_be_opened(tmp_path):
    # gunicorn started directly (as a Dockerfile may do): the worker's own start-up message.
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "signal-api.db").write_bytes(b"not a database" * 500)
    conf = Path(__file__).resolve().parents[2] / "signal_api" / "gunicorn_conf.py"
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(conf), "signal_api.wsgi:app"],
                            env={**os.environ, **env_for("normal", tmp_path), "PORT": "0", "HOST": "127.0.0.1"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "cannot start: SIGNAL_API_DATA_DIR: cannot use" in output
    assert "Traceback" not in output


def test_accounts_lists_the_registered_numbers(tmp_path):
    env = env_for("normal", tmp_path)
    seed.register_account(env["SIGNAL_CLI_CONFIG_DIR"], "+4915100000001")
    seed.register_account(env["SIGNAL_CLI_CONFIG_DIR"], "+4915100000002")
    result = run_cli("accounts", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["+4915100000001", "+4915100000002"]


def test_openapi_writes_exactly_what_the_server_serves(tmp_path):
    env = env_for("normal", tmp_path, SWAGGER_HOST="signal.example:8443")
    target = tmp_path / "openapi.json"
    result = run_cli("openapi", str(target), env=env)
    assert result.returncode == 0, result.stderr
    printed = subprocess.run([*CLI, "openapi"], env={**os.environ, **env}, capture_output=True, timeout=60).stdout
    (tmp_path / "live").mkdir()
    with running_server("normal", tmp_path / "live", SWAGGER_HOST="signal.example:8443") as server:
        served = urllib.request.urlopen(server.base + "/swagger/doc.json", timeout=10).read()
    assert target.read_bytes() == served == printed
    assert json.loads(served)["servers"] == [{"url": "http://signal.example:8443"}]
    # It wrote nothing into the configured data dir.
    assert not (tmp_path / "api").exists()


def test_link_prints_a_qr_code_and_the_uri_waits_for_the_scan_and_prints_the_number(tmp_path):
    env = env_for("normal", tmp_path)
    process = subprocess.Popen([*CLI, "link", "--device-name", "kitchen tablet"], env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        uri = None
        deadline = time.monotonic() + 60
        while uri is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("sgnl://linkdevice?"):
                uri = line.strip()
        assert uri, "".join(seen) + process.stderr.read()
        assert any("█" in line for line in seen), "no QR code drawn"
        assert process.poll() is None  # still waiting for the scan
        rest = []
        # The README's one extra command on the simulator: the phone scans the code.
        scan = subprocess.run([sys.executable, "-m", "signal_api.simulator", "--config", env["SIGNAL_CLI_CONFIG_DIR"],
                               "simulateLinkScan", "--uri", uri, "--number", "+4915100000042"],
                              capture_output=True, text=True, timeout=30)
        assert scan.returncode == 0, scan.stderr
        # Read on through the same buffered stream (communicate() would skip what it holds).
        rest.append(process.stdout.read())
        process.wait(timeout=60)
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "linked: +4915100000042" in "".join(rest)
    assert "simulateLinkScan --uri" in "".join(seen + rest)


@pytest.mark.parametrize("binary", ["simulator", "/nonexistent/signal-cli"])
def test_serve_refuses_a_real_signal_cli_config_dir_with_the_simulator_or_no_binary(tmp_path, binary):
    env = env_for("normal", tmp_path)
    if binary != "simulator":
        env["SIGNAL_CLI_BINARY"] = binary
    data = Path(env["SIGNAL_CLI_CONFIG_DIR"]) / "data"
    data.mkdir(parents=True)
    (data / "accounts.json").write_text('{"accounts": [{"path": "123456", "number": "+4915100000001"}]}')
    result = run_cli("serve", env={**env, "PORT": "0"})
    assert result.returncode == 2
    assert "SIGNAL_CLI_BINARY" in result.stderr and env["SIGNAL_CLI_CONFIG_DIR"] in result.stderr
    assert "real signal-cli" in result.stderr
    check = run_cli("check-config", env=env)
    assert check.returncode != 0 and "real signal-cli" in check.stdout
