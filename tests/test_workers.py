"""WORKERS=2: two gunicorn workers with one signal-cli daemon keep every receive guarantee.

Counted at the clients: WebSockets on both workers each get every message once, GET takers on
either worker share one position (every message handed out once in all), the webhook gets every
message once, one daemon runs; and when the leading worker is killed the other one takes over.
"""
from __future__ import annotations

from http.client import HTTPConnection
import json
import os
import signal
import threading
import urllib.request
from collections import Counter

import pytest
from simple_websocket import Client

from tests.helpers import running_server, wait_for
from tests.processes import daemons_on, is_alive, tcp_connection_owner
from tests.test_webhooks import Receiver

A = "+4915100000001"
B = "+4915100000002"
MESSAGES = 24


def http(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return response.status, json.loads(raw) if raw else None


def text_of(payload: dict) -> str | None:
    return (payload.get("envelope", {}).get("dataMessage") or {}).get("message")


class Socket:
    """A WebSocket client of B's messages and the worker that serves it."""

    def __init__(self, server, path: str) -> None:  # noqa: ANN001
        self.client = Client.connect(server.ws_url(path))
        local_port = self.client.sock.getsockname()[1]
        self.worker = None
        wait_for(lambda: self._find_worker(server.port, local_port), timeout=5)
        self.frames: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _find_worker(self, server_port: int, local_port: int) -> bool:
        self.worker = tcp_connection_owner(server_port, local_port)
        return self.worker is not None

    def _read(self) -> None:
        try:
            while True:
                text = self.client.receive(timeout=60)
                if text is None:
                    return
                self.frames.append(json.loads(text))
        except Exception:  # the socket closed (the test ended or its worker was killed)
            return

    def texts(self) -> list[str | None]:
        return [text_of(frame) for frame in list(self.frames)]

    def close(self) -> None:
        if self.client.connected:  # those of a killed worker are closed already
            self.client.close()


def sockets_on_both_workers(server, path: str, each: int = 2, tries: int = 40) -> list[Socket]:  # noqa: ANN001
    """Open sockets until each of the two workers serves at least ``each`` (the kernel picks)."""
    sockets: list[Socket] = []
    for _ in range(tries):
        sockets.append(Socket(server, path))
        per_worker = Counter(s.worker for s in sockets if s.worker is not None)
        if len(per_worker) >= 2 and min(per_worker.values()) >= each:
            return sockets
    pytest.fail(f"connections did not reach both workers: {Counter(s.worker for s in sockets)}")


@pytest.fixture
def hook():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def server(tmp_path, hook):
    with running_server("json-rpc", tmp_path, WORKERS="2", RECEIVE_WEBHOOK_URL=hook.url) as process:
        for number in (A, B):
            assert http(process.base, "POST", f"/v1/register/{number}")[0] == 201
            assert http(process.base, "POST", f"/v1/register/{number}/verify/123456")[0] == 201
        yield process


def take_all(base: str, got: list[str | None], stop: threading.Event) -> None:
    """GET /v1/receive in a loop (each request on a new connection, so on either worker)."""
    while not stop.is_set():
        status, messages = http(base, "GET", f"/v1/receive/{B}?timeout=1")
        assert status == 200
        got.extend(text_of(m) for m in messages)


def test_two_workers_deliver_every_message_once_to_every_client(server, hook):
    assert len(daemons_on(server.config_dir)) == 1
    sockets = sockets_on_both_workers(server, f"/v1/receive/{B}?since=0")
    taken: list[list[str | None]] = [[], []]
    stop = threading.Event()
    takers = [threading.Thread(target=take_all, args=(server.base, got, stop), daemon=True) for got in taken]
    for taker in takers:
        taker.start()
    sent = [f"message {i}" for i in range(MESSAGES)]
    for text in sent:
        assert http(server.base, "POST", "/v2/send", {"number": A, "recipients": [B], "message": text})[0] == 201

    assert wait_for(lambda: all(len(s.frames) >= MESSAGES for s in sockets), timeout=30), \
        [len(s.frames) for s in sockets]
    assert wait_for(lambda: len(taken[0]) + len(taken[1]) >= MESSAGES, timeout=30)
    assert wait_for(lambda: len(hook.delivered_cursors()) >= MESSAGES, timeout=30)
    stop.set()
    for taker in takers:
        taker.join(timeout=10)

    for socket_client in sockets:  # every socket, on either worker: each message once, in order
        assert socket_client.texts() == sent
        cursors = [frame["cursor"] for frame in socket_client.frames]
        assert cursors == sorted(set(cursors))
    # The GET takers on both workers share B's position: together they got each message once.
    assert sorted(taken[0] + taken[1]) == sorted(sent)
    assert taken[0] and taken[1], "both takers should have got some"
    # The webhook was delivered by one worker only: each message once.
    bodies = [json.loads(body) for _, body, status in hook.requests if status == 200]
    assert sorted(text_of(b["params"]) for b in bodies) == sorted(sent)
    assert len(set(hook.delivered_cursors())) == len(hook.delivered_cursors()) == MESSAGES
    # The history is stored once.
    status, history = http(server.base, "GET", f"/v1/messages/{B}?after=0")
    assert status == 200 and sorted(text_of(m) for m in history if text_of(m)) == sorted(sent)
    assert len(daemons_on(server.config_dir)) == 1
    for socket_client in sockets:
        socket_client.close()


def test_when_the_leading_worker_is_killed_the_other_takes_over(server):
    [daemon] = daemons_on(server.config_dir)
    leader = daemon.ppid
    sockets = sockets_on_both_workers(server, f"/v1/receive/{B}?since=0", each=1)
    survivors = [s for s in sockets if s.worker != leader]
    os.kill(leader, signal.SIGKILL)
    # One daemon again, run by a worker that is alive (not by the killed one).
    assert wait_for(lambda: [d.ppid for d in daemons_on(server.config_dir)
                             if d.ppid != leader and is_alive(d.ppid)] and
                    len(daemons_on(server.config_dir)) == 1, timeout=40), daemons_on(server.config_dir)
    assert not is_alive(leader)

    def send_after_takeover() -> bool:
        try:
            return http(server.base, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "after"})[0] == 201
        except OSError:
            return False  # a request that reached the killed worker's last moments

    assert wait_for(send_after_takeover, timeout=30)
    # The sockets of the surviving worker stayed open and get it; a GET (either worker) too.
    assert wait_for(lambda: all("after" in s.texts() for s in survivors), timeout=30)
    status, messages = http(server.base, "GET", f"/v1/receive/{B}?timeout=5")
    assert status == 200 and "after" in [text_of(m) for m in messages]
    for socket_client in sockets:
        socket_client.close()


def connections_to_each_worker(server) -> dict[int, HTTPConnection]:  # noqa: ANN001
    """One keep-alive HTTP connection served by each of the two workers."""
    found: dict[int, HTTPConnection] = {}
    for _ in range(40):
        connection = HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.connect()
        local_port = connection.sock.getsockname()[1]
        owner = []
        wait_for(lambda: owner.append(tcp_connection_owner(server.port, local_port)) or owner[-1], timeout=5)
        if owner[-1] in found or owner[-1] is None:
            connection.close()
        else:
            found[owner[-1]] = connection
        if len(found) == 2:
            return found
    pytest.fail(f"connections did not reach both workers: {list(found)}")


def test_a_send_rate_holds_for_both_workers_together(tmp_path):
    with running_server("json-rpc", tmp_path, WORKERS="2", SIGNAL_API_SEND_RATE="3/h") as server:
        for number in (A, B):
            assert http(server.base, "POST", f"/v1/register/{number}")[0] == 201
            assert http(server.base, "POST", f"/v1/register/{number}/verify/123456")[0] == 201
        connections = list(connections_to_each_worker(server).values())
        statuses = []
        for index in range(6):  # alternating between the workers
            connection = connections[index % 2]
            connection.request("POST", "/v2/send", body=json.dumps({"number": A, "recipients": [B], "message": "x"}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        assert statuses == [201, 201, 201, 429, 429, 429]
        for connection in connections:
            connection.close()


def test_more_than_one_worker_is_refused_outside_the_json_rpc_modes(tmp_path):
    from tests.conftest import env_for
    from signal_api.config import Config, ConfigErrors

    with pytest.raises(ConfigErrors) as refused:
        Config.from_env(env_for("normal", tmp_path, WORKERS="2"))
    assert any(problem.variable == "WORKERS" and "MODE=json-rpc" in str(problem) for problem in refused.value.problems)
    with pytest.raises(ConfigErrors) as refused:
        Config.from_env(env_for("json-rpc", tmp_path, WORKERS="2", SIGNAL_CLI_JSON_RPC_ADDRESS="tcp://127.0.0.1:7583"))
    assert any(problem.variable == "WORKERS" for problem in refused.value.problems)
    assert Config.from_env(env_for("json-rpc", tmp_path, WORKERS="2")).workers == 2
