"""The simulator serves only its own data: it marks its config dir and refuses a real signal-cli's."""
from __future__ import annotations

import json
import shlex
import subprocess

from tests.conftest import SIMULATOR


def simulator(config_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*shlex.split(SIMULATOR), "--config", str(config_dir), *args], capture_output=True,
                          text=True, timeout=60)


def real_signal_cli_dir(root):  # noqa: ANN001, ANN201
    """A config dir laid out as signal-cli 0.13 leaves it after linking +4915100000001."""
    data = root / "data"
    data.mkdir(parents=True)
    (data / "accounts.json").write_text(json.dumps(
        {"accounts": [{"path": "412345", "environment": "LIVE", "number": "+4915100000001",
                       "uuid": "0b8f2f9e-36c6-4a55-8b0e-6d0b1c2f1e77"}], "version": 2}))
    (data / "412345").write_text("{}")
    (data / "412345.d").mkdir()
    return root


def test_the_simulator_marks_a_new_config_dir_and_serves_it(tmp_path):
    config_dir = tmp_path / "fresh"
    result = simulator(config_dir, "-a", "+4915100000001", "register")
    assert result.returncode == 0, result.stderr
    assert (config_dir / ".signal-cli-simulator").is_file()
    assert simulator(config_dir, "-a", "+4915100000001", "verify", "123456").returncode == 0
    listed = simulator(config_dir, "-o", "json", "listAccounts")
    assert listed.returncode == 0 and "+4915100000001" in listed.stdout


def test_the_simulator_refuses_a_config_dir_with_real_accounts(tmp_path):
    config_dir = real_signal_cli_dir(tmp_path / "real")
    before = sorted(p.relative_to(config_dir) for p in config_dir.rglob("*"))
    for args in (["-o", "json", "listAccounts"], ["-a", "+4915100000001", "send", "-m", "hi", "+4915100000002"],
                 ["daemon", "--socket", str(tmp_path / "s.sock")]):
        result = simulator(config_dir, *args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "real signal-cli" in result.stderr and "data/accounts.json" in result.stderr
        assert "+4915100000001" not in result.stdout
    # Nothing was written into the real signal-cli's directory.
    assert sorted(p.relative_to(config_dir) for p in config_dir.rglob("*")) == before


def test_version_works_anywhere_and_marks_nothing(tmp_path):
    config_dir = real_signal_cli_dir(tmp_path / "real")
    result = simulator(config_dir, "version")
    assert result.returncode == 0 and "signal-cli" in result.stdout
    assert not (config_dir / ".signal-cli-simulator").exists()
