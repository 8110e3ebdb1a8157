"""Shared helpers: a simulator daemon to measure against, timing."""
from __future__ import annotations

import contextlib
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

SIMULATOR = [sys.executable, "-m", "signal_api.simulator"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def simulator_daemon(*, split_replies: bool) -> Iterator[tuple[Path, int, Path]]:
    """A simulator daemon on TCP and a unix socket: (config dir, tcp port, socket path)."""
    with tempfile.TemporaryDirectory() as root:
        config = Path(root) / "signal-cli"
        (config / "simulator").mkdir(parents=True)
        (config / "simulator" / "faults.json").write_text(json.dumps({"split_replies": split_replies}))
        port, sock = free_port(), Path(root) / "daemon.sock"
        process = subprocess.Popen([*SIMULATOR, "--config", str(config), "daemon", "--tcp", f"127.0.0.1:{port}",
                                    "--socket", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not sock.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            yield config, port, sock
        finally:
            process.terminate()
            process.wait(10)


def median_seconds(call: Callable[[], object], count: int) -> float:
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)
