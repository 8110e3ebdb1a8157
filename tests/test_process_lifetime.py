"""Processes end with the worker that started them, and SIGTERM stops the service quickly and cleanly.

Each test runs the service as ``signal-api serve`` does (gunicorn, one gevent worker) on the
simulator and looks at the machine's process table, the way an operator would with ``ps``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from simple_websocket import Client, ConnectionClosed

from signal_api.app import begin_shutdown
from tests.helpers import ServerProcess, wait_for
from tests.processes import Proc, children_of, commands_on, daemons_on, is_alive, links_on

B = "+4915100000002"
GOING_AWAY = 1001
# How long the service may take to be completely gone after SIGTERM. The tests raise gunicorn's
# graceful timeout far above it, so a service that waits for the graceful timeout cannot pass.
STOPPED_WITHIN = 5.0
LONG_GRACEFUL_TIMEOUT = "--graceful-timeout 60"


def http(method: str, url: str) -> tuple[int, object]:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return response.status, json.loads(raw) if raw else None


def the_worker(server: ServerProcess, other_than: int | None = None) -> Proc | None:
    workers = [p for p in children_of(server.process.pid) if p.pid != other_than]
    return workers[0] if len(workers) == 1 else None


def cleanup(server: ServerProcess) -> None:
    """Stop the server and whatever it left (a failed test must not leave processes behind)."""
    server.stop()
    for proc in daemons_on(server.config_dir) + links_on(server.config_dir):
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def daemon_connected(server: ServerProcess) -> bool:
    return "connected to signal-cli daemon" in server.output() and len(daemons_on(server.config_dir)) == 1


def close_code(client: Client, timeout: float = 20) -> int | None:
    """Read until the server closes the socket; the close code it sent (None if it never did)."""
    try:
        while client.receive(timeout=timeout) is not None:
            pass
    except ConnectionClosed as closed:
        return closed.reason
    return None


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_shutdown_closes_every_websocket_going_away_now_and_later(make_live, mode: str) -> None:
    live = make_live(mode)
    live.harness.register(B)
    hub = live.harness.app.extensions["signal_api"].hub
    clients = [Client.connect(live.ws_url(f"/v1/receive/{B}")) for _ in range(3)]
    assert wait_for(lambda: hub.subscriber_count(B) == 3)
    begin_shutdown(live.harness.app, wait=10)
    assert hub.open_subscriptions() == 0
    assert [close_code(client, timeout=5) for client in clients] == [GOING_AWAY] * 3
    late = Client.connect(live.ws_url(f"/v1/receive/{B}"))
    assert close_code(late, timeout=5) == GOING_AWAY


def test_a_killed_worker_leaves_exactly_one_daemon(tmp_path: Path) -> None:
    server = ServerProcess("json-rpc", tmp_path)
    try:
        server.wait_until_healthy()
        assert wait_for(lambda: daemon_connected(server)), server.output()
        worker = the_worker(server)
        assert worker is not None
        (first,) = daemons_on(server.config_dir)
        os.kill(worker.pid, signal.SIGKILL)
        assert wait_for(lambda: the_worker(server, other_than=worker.pid) is not None)
        server.wait_until_healthy()
        new_worker = the_worker(server, other_than=worker.pid)
        assert wait_for(lambda: [d.ppid for d in daemons_on(server.config_dir)] == [new_worker.pid], 30), \
            (daemons_on(server.config_dir), server.output())
        assert not is_alive(first.pid)
        assert http("GET", server.base + "/v1/accounts") == (200, [])
    finally:
        cleanup(server)


def test_a_link_process_dies_when_its_worker_is_killed(tmp_path: Path) -> None:
    server = ServerProcess("normal", tmp_path)
    try:
        server.wait_until_healthy()
        status, body = http("GET", server.base + "/v1/qrcodelink/raw?device_name=kitchen")
        assert status == 200 and body["device_link_uri"].startswith("sgnl://linkdevice?")
        (link,) = links_on(server.config_dir)
        worker = the_worker(server)
        os.kill(worker.pid, signal.SIGKILL)
        assert wait_for(lambda: not is_alive(link.pid), 10), links_on(server.config_dir)
        # The new worker serves links again, from a clean slate.
        assert wait_for(lambda: the_worker(server, other_than=worker.pid) is not None)
        server.wait_until_healthy()
        status, _ = http("GET", server.base + "/v1/qrcodelink/raw?device_name=kitchen")
        assert status == 200
        assert len(links_on(server.config_dir)) == 1
    finally:
        cleanup(server)


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_sigterm_closes_websockets_going_away_and_leaves_no_process(tmp_path: Path, mode: str) -> None:
    server = ServerProcess(mode, tmp_path, GUNICORN_CMD_ARGS=LONG_GRACEFUL_TIMEOUT)
    clients: list[Client] = []
    try:
        server.wait_until_healthy()
        assert http("POST", f"{server.base}/v1/register/{B}")[0] == 201
        assert http("POST", f"{server.base}/v1/register/{B}/verify/123456")[0] == 201
        if mode == "json-rpc":
            assert wait_for(lambda: daemon_connected(server)), server.output()
        clients = [Client.connect(server.ws_url(f"/v1/receive/{B}")) for _ in range(20)]
        # A pending link too: in normal mode it is a live `link` process.
        assert http("GET", server.base + "/v1/qrcodelink/raw?device_name=kitchen")[0] == 200
        worker = the_worker(server)
        assert worker is not None
        if mode == "normal":
            assert len(links_on(server.config_dir)) == 1
        else:
            assert len(daemons_on(server.config_dir)) == 1

        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the service still runs {STOPPED_WITHIN} s after SIGTERM:\n{server.output()}")
        # Each client's reader thread has already taken the close frame off the wire.
        assert [close_code(client, timeout=5) for client in clients] == [GOING_AWAY] * 20
        assert not is_alive(worker.pid)
        assert daemons_on(server.config_dir) == [] and links_on(server.config_dir) == []
        assert "Traceback" not in server.output()
    finally:
        for client in clients:
            if client.connected:
                client.close()
        cleanup(server)


def test_a_second_service_on_the_same_directories_refuses_to_start(tmp_path: Path) -> None:
    first = ServerProcess("json-rpc", tmp_path)
    second = None
    try:
        first.wait_until_healthy()
        assert wait_for(lambda: daemon_connected(first)), first.output()
        second = ServerProcess("json-rpc", tmp_path)  # another port, the same data and config dirs
        assert second.process.wait(timeout=60) != 0
        printed = second.stop()
        assert "not starting a second one" in printed and f"config dir {first.config_dir}" in printed
        (daemon,) = daemons_on(first.config_dir)
        assert daemon.ppid == the_worker(first).pid
        assert http("GET", first.base + "/v1/accounts") == (200, [])
    finally:
        if second is not None:
            second.stop()
        cleanup(first)


def test_a_running_command_dies_when_its_worker_is_killed(tmp_path: Path) -> None:
    """A per-request signal-cli (here a listGroups that never answers) ends with its worker."""
    server = ServerProcess("normal", tmp_path)
    try:
        server.wait_until_healthy()
        assert http("POST", server.base + f"/v1/register/{B}")[0] == 201
        assert http("POST", server.base + f"/v1/register/{B}/verify/123456")[0] == 201
        faults = server.config_dir / "simulator" / "faults.json"
        faults.parent.mkdir(parents=True, exist_ok=True)
        faults.write_text(json.dumps({"listGroups": {"hang": True}}))
        hanging = subprocess.Popen(["curl", "-s", "-m", "30", server.base + f"/v1/groups/{B}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert wait_for(lambda: commands_on(server.config_dir, "listGroups"), 10)
            (command,) = commands_on(server.config_dir, "listGroups")
            time.sleep(1)  # long past the simulator's start-up: it is hanging, not about to exit
            assert is_alive(command.pid)
            worker = the_worker(server)
            os.kill(worker.pid, signal.SIGKILL)
            assert wait_for(lambda: not is_alive(command.pid), 10), commands_on(server.config_dir, "listGroups")
        finally:
            hanging.kill()
            hanging.wait()
    finally:
        cleanup(server)
