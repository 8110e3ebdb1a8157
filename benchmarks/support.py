"""Shared helpers: the service and a simulator daemon to measure against, process figures, timing."""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from signal_api.signalcli.daemon import daemon_socket_path
from signal_api.simulator import seed

SIMULATOR = [sys.executable, "-m", "signal_api.simulator"]
#: The sending account, and a recipient that is on Signal but no local account: a send to it
#: delivers nothing back to the service, so a send benchmark measures sending only.
SENDER, RECEIVER, PEER = "+4915100000001", "+4915100000002", "+4915100000099"
SEND_BODY = {"number": SENDER, "recipients": [PEER], "message": "bench"}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def process_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def child_pids(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


@dataclass
class Service:
    """A running ``signal-api serve`` (gunicorn master ``process``) on the simulator."""

    process: subprocess.Popen
    port: int
    config_dir: Path
    data_dir: Path
    startup_s: float = 0.0
    #: json-rpc modes: until the daemon's socket accepts connections too.
    ready_s: float = 0.0
    _worker: int | None = field(default=None, repr=False)

    @property
    def worker_pid(self) -> int:
        """The gunicorn worker (the master's only child)."""
        if self._worker is None:
            children = child_pids(self.process.pid)
            if len(children) != 1:
                raise RuntimeError(f"expected one gunicorn worker, found {children}")
            self._worker = children[0]
        return self._worker

    @property
    def daemon_socket(self) -> Path:
        """The unix socket of the signal-cli (simulator) daemon the service started."""
        return daemon_socket_path(self.data_dir)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if payload is not None else {}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


@contextlib.contextmanager
def service(mode: str = "json-rpc", accounts: Sequence[str] = (SENDER,),
            env: dict[str, str] | None = None) -> Iterator[Service]:
    """Start the service on the simulator in a temporary directory; stop it (and its daemon) after."""
    with tempfile.TemporaryDirectory(prefix="signal-api-bench-") as root:
        config, data = Path(root) / "signal-cli", Path(root) / "api"
        for number in accounts:
            seed.register_account(str(config), number)
        port = free_port()
        settings = {**os.environ, "MODE": mode, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "warn",
                    "ACCESS_LOG": "0", "SIGNAL_CLI_BINARY": " ".join(SIMULATOR),
                    "SIGNAL_CLI_CONFIG_DIR": str(config), "SIGNAL_API_DATA_DIR": str(data), **(env or {})}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "signal_api.cli", "serve"], env=settings,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running = Service(process, port, config, data)
        try:
            running.startup_s = _wait_healthy(running, started)
            running.ready_s = _wait_daemon(running, started) if mode.startswith("json-rpc") else running.startup_s
            yield running
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_healthy(running: Service, started: float) -> float:
    deadline = started + 30
    while time.perf_counter() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"signal-api serve exited with {running.process.returncode}")
        try:
            conn = running.connection()
            status, _ = request(conn, "GET", "/v1/health")
            conn.close()
            if status == 204:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("signal-api did not answer /v1/health within 30 s")


def _wait_daemon(running: Service, started: float) -> float:
    deadline = started + 30
    while time.perf_counter() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(running.daemon_socket))
                return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
    raise RuntimeError("the service's signal-cli daemon did not listen within 30 s")


class RawDaemon:
    """One JSON-RPC connection straight to a daemon's unix socket, one request at a time."""

    def __init__(self, path: Path) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(30)
        self._sock.connect(str(path))
        self._reader = self._sock.makefile("rb")
        self._ids = 0

    def call(self, method: str, params: dict) -> dict:
        self._ids += 1
        line = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": self._ids})
        self._sock.sendall(line.encode() + b"\n")
        while True:
            reply = json.loads(self._reader.readline() or b"null")
            if reply is None:
                raise ConnectionError("the daemon closed the connection")
            if reply.get("id") == self._ids:  # skips receive notifications
                if "error" in reply:
                    raise RuntimeError(f"daemon error: {reply['error']}")
                return reply["result"]

    def close(self) -> None:
        self._reader.close()
        self._sock.close()


def raw_send_params() -> dict:
    """What the service sends the daemon for :data:`SEND_BODY`."""
    return {"account": SENDER, "message": SEND_BODY["message"], "recipient": SEND_BODY["recipients"],
            "notifySelf": True}


def run_loadgen(args: list[str], timeout: float) -> dict:
    """Run ``benchmarks.loadgen`` in its own process (gevent, one core) and return its figures."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.loadgen", *args], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


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
