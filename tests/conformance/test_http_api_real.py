"""signal-api's /api/v1/* answers exactly what the real signal-cli 0.13.19 ``daemon --http`` answers.

Both start with no account. The real daemon runs once for the module (its JVM takes seconds to
start); signal-api runs on the simulator in normal and json-rpc mode. Status, content type and body must be
the same (JSON bodies compared as JSON, a batch's entries by id: both may answer in any order).
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Harness
from tests.conformance.real_signal_cli import real_command, real_env

A = "+4915112345678"
B = "+4915187654321"
JSON = "application/json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RealDaemon:
    """``signal-cli daemon --http 127.0.0.1:<port>`` on an empty config dir."""

    def __init__(self, config: Path, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [*real_command(), "--config", str(config), "daemon", "--http", f"127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=real_env(),
                start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"signal-cli daemon --http exited {self.process.returncode}:\n{log.read_text()}")
            try:
                if self.request("GET", "/api/v1/check")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"signal-cli daemon --http did not start within 120 s:\n{log.read_text()}")

    def request(self, method: str, path: str, body: str | None = None,
                content_type: str | None = None) -> tuple[int, str | None, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": content_type} if content_type else {}
            connection.request(method, path, body=body.encode() if body is not None else None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type"), response.read()
        finally:
            connection.close()

    def stream_head(self, path: str) -> tuple[int, str | None]:
        """Status and content type of a streaming GET (the stream is then dropped)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type")
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Iterator[RealDaemon]:
    root = tmp_path_factory.mktemp("real-http")
    daemon = RealDaemon(root / "config", root / "daemon.log")
    try:
        yield daemon
    finally:
        daemon.stop()


# The native modes differ only in the binary they run (tested elsewhere); one CLI and one daemon mode.
@pytest.fixture(scope="module", params=("normal", "json-rpc"))
def ours(request, tmp_path_factory) -> Iterator[Harness]:
    harness = Harness(request.param, tmp_path_factory.mktemp(f"api-{request.param}")).start()
    try:
        yield harness
    finally:
        harness.stop()


def _ours(harness: Harness, method: str, path: str, body: str | None = None,
          content_type: str | None = None) -> tuple[int, str | None, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    response = harness.client.open(path, method=method, data=body, headers=headers)
    return response.status_code, response.headers.get("Content-Type"), response.get_data()


def _normalised(content_type: str | None, body: bytes) -> object:
    if not body:
        return b""
    if content_type and content_type.startswith(JSON):
        value = json.loads(body)
        if isinstance(value, list):
            return sorted(value, key=lambda entry: json.dumps(entry.get("id")))
        return value
    return body


def _rpc(method: str, id_: object = None, **params: object) -> str:
    request: dict[str, object] = {"jsonrpc": "2.0", "method": method}
    if params:
        request["params"] = params
    if id_ is not None:
        request["id"] = id_
    return json.dumps(request)


RPC_BODIES = {
    "version": _rpc("version", 1),
    "listAccounts": _rpc("listAccounts", 2),
    "send, unknown account": _rpc("send", 3, account=A, recipient=[B], message="hi"),
    "send, no account": _rpc("send", 4, recipient=[B], message="hi"),
    "garbage": "not json",
    "garbage at the end": "garbage",
    "garbage with leading blanks": "  nope! x",
    "empty body": "",
    "blank body": "  \n ",
    "a second value after the first": _rpc("version", 20) + "\n" + _rpc("version", 21),
    "two numbers": "1 2",
    "unknown method": _rpc("bogusMethod", 5),
    "batch": f'[{_rpc("version", 9)},{_rpc("listAccounts", 10)}]',
    "batch with an invalid entry": f'[{_rpc("version", 11)},42]',
    "empty batch": "[]",
    "notification": _rpc("version"),
    "notification of an unknown method": _rpc("bogusMethod"),
    "id null": '{"jsonrpc":"2.0","method":"version","id":null}',
    "string id": '{"jsonrpc":"2.0","method":"version","id":"abc"}',
    "no method": '{"jsonrpc":"2.0","id":6}',
    "wrong version": '{"jsonrpc":"1.0","method":"version","id":7}',
    "not an object": '"version"',
    "unknown top-level key": '{"jsonrpc":"2.0","method":"version","id":8,"extra":1}',
    "params an array": '{"jsonrpc":"2.0","method":"listGroups","params":[1],"id":12}',
    "subscribeReceive": _rpc("subscribeReceive", 13),
    "unsubscribeReceive": _rpc("unsubscribeReceive", 14, subscription=1),
    "link (CLI only)": _rpc("link", 15),
    "receive, no account": _rpc("receive", 16),
    "register, no account": _rpc("register", 17),
    "listGroups, unknown account": _rpc("listGroups", 18, account=A),
    "a response object": '{"jsonrpc":"2.0","result":{},"id":19}',
    "a response object with a method": '{"error":1,"method":"version","id":22}',
    "batch of notifications": f'[{_rpc("version")},{_rpc("listAccounts")}]',
    "batch entry a string": f'[{_rpc("version", 23)},"x"]',
    "batch entry a float": f'[{_rpc("version", 24)},1.5]',
    "batch entry a boolean": f'[{_rpc("version", 25)},true]',
    "batch entry null": f'[{_rpc("version", 26)},null]',
    "batch entry an array": "[[]]",
    "batch entry empty object": f'[{_rpc("version", 27)},{{}}]',
    "batch entry without method": f'[{_rpc("version", 28)},{{"jsonrpc":"2.0","id":29}}]',
    "two unknown keys": '{"extra":1,"jsonrpc":"2.0","method":"version","id":30,"more":2}',
    "params an array, method about every account": '{"jsonrpc":"2.0","method":"version","params":[1],"id":31}',
    "params an array, registration": '{"jsonrpc":"2.0","method":"register","params":[1],"id":32}',
    "params an array, unknown method": '{"jsonrpc":"2.0","method":"bogus","params":[1],"id":33}',
    "params a number": '{"jsonrpc":"2.0","method":"version","params":5,"id":34}',
    "params a string": '{"jsonrpc":"2.0","method":"listGroups","params":"x","id":35}',
    "params null": '{"jsonrpc":"2.0","method":"version","params":null,"id":36}',
    "id an object": '{"jsonrpc":"2.0","method":"version","id":{"a":1}}',
    "id an array": '{"jsonrpc":"2.0","method":"version","id":[1]}',
    "id a fraction": '{"jsonrpc":"2.0","method":"version","id":1.5}',
    "id a boolean": '{"jsonrpc":"2.0","method":"version","id":true}',
    "wrong version, no id": '{"jsonrpc":"1.0","method":"version"}',
    "version a number": '{"jsonrpc":2.0,"method":"version","id":37}',
    "no version": '{"method":"version","id":38}',
    "method a number": '{"jsonrpc":"2.0","method":5,"id":39}',
    "method null": '{"jsonrpc":"2.0","method":null,"id":40}',
    "account a number": _rpc("send", 41, account=5),
    "updateConfiguration, no account": _rpc("updateConfiguration", 42),
}


@pytest.mark.parametrize("body", RPC_BODIES.values(), ids=RPC_BODIES.keys())
def test_rpc_answers_like_signal_cli(real, ours, body):
    expected = real.request("POST", "/api/v1/rpc", body, JSON)
    got = _ours(ours, "POST", "/api/v1/rpc", body, JSON)
    assert got[0] == expected[0], (expected, got)
    assert _normalised(got[1], got[2]) == _normalised(expected[1], expected[2]), (expected, got)
    if expected[2]:
        assert got[1] == expected[1]


@pytest.mark.parametrize("method, path, body, content_type", [
    ("POST", "/api/v1/rpc", _rpc("version", 1), "text/plain"),
    ("POST", "/api/v1/rpc", _rpc("version", 1), None),
    ("POST", "/api/v1/rpc", _rpc("version", 1), "application/json; charset=utf-8"),
    ("GET", "/api/v1/rpc", None, None),
    ("PUT", "/api/v1/rpc", _rpc("version", 1), JSON),
    ("GET", "/api/v1/check", None, None),
    ("GET", f"/api/v1/events?account=%2B{A[1:]}", None, None),
    ("GET", f"/api/v1/events?account={A}", None, None),
    ("POST", "/api/v1/rpc", _rpc("version", 1), "Application/JSON"),
    ("POST", "/api/v1/rpc", _rpc("version", 1), "application/jsonx"),
    ("HEAD", "/api/v1/rpc", None, None),
    ("OPTIONS", "/api/v1/rpc", None, None),
    ("POST", "/api/v1/events", "", JSON),
    ("HEAD", "/api/v1/events", None, None),
    ("POST", "/api/v1/check", "", None),
    ("HEAD", "/api/v1/check", None, None),
], ids=["text/plain", "no content type", "json with charset", "GET rpc", "PUT rpc", "check",
        "events, unknown account", "events, literal plus", "content type case", "content type prefix",
        "HEAD rpc", "OPTIONS rpc", "POST events", "HEAD events", "POST check", "HEAD check"])
def test_http_statuses_like_signal_cli(real, ours, method, path, body, content_type):
    expected = real.request(method, path, body, content_type)
    got = _ours(ours, method, path, body, content_type)
    assert (got[0], _normalised(got[1], got[2])) == (expected[0], _normalised(expected[1], expected[2]))
    assert got[1] == expected[1]  # no Content-Type where signal-cli sends none


def test_events_stream_opens_like_signal_cli(real, ours):
    status, content_type = real.stream_head("/api/v1/events")
    response = ours.client.get("/api/v1/events", buffered=False)
    try:
        assert (response.status_code, response.headers.get("Content-Type")) == (status, content_type)
    finally:
        response.close()
