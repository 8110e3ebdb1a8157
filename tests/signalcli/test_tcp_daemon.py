"""An external daemon over TCP: the service connects to it, and stays fast despite Nagle."""
from __future__ import annotations

import json
import shlex
import socket
import subprocess
import time

import pytest

from benchmarks.support import free_port, median_seconds
from signal_api.signalcli.jsonrpc import Address, JsonRpcClient
from tests.conftest import SIMULATOR


@pytest.fixture
def tcp_daemon(tmp_path):
    """A simulator daemon on TCP that writes every reply in two pieces, as the real one does."""
    config = tmp_path / "signal-cli"
    (config / "simulator").mkdir(parents=True)
    (config / "simulator" / "faults.json").write_text(json.dumps({"split_replies": True}))
    port = free_port()
    process = subprocess.Popen([*shlex.split(SIMULATOR), "--config", str(config), "daemon", "--tcp",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    yield config, port
    process.terminate()
    process.wait(10)


def test_sequential_calls_over_tcp_stay_fast(tcp_daemon):
    _, port = tcp_daemon
    client = JsonRpcClient(Address.parse(f"tcp://127.0.0.1:{port}"), call_timeout=10)
    client.start()
    assert client.wait_connected(10)
    try:
        ours = median_seconds(lambda: client.call("version"), 40)
        assert client._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        client.close()
    # The control: a plain client (TCP_NODELAY, no QUICKACK re-arm) pays the delayed-ACK stall.
    plain = socket.create_connection(("127.0.0.1", port))
    plain.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = plain.makefile("rb")

    def plain_call():
        plain.sendall(b'{"jsonrpc":"2.0","method":"version","id":1}\n')
        reader.readline()

    stalled = median_seconds(plain_call, 15)
    plain.close()
    print(f"median per call: ours {ours * 1000:.2f} ms, plain client {stalled * 1000:.2f} ms")
    assert stalled / ours > 5, (ours, stalled)


def test_the_service_uses_an_external_daemon_given_by_address(tcp_daemon, make_api):
    _, port = tcp_daemon
    config_dir = tcp_daemon[0]
    api = make_api("json-rpc", SIGNAL_CLI_JSON_RPC_ADDRESS=f"tcp://127.0.0.1:{port}",
                   SIGNAL_CLI_CONFIG_DIR=str(config_dir))
    assert api.backend.supervisor is None  # nothing started by the service
    api.register("+4915100000001")
    api.register("+4915100000002")
    response = api.client.post("/v2/send", json={"number": "+4915100000001", "recipients": ["+4915100000002"],
                                                 "message": "over tcp"})
    assert response.status_code == 201
    assert [m["envelope"]["dataMessage"]["message"] for m in api.receive("+4915100000002")] == ["over tcp"]
    assert api.last_call("send")["via"] == "jsonrpc"
