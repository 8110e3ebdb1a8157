"""RECEIVE_WEBHOOK_URL through the whole service: in every mode, signed, retried, never blocking."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signal_api.receive.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

from tests.helpers import wait_for

A = "+4915100000001"
B = "+4915100000002"
SECRET = "s3cret"


class Receiver:
    """A webhook endpoint on localhost whose behaviour a test switches."""

    def __init__(self, port: int = 0) -> None:
        self.bodies: list[tuple[dict, dict]] = []
        self.fail_first = 0
        self.hang = threading.Event()
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.hang.is_set():
                    time.sleep(5)
                    return
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append((dict(self.headers), {"raw": body, "json": json.loads(body)}))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def texts(self):
        return [b["json"]["params"]["envelope"]["dataMessage"]["message"] for _, b in self.bodies]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()



@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_messages_are_delivered_signed_once_after_retries(make_api, receiver, mode):
    receiver.fail_first = 3
    api = make_api(mode, RECEIVE_WEBHOOK_URL=receiver.url, RECEIVE_WEBHOOK_SECRET=SECRET)
    api.register(A)
    api.register(B)
    for i in range(3):
        assert api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": f"w{i}"}).status_code == 201
    if mode == "normal":
        api.receive(B, count=3)  # in the subprocess modes someone has to receive
    # The dispatcher's first retries back off for about a second each.
    assert wait_for(lambda: len(receiver.bodies) == 3, timeout=30), receiver.calls
    assert receiver.texts() == ["w0", "w1", "w2"]
    for headers, body in receiver.bodies:
        assert body["json"]["jsonrpc"] == "2.0" and body["json"]["method"] == "receive"
        assert body["json"]["params"]["account"] == B
        assert verify_signature(SECRET, headers[TIMESTAMP_HEADER], body["raw"], headers[SIGNATURE_HEADER])
    assert len({headers[DELIVERY_HEADER] for headers, _ in receiver.bodies}) == 3


def test_a_hanging_webhook_never_blocks_sending_or_receiving(make_api, receiver):
    receiver.hang.set()
    api = make_api("json-rpc", RECEIVE_WEBHOOK_URL=receiver.url, RECEIVE_WEBHOOK_TIMEOUT="2")
    api.register(A)
    api.register(B)
    started = time.monotonic()
    for i in range(3):
        assert api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": f"h{i}"}).status_code == 201
    assert [m["envelope"]["dataMessage"]["message"] for m in api.receive(B, count=3)] == ["h0", "h1", "h2"]
    assert time.monotonic() - started < 10
    assert wait_for(lambda: receiver.calls >= 1)
    receiver.hang.clear()
    assert wait_for(lambda: receiver.texts() == ["h0", "h1", "h2"], timeout=40)


def test_pending_deliveries_survive_an_api_restart(make_api, receiver, tmp_path):
    url, port = receiver.url, receiver.server.server_port
    receiver.close()  # the endpoint is down while the first service runs
    first = make_api("normal", RECEIVE_WEBHOOK_URL=url)
    first.register(A)
    first.register(B)
    first.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "kept"})
    assert len(first.receive(B)) == 1
    first.stop()
    revived = Receiver(port)  # back on the same address; a new service picks the delivery up
    try:
        make_api("normal", root=tmp_path, RECEIVE_WEBHOOK_URL=url)
        assert wait_for(lambda: revived.texts() == ["kept"], timeout=30)
    finally:
        revived.close()
