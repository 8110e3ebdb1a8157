"""Shared fixtures: an app per test, driving the simulator as its signal-cli, in each mode."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signal_api.app import create_app, start_background, stop_background
from signal_api.services import get_services

# The differential suite needs the original's binary, which a fresh clone does not have:
# `make differential` names it in SIGNAL_API_ORIGINAL; `make test` leaves the suite out.
collect_ignore = [] if os.environ.get("SIGNAL_API_ORIGINAL") else ["differential"]

SIMULATOR = f"{shlex.quote(sys.executable)} -m signal_api.simulator"
MODES = ("normal", "native", "json-rpc", "json-rpc-native")
VERIFICATION_CODE = "123456"


def env_for(mode: str, root: Path, **extra: str) -> dict[str, str]:
    """An environment for ``mode`` whose signal-cli is the simulator.

    The binary the mode must NOT use points nowhere, so a test in native mode fails if the
    service ran ``SIGNAL_CLI_BINARY`` instead of ``SIGNAL_CLI_NATIVE_BINARY`` (and vice versa).
    """
    native = mode in ("native", "json-rpc-native")
    env = {
        "MODE": mode,
        "SIGNAL_CLI_CONFIG_DIR": str(root / "signal-cli"),
        "SIGNAL_API_DATA_DIR": str(root / "api"),
        "SIGNAL_CLI_CMD_TIMEOUT": "30",
        "SIGNAL_CLI_BINARY": "/nonexistent/signal-cli" if native else SIMULATOR,
        "SIGNAL_CLI_NATIVE_BINARY": SIMULATOR if native else "/nonexistent/signal-cli-native",
    }
    env.update(extra)
    return env


class Harness:
    """A started app plus helpers to act on and inspect the simulator behind it."""

    def __init__(self, mode: str, root: Path, **extra: str) -> None:
        self.mode = mode
        self.root = root
        self.env = env_for(mode, root, **extra)
        self.app = create_app(self.env, testing=True)
        self.client = self.app.test_client()
        self.config_dir = Path(self.env["SIGNAL_CLI_CONFIG_DIR"])

    @property
    def backend(self):  # noqa: ANN201
        return get_services(self.app).backend

    def start(self) -> Harness:
        start_background(self.app)
        return self

    def stop(self) -> None:
        stop_background(self.app)

    def register(self, number: str) -> None:
        """Register and verify ``number`` through the REST API."""
        response = self.client.post(f"/v1/register/{number}")
        assert response.status_code == 201, response.data
        response = self.client.post(f"/v1/register/{number}/verify/{VERIFICATION_CODE}")
        assert response.status_code == 201, response.data

    def calls(self, command: str | None = None) -> list[dict[str, Any]]:
        """What the simulator executed (``calls.jsonl``), optionally only one command."""
        path = self.config_dir / "simulator" / "calls.jsonl"
        if not path.exists():
            return []
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [r for r in records if command is None or r["command"] == command]

    def last_call(self, command: str) -> dict[str, Any]:
        calls = self.calls(command)
        assert calls, f"the simulator never ran {command}"
        return calls[-1]

    def simulator(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run the simulator CLI directly on the same state (for set-up and inspection)."""
        return subprocess.run(
            [*shlex.split(SIMULATOR), "--config", str(self.config_dir), *args],
            input=stdin, capture_output=True, text=True, timeout=30,
        )

    def send_direct(self, sender: str, recipient: str, text: str) -> None:
        """Send through the simulator's own CLI code, in-process (fast bulk set-up)."""
        from signal_api.simulator.__main__ import main as simulator_main

        code = simulator_main(["--config", str(self.config_dir), "-a", sender, "send", "-m", text, recipient])
        assert code == 0, f"simulator send failed with exit code {code}"

    def receive(self, number: str, timeout: int = 2, *, count: int = 1) -> list[dict[str, Any]]:
        """GET /v1/receive as a client would, until ``count`` messages came (or a GET came back empty)."""
        messages: list[dict[str, Any]] = []
        while True:
            response = self.client.get(f"/v1/receive/{number}?timeout={timeout}")
            assert response.status_code == 200, response.data
            messages += response.json
            if not response.json or len(messages) >= count:
                return messages


@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param


@pytest.fixture
def api(mode: str, tmp_path: Path) -> Iterator[Harness]:
    """A started app in ``mode`` (all four modes when the test takes ``mode`` unparametrised)."""
    harness = Harness(mode, tmp_path).start()
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Any]:
    """Build started apps with extra environment (stopped at the end of the test)."""
    made: list[Harness] = []

    def make(mode: str, root: Path | None = None, **extra: str) -> Harness:
        harness = Harness(mode, root or tmp_path, **extra).start()
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.stop()


class LiveServer:
    """The app served by a real (threaded Werkzeug) HTTP server on a free port."""

    def __init__(self, harness: Harness) -> None:
        from werkzeug.serving import make_server

        self.harness = harness
        self.server = make_server("127.0.0.1", 0, harness.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def make_live(make_api) -> Iterator[Any]:
    """Start apps (``make_api`` arguments) behind real HTTP servers."""
    servers: list[LiveServer] = []

    def make(mode: str, **extra: str) -> LiveServer:
        server = LiveServer(make_api(mode, **extra))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


# How long the interpreter may take to exit after the run (joining threads, atexit handlers).
EXIT_GRACE_SECONDS = 60


def pytest_unconfigure(config: pytest.Config) -> None:
    """Never let a thread or handler left by a test hold the run open after its summary.

    A non-daemon thread (e.g. a WebSocket client a failed test did not close) or an ``atexit``
    handler that waits would keep pytest alive after it has reported, until CI's limit kills it
    and nothing of the run counts. After the grace period the stacks of every thread are printed
    (so the culprit can be fixed) and the process ends with the run's own exit status.
    """
    import faulthandler

    if hasattr(config, "workerinput"):
        return  # a pytest-xdist worker: its controller ends it, and watches itself
    status = int(getattr(config, "_signal_api_exit_status", 0))

    def watchdog() -> None:
        time.sleep(EXIT_GRACE_SECONDS)
        print(f"\n*** pytest still running {EXIT_GRACE_SECONDS} s after its summary; thread stacks:",
              file=sys.stderr, flush=True)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        os._exit(status)

    threading.Thread(target=watchdog, name="exit-watchdog", daemon=True).start()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, refuse tests that share a node id: xdist would run only one of them."""
    if not (hasattr(config, "workerinput") or config.getoption("numprocesses", None)):
        return
    seen: set[str] = set()
    shared = sorted({item.nodeid for item in items if item.nodeid in seen or seen.add(item.nodeid)})
    if shared:
        raise pytest.UsageError(
            "these tests share a node id and would run once under pytest-xdist; run their files "
            "without -n (the Makefile's SERIAL_TESTS): " + ", ".join(shared[:5]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._signal_api_exit_status = exitstatus  # read by pytest_unconfigure
