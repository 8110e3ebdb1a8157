"""Nothing taken from signal-cli is lost when the inbox cannot be written (a full disk).

The data dir sits on a small tmpfs that the test fills up. What counts as "taken": the simulator
removes an envelope from an account's queue (acknowledges it) right after it printed it (CLI
``receive``) or wrote it to the daemon's connection (JSON-RPC notification), as the real
signal-cli acknowledges it to the Signal server. Once taken, the service is the only one that
still has it. A receive the service ends between the printing and the acknowledging of an
envelope leaves it with Signal as well: it comes again and the inbox stores it once.
"""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from simple_websocket import Client

from signal_api.simulator import state
from tests.conftest import MODES
from tests.helpers import wait_for

A = "+4915100000001"
B = "+4915100000002"
SUBPROCESS_MODES = ("normal", "native")


class SmallDisk:
    """A tmpfs of a few MiB that can be filled to the last byte and freed again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
        finally:
            os.close(fd)
        with pytest.raises(OSError):
            (self.path / "probe").write_bytes(b"x" * 8192)

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"this test mounts a tmpfs and `mount` was refused here: {mounted.stderr.strip()}")
    try:
        yield SmallDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def on_disk(make_api, mode, disk, **extra):
    api = make_api(mode, SIGNAL_API_DATA_DIR=str(disk.path / "api"), **extra)
    api.register(A)
    api.register(B)
    return api


def send(api, text):
    response = api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": text})
    assert response.status_code == 201, response.data


def texts(items):
    return [m["envelope"]["dataMessage"]["message"] for m in items]


def waiting_at_signal(api, number=B):
    """Envelopes the simulated Signal still holds for ``number`` (nobody has taken them)."""
    return len(state.peek_queue(str(api.config_dir), number))


def health(api):
    return api.client.get("/v1/health")


def kept_count(response):
    match = re.search(r"; (\d+) kept in memory$", response.json["error"])
    assert match, response.json
    return int(match.group(1))


def collect(api, number, expected, deadline=60):
    seen = []
    end = time.monotonic() + deadline
    while len(seen) < expected and time.monotonic() < end:
        response = api.client.get(f"/v1/receive/{number}?timeout=1")
        assert response.status_code == 200, response.data
        seen += response.json
    return seen


@pytest.mark.parametrize("mode", MODES)
def test_a_full_disk_loses_nothing_sent_n_received_n_once(small_disk, make_api, mode):
    api = on_disk(make_api, mode, small_disk)
    assert health(api).status_code == 204
    small_disk.fill()
    for i in range(5):
        send(api, f"m{i}")
    if mode in SUBPROCESS_MODES:
        # This GET runs a receive; the inbox cannot store what it prints, so the service ends
        # that receive at once. What it printed is kept; what it had not acknowledged yet stays
        # with Signal as well (it comes again later and is stored once).
        assert api.client.get(f"/v1/receive/{B}?timeout=1").status_code == 200
        assert health(api).status_code == 503
        kept = kept_count(health(api))
        assert kept >= 1
        assert kept + waiting_at_signal(api) >= 5, "a message is neither kept nor with Signal"
    else:
        # The daemon pushes by itself (and has acknowledged each): wait until all five are kept.
        assert wait_for(lambda: health(api).status_code == 503 and kept_count(health(api)) == 5)
    assert health(api).json["error"].startswith("cannot store received messages: database or disk is full; ")
    assert api.client.get(f"/v1/receive/{B}?timeout=1").json == []

    waiting = waiting_at_signal(api)
    for i in range(5, 8):
        api.send_direct(A, B, f"m{i}")
    if mode in SUBPROCESS_MODES:
        receives = len(api.calls("receive"))
        assert api.client.get(f"/v1/receive/{B}?timeout=1").json == []
        assert len(api.calls("receive")) == receives, "a receive ran while storage fails"
        assert waiting_at_signal(api) == waiting + 3, "the three must stay with Signal"

    small_disk.free()
    assert wait_for(lambda: health(api).status_code == 204, timeout=30)
    got = collect(api, B, 8)
    assert texts(got) == [f"m{i}" for i in range(8)]
    assert len({m["cursor"] for m in got}) == 8
    assert api.client.get(f"/v1/receive/{B}?timeout=1").json == []
    assert texts(api.client.get(f"/v1/messages/{B}").json) == [f"m{i}" for i in range(8)]


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_a_websocket_client_gets_every_message_once_across_a_full_disk(small_disk, make_api, mode):
    from tests.conftest import LiveServer

    api = on_disk(make_api, mode, small_disk)
    live = LiveServer(api)
    try:
        client = Client.connect(live.ws_url(f"/v1/receive/{B}"))
        assert wait_for(lambda: api.app.extensions["signal_api"].hub.subscriber_count(B) == 1)
        small_disk.fill()
        for i in range(6):
            api.send_direct(A, B, f"w{i}")
        assert wait_for(lambda: health(api).status_code == 503)
        assert client.receive(timeout=1) is None
        small_disk.free()
        got = []
        end = time.monotonic() + 30
        while len(got) < 6 and time.monotonic() < end:
            data = client.receive(timeout=1)
            if data is not None:
                got.append(json.loads(data))
        assert texts(got) == [f"w{i}" for i in range(6)]
        assert client.receive(timeout=1) is None, "a message came twice"
        assert health(api).status_code == 204
        assert texts(api.client.get(f"/v1/messages/{B}").json) == [f"w{i}" for i in range(6)]
        client.close()
    finally:
        live.stop()


def test_json_rpc_stops_taking_at_the_bound_and_catches_up(small_disk, make_api):
    api = on_disk(make_api, "json-rpc", small_disk, SIGNAL_API_KEPT_MESSAGES_MAX="3")
    small_disk.fill()
    for i in range(3):
        send(api, f"b{i}")
    assert wait_for(lambda: health(api).status_code == 503)
    assert wait_for(lambda: not api.backend.client.connected)
    # The connection is closed: the on-connection daemon takes nothing more from Signal.
    for i in range(3, 6):
        api.send_direct(A, B, f"b{i}")
    time.sleep(1)
    assert waiting_at_signal(api) == 3
    refused = api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "x"})
    assert refused.status_code == 503
    assert "cannot be stored" in refused.json["error"]

    small_disk.free()
    assert wait_for(lambda: health(api).status_code == 204, timeout=30)
    got = collect(api, B, 6)
    assert texts(got) == [f"b{i}" for i in range(6)]
    assert waiting_at_signal(api) == 0
    send(api, "after")
    assert texts(collect(api, B, 1)) == ["after"]



def http(server, method, path, body=None):
    request = urllib.request.Request(server.base + path, method=method, data=json.dumps(body).encode()
                                     if body is not None else None, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.parametrize("mode", ["json-rpc", "normal"])
def test_kept_messages_survive_a_restart_on_a_full_disk(small_disk, tmp_path, mode):
    """The service is stopped (SIGTERM) while it cannot store: what it kept is stored by the next one."""
    from tests.helpers import ServerProcess

    extra = {"SIGNAL_API_DATA_DIR": str(small_disk.path / "api"),
             "SIGNAL_API_KEPT_RESERVE_BYTES": "0" if os.environ.get("NORESERVE") else str(1 << 20)}
    server = ServerProcess(mode, tmp_path, **extra)
    try:
        server.wait_until_healthy()
        for number in (A, B):
            assert http(server, "POST", f"/v1/register/{number}")[0] == 201
            assert http(server, "POST", f"/v1/register/{number}/verify/123456")[0] == 201
        small_disk.fill()
        for i in range(4):
            assert http(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": f"r{i}"})[0] == 201
        if mode in SUBPROCESS_MODES:
            assert http(server, "GET", f"/v1/receive/{B}?timeout=1") == (200, [])
        # json-rpc: the daemon pushes the messages a moment after the sends answered.
        assert wait_for(lambda: http(server, "GET", "/v1/health")[0] == 503)
        if mode not in SUBPROCESS_MODES:
            assert wait_for(lambda: http(server, "GET", "/v1/health")[1]["error"].endswith("4 kept in memory"))
        server.stop()  # still unable to store: what is kept must not die with the process
    finally:
        server.stop()

    small_disk.free()
    again = ServerProcess(mode, tmp_path, **extra)
    try:
        again.wait_until_healthy()
        got = []
        end = time.monotonic() + 60
        while len(got) < 4 and time.monotonic() < end:
            got += http(again, "GET", f"/v1/receive/{B}?timeout=1")[1]
        assert texts(got) == [f"r{i}" for i in range(4)]
        assert http(again, "GET", f"/v1/receive/{B}?timeout=1") == (200, [])
        assert texts(http(again, "GET", f"/v1/messages/{B}")[1]) == [f"r{i}" for i in range(4)]
    finally:
        again.stop()
