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

from tests.conftest import env_for
from tests.helpers import running_server

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
    with running_server(request.param, tmp_path) as process:
        yield process


def test_gunicorn_gevent_serves_http_and_websocket_on_one_path(server):
    base, port = server.base, server.port
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
    # A frame the socket got counts as taken by the API's clients: a later GET does not repeat it,
    # but the history still has it.
    status, messages = http("GET", f"{base}/v1/receive/{B}?timeout=1")
    assert status == 200 and messages == []
    status, history = http("GET", f"{base}/v1/messages/{B}?after=0")
    assert status == 200
    texts = [m["envelope"]["dataMessage"]["message"] for m in history if "dataMessage" in m["envelope"]]
    assert texts == ["via gunicorn"]


def test_the_process_title_says_simulator_mode(server):
    # The warning is logged at start-up, before the server answers /v1/health.
    printed = server.output()
    assert "SIMULATOR MODE" in printed and "no message leaves this machine" in printed


def test_a_bad_setting_stops_start_up_naming_the_variable(tmp_path):
    env = {**os.environ, **env_for("normal", tmp_path), "AUTO_RECEIVE_SCHEDULE": "every minute"}
    result = subprocess.run([sys.executable, "-m", "signal_api.cli", "serve"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "AUTO_RECEIVE_SCHEDULE" in result.stderr
