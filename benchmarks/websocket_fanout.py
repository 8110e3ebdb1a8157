"""1,000 WebSocket clients on one gunicorn gevent worker: time until every client has every message."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from simple_websocket import Client

from benchmarks.support import free_port

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
MESSAGES = 20
A, B = "+4915100000001", "+4915100000002"
SIMULATOR = f"{sys.executable} -m signal_api.simulator"


def _post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=30).read()


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        port = free_port()
        config = Path(root) / "signal-cli"
        env = {**os.environ, "MODE": "json-rpc", "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "warn",
               "SIGNAL_CLI_BINARY": SIMULATOR, "SIGNAL_CLI_CONFIG_DIR": str(config),
               "SIGNAL_API_DATA_DIR": str(Path(root) / "api")}
        server = subprocess.Popen([sys.executable, "-m", "signal_api.cli", "serve"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base)
            for number in (A, B):
                _post(f"{base}/v1/register/{number}")
                _post(f"{base}/v1/register/{number}/verify/123456")
            started = time.perf_counter()
            clients = [Client.connect(f"ws://127.0.0.1:{port}/v1/receive/{B}") for _ in range(SOCKETS)]
            connect_time = time.perf_counter() - started
            counts = [0] * SOCKETS
            done = threading.Event()

            def drain(index: int, client: Client) -> None:
                while counts[index] < MESSAGES:
                    if client.receive(timeout=60) is None:
                        return
                    counts[index] += 1
                if all(c >= MESSAGES for c in counts):
                    done.set()

            for index, client in enumerate(clients):
                threading.Thread(target=drain, args=(index, client), daemon=True).start()
            time.sleep(1)
            from signal_api.simulator.__main__ import main as simulator

            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                for i in range(MESSAGES):
                    simulator(["--config", str(config), "-a", A, "send", "-m", f"bench {i}", B])
            done.wait(120)
            elapsed = time.perf_counter() - started
            complete = sum(1 for c in counts if c >= MESSAGES)
            print(f"{SOCKETS} sockets connected in {connect_time:.2f} s on one gevent worker")
            print(f"{MESSAGES} messages fanned out: {complete}/{SOCKETS} sockets got all of them in {elapsed:.2f} s "
                  f"({SOCKETS * MESSAGES / elapsed:.0f} frames/s, sends included)")
            for client in clients:
                try:
                    client.close()
                except Exception:  # noqa: BLE001 - best-effort cleanup of a benchmark
                    pass
        finally:
            server.terminate()
            server.wait(30)


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/v1/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")
