"""Fixtures for the signal-cli simulator tests: a config dir, a CLI runner and daemon processes."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from signal_api.simulator import seed

ALICE = "+4915111111111"
BOB = "+4915122222222"
CAROL = "+4915133333333"


class Simulator:
    """Runs the simulator as a subprocess against one config dir."""

    def __init__(self, config_dir: str) -> None:
        self.config_dir = config_dir

    def argv(self, *args: str, account: str | None = None, output: str | None = None) -> list[str]:
        argv = [sys.executable, "-m", "signal_api.simulator", "--config", self.config_dir]
        if output:
            argv += ["-o", output]
        if account:
            argv += ["-a", account]
        return argv + list(args)

    def run(self, *args: str, account: str | None = None, output: str | None = None, input: str | None = None,
            timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(*args, account=account, output=output), input=input if input is not None
                              else "", capture_output=True, text=True, timeout=timeout)

    def json(self, *args: str, account: str | None = None, input: str | None = None) -> object:
        proc = self.run(*args, account=account, output="json", input=input)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def receive(self, account: str, timeout: float = 0.3) -> list[dict]:
        proc = self.run("receive", "-t", str(timeout), account=account, output="json")
        assert proc.returncode == 0, proc.stderr
        return [json.loads(line) for line in proc.stdout.splitlines()]

    def register(self, number: str, name: str | None = None) -> dict:
        return seed.register_account(self.config_dir, number, given_name=name)

    def faults(self, faults: dict) -> None:
        seed.write_faults(self.config_dir, faults)


@pytest.fixture
def sim(tmp_path) -> Simulator:
    return Simulator(str(tmp_path / "cfg"))


@pytest.fixture
def pair(sim) -> Simulator:
    """A simulator with two registered accounts, ALICE (named "Alice") and BOB."""
    sim.register(ALICE, "Alice")
    sim.register(BOB)
    return sim


class Daemon:
    """A running simulator daemon; stderr is collected line by line in the background."""

    def __init__(self, proc: subprocess.Popen, socket_path: str | None) -> None:
        self.proc = proc
        self.socket_path = socket_path
        self.stderr_lines: queue.Queue[str] = queue.Queue()
        self.stderr_seen: list[str] = []
        self.tcp_port: int | None = None
        self.stdout_lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc.stderr, self.stderr_lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(proc.stdout, self.stdout_lines), daemon=True).start()

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    def wait_for_stderr(self, pattern: str, timeout: float = 10) -> re.Match:
        deadline = time.monotonic() + timeout
        for line in self.stderr_seen:
            if match := re.search(pattern, line):
                return match
        while time.monotonic() < deadline:
            try:
                line = self.stderr_lines.get(timeout=0.05)
            except queue.Empty:
                assert self.proc.poll() is None, f"daemon exited with {self.proc.returncode}: {self.stderr_seen}"
                continue
            self.stderr_seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no stderr line matching {pattern!r}: {self.stderr_seen}")

    def connect_unix(self) -> "Client":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.socket_path)
        return Client(sock)

    def connect_tcp(self) -> "Client":
        return Client(socket.create_connection(("127.0.0.1", self.tcp_port)))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """A line-based JSON-RPC client over a stream socket."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        self.sock = sock
        self.reader = sock.makefile("rb")

    def send(self, obj: object) -> None:
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def read(self) -> dict:
        line = self.reader.readline()
        assert line, "connection closed"
        return json.loads(line)

    def call(self, method: str, params: dict | None = None, rid: object = 1) -> dict:
        request = {"jsonrpc": "2.0", "method": method, "id": rid}
        if params is not None:
            request["params"] = params
        self.send(request)
        while True:
            message = self.read()
            if message.get("id") == rid and "method" not in message:
                return message

    def read_until(self, predicate, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read()
            if predicate(message):
                return message
        raise AssertionError("no matching message")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


@pytest.fixture
def start_daemon(sim) -> Iterator:
    """Factory: start ``daemon --socket … --tcp 127.0.0.1:0 [extra args]`` and wait until it listens."""
    daemons: list[Daemon] = []
    short_dir = tempfile.mkdtemp(prefix="sim")  # unix socket paths must stay short

    def start(*extra: str, account: str | None = None, output: str | None = "json") -> Daemon:
        socket_path = os.path.join(short_dir, f"s{len(daemons)}")
        argv = sim.argv("daemon", "--socket", socket_path, "--tcp", "127.0.0.1:0", *extra, account=account,
                        output=output)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        daemon = Daemon(proc, socket_path)
        daemons.append(daemon)
        daemon.wait_for_stderr(re.escape(f"Started JSON-RPC server on {socket_path}"))
        daemon.tcp_port = int(daemon.wait_for_stderr(r"Started JSON-RPC server on /127\.0\.0\.1:(\d+)").group(1))
        return daemon

    try:
        yield start
    finally:
        for daemon in daemons:
            daemon.stop()
        shutil.rmtree(short_dir, ignore_errors=True)
