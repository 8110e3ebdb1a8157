"""The signal-cli HTTP API under the real server (gunicorn + gevent): SSE streams and ends cleanly."""
from __future__ import annotations

import http.client
import json

import pytest

from tests.helpers import running_server
from tests.signalcli_http.conftest import A, B, call


def _request(port: int, method: str, path: str, body: object = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body) if body is not None else None
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _event(response: http.client.HTTPResponse) -> dict[str, str]:
    fields: dict[str, str] = {}
    while True:
        raw = response.readline()
        assert raw, f"the stream ended before a whole event: {fields}"
        line = raw.decode().rstrip("\n")
        if line == "" and fields:
            return fields
        if line and not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_events_stream_under_gunicorn_gevent(mode, tmp_path):
    with running_server(mode, tmp_path) as server:
        for number in (A, B):
            assert _request(server.port, "POST", f"/v1/register/{number}")[0] == 201
            assert _request(server.port, "POST", f"/v1/register/{number}/verify/123456")[0] == 201
        for round_ in range(2):  # a second client after the first has gone
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("GET", f"/api/v1/events?account={B}")
            response = connection.getresponse()
            assert (response.status, response.getheader("Content-Type")) == (200, "text/event-stream")
            status, body = _request(server.port, "POST", "/api/v1/rpc",
                                    call("send", 1, account=A, recipient=[B], message=f"round {round_}"))
            assert status == 200 and "timestamp" in json.loads(body)["result"]
            event = _event(response)
            data = json.loads(event["data"])
            assert data["envelope"]["dataMessage"]["message"] == f"round {round_}"
            connection.close()
        assert _request(server.port, "GET", "/api/v1/check") == (200, b"")
