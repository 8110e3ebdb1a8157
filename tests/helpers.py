"""Small helpers shared by the tests."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.support import free_port
from tests.conftest import env_for


def wait_for(condition: Callable[[], object], timeout: float = 20) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; return whether it became true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


class ServerProcess:
    """``python -m signal_api.cli serve`` (gunicorn + gevent) on the simulator, on a free port.

    The server's output goes to a file, not a pipe: a pipe nobody drains fills up and blocks
    a chatty server.
    """

    def __init__(self, mode: str, root: Path, **extra: str) -> None:
        self.mode = mode
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env_for(mode, root, **extra), "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.config_dir = Path(self.env["SIGNAL_CLI_CONFIG_DIR"])
        self.log_path = root / f"server-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "signal_api.cli", "serve"], env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/v1/health", timeout=2)
                return
            except OSError:
                assert self.process.poll() is None, self.output()
                assert time.monotonic() < deadline, "the server did not come up:\n" + self.output()
                time.sleep(0.2)

    def stop(self) -> str:
        """Terminate the server and return everything it printed."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        return self.output()


@contextlib.contextmanager
def running_server(mode: str, root: Path, **extra: str) -> Iterator[ServerProcess]:
    """A healthy :class:`ServerProcess`; on exit it is stopped and must not have printed a traceback."""
    server = ServerProcess(mode, root, **extra)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        output = server.stop()
    assert "Traceback" not in output, output


def malformed_account_error(mode: str, *, opens_account: bool = False) -> str:
    """signal-cli's words for a number that can name no account: the CLI's, or the daemon's lookup.

    ``opens_account``: for register, verify and deleteLocalAccountData, which the daemon checks first.
    """
    if mode.startswith("json-rpc"):
        return "Method requires valid account parameter" if opens_account else "Specified account does not exist"
    return "Invalid account (phone number), make sure you include the country code."


def unknown_account_error(mode: str, number: str) -> str:
    """signal-cli's words for an account it does not have, passed on as the original does.

    The CLI says the account is not registered; the daemon (json-rpc modes) does not name it.
    """
    return "Specified account does not exist" if mode.startswith("json-rpc") else f"User {number} is not registered."
