"""The production server: gunicorn with one gevent worker, HTTP and WebSocket on one path."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from simple_websocket import Client

from benchmarks.support import free_port
from tests.conftest import env_for

A = "+4915100000001"
B = "+4915100000002"


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return response.status, json.loads(raw) if raw else None


@pytest.fixture(params=["normal", "json-rpc"])
def server(request, tmp_path):
    port = free_port()
    env = {**os.environ, **env_for(request.param, tmp_path), "PORT": str(port), "HOST": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "signal_api.cli", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/v1/health", timeout=2)
            break
        except OSError:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
    yield base, port, process
    process.terminate()
    output = process.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output, output


def test_gunicorn_gevent_serves_http_and_websocket_on_one_path(server):
    base, port, process = server
    status, about = http("GET", base + "/v1/about")
    assert status == 200 and about["backend"] == "simulator"
    for number in (A, B):
        assert http("POST", f"{base}/v1/register/{number}")[0] == 201
        assert http("POST", f"{base}/v1/register/{number}/verify/123456")[0] == 201
    socket_client = Client.connect(f"ws://127.0.0.1:{port}/v1/receive/{B}")
    time.sleep(0.5)  # the subscription is registered server-side right after the handshake
    status, reply = http("POST", base + "/v2/send", {"number": A, "recipients": [B], "message": "via gunicorn"})
    assert status == 201 and reply[0]["timestamp"].isdigit()
    frame = json.loads(socket_client.receive(timeout=20))
    assert frame["envelope"]["dataMessage"]["message"] == "via gunicorn"
    socket_client.close()
    status, messages = http("GET", f"{base}/v1/receive/{B}?timeout=1")
    assert status == 200
    assert [m["envelope"]["dataMessage"]["message"] for m in messages] == ["via gunicorn"]


def test_the_process_title_says_simulator_mode(server):
    _, _, process = server
    # The warning is logged at start-up; read what the server printed so far without blocking.
    os.set_blocking(process.stdout.fileno(), False)
    time.sleep(0.5)
    printed = (process.stdout.read() or b"").decode()
    os.set_blocking(process.stdout.fileno(), True)
    assert "SIMULATOR MODE" in printed and "no message leaves this machine" in printed


def test_a_bad_setting_stops_start_up_naming_the_variable(tmp_path):
    env = {**os.environ, **env_for("normal", tmp_path), "AUTO_RECEIVE_SCHEDULE": "every minute"}
    result = subprocess.run([sys.executable, "-m", "signal_api.cli", "serve"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "AUTO_RECEIVE_SCHEDULE" in result.stderr
