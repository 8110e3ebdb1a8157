"""Debian packages the deployment tests need, installed with apt-get when missing."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

APT_TIMEOUT = 600
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def ensure_commands(commands: dict[str, str], *, purpose: str) -> None:
    """Make sure every command of ``commands`` (command name -> Debian package) is installed.

    Missing ones are installed with apt-get. When that is impossible here (no apt-get, not
    root) the test is skipped with the reason; when apt-get itself fails, the test fails.
    """
    missing = sorted({package for command, package in commands.items() if which(command) is None})
    if not missing:
        return
    wanted = ", ".join(missing)
    if shutil.which("apt-get") is None:
        pytest.skip(f"{purpose} needs Debian's {wanted}, which is missing, and there is no apt-get to install it")
    if os.geteuid() != 0:
        pytest.skip(f"{purpose} needs Debian's {wanted}, which is missing; installing it needs root")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    with _no_service_starts():
        result = _apt(install)
        if result.returncode != 0:
            # Package lists that are missing or older than the mirror: refresh them once.
            _apt(["apt-get", "update"])
            result = _apt(install)
    assert result.returncode == 0, f"apt-get could not install {wanted}:\n{result.stdout[-4000:]}"
    still_missing = [command for command in commands if which(command) is None]
    assert not still_missing, f"installed {wanted} but {', '.join(still_missing)} is still not on PATH"


def which(command: str) -> str | None:
    """The path of ``command``, looking in the sbin folders too."""
    # Administration tools (debootstrap, runc, nginx) live in sbin, which a plain PATH may lack.
    return shutil.which(command) or shutil.which(command, path="/usr/local/sbin:/usr/sbin:/sbin")


def _apt(argv: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=APT_TIMEOUT)


@contextlib.contextmanager
def _no_service_starts() -> Iterator[None]:
    """Keep packages from starting their services (nginx would listen on port 80 and stay)."""
    if POLICY_RC_D.exists():
        yield  # the machine already has a policy: it is not ours to change
        return
    POLICY_RC_D.write_text("#!/bin/sh\n# signal-api's tests are installing packages: start no service\nexit 101\n")
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)
