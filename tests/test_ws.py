"""GET /v1/receive/{number} as a WebSocket, against a real HTTP server, in both kinds of modes."""
from __future__ import annotations

import base64
import json
import os
import socket
import time

import pytest
from simple_websocket import Client, ConnectionClosed

from tests.helpers import wait_for

A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"


def frames(client, count, timeout=20):
    """Read ``count`` JSON frames (fail after ``timeout`` seconds)."""
    got = []
    end = time.monotonic() + timeout
    while len(got) < count:
        remaining = end - time.monotonic()
        assert remaining > 0, f"got only {len(got)} of {count} frames"
        data = client.receive(timeout=remaining)
        if data is not None:
            got.append(json.loads(data))
    return got


def texts(items):
    return [f["envelope"]["dataMessage"]["message"] for f in items]



def subscribers(live, number):
    return live.harness.app.extensions["signal_api"].hub.subscriber_count(number)


@pytest.fixture(params=["normal", "json-rpc"])
def live(request, make_live):
    server = make_live(request.param)
    for number in (A, B, C):
        server.harness.register(number)
    return server


def test_every_client_of_an_account_gets_every_message_once(live):
    b_clients = [Client.connect(live.ws_url(f"/v1/receive/{B}")) for _ in range(3)]
    # pysignalclirestapi appends these query parameters; they must not matter.
    c_client = Client.connect(live.ws_url(f"/v1/receive/{C}?ignore_attachments=false&timeout=1"))
    assert wait_for(lambda: subscribers(live, B) == 3 and subscribers(live, C) == 1)
    for i in range(5):
        live.harness.send_direct(A, B, f"m{i}")
    for client in b_clients:
        got = frames(client, 5)
        assert texts(got) == [f"m{i}" for i in range(5)]
        assert set(got[0]) == {"envelope", "account", "cursor"}
        assert all(f["account"] == B for f in got)
        assert client.receive(timeout=0.5) is None  # nothing twice
    assert c_client.receive(timeout=1) is None
    for client in [*b_clients, c_client]:
        client.close()
    # The same path still answers a plain GET; what the sockets delivered counts as taken.
    inbox = live.harness.app.extensions["signal_api"].inbox
    assert wait_for(lambda: inbox.position("http", B) == got[-1]["cursor"])
    response = live.harness.client.get(f"/v1/receive/{B}?timeout=0")
    assert response.status_code == 200 and response.json == []
    live.harness.send_direct(A, B, "for GET")
    assert texts(live.harness.receive(B)) == ["for GET"]


def test_a_client_that_was_away_gets_what_arrived_meanwhile(live):
    # Messages that arrive while no client is connected (a bot restarting) are not lost: the
    # next socket gets them first, then live ones; a GET does not get them a second time.
    live.harness.send_direct(A, B, "while away 1")
    live.harness.send_direct(A, B, "while away 2")
    if live.harness.mode == "json-rpc":
        assert wait_for(lambda: len(live.harness.client.get(f"/v1/messages/{B}").json) == 2)
    client = Client.connect(live.ws_url(f"/v1/receive/{B}"))
    assert texts(frames(client, 2)) == ["while away 1", "while away 2"]
    live.harness.send_direct(A, B, "live")
    [last] = frames(client, 1)
    assert texts([last]) == ["live"]
    client.close()
    # A frame counts as taken once it is sent; the server records that right after sending.
    inbox = live.harness.app.extensions["signal_api"].inbox
    assert wait_for(lambda: inbox.position("http", B) == last["cursor"])
    assert live.harness.client.get(f"/v1/receive/{B}?timeout=0").json == []


def test_reconnecting_with_since_gets_exactly_what_was_missed(live):
    client = Client.connect(live.ws_url(f"/v1/receive/{B}"))
    assert wait_for(lambda: subscribers(live, B) == 1)
    for i in range(3):
        live.harness.send_direct(A, B, f"m{i}")
    seen = frames(client, 3)
    client.close()
    assert wait_for(lambda: subscribers(live, B) == 0)
    for i in range(3, 7):
        live.harness.send_direct(A, B, f"m{i}")
    # Wait until the missed messages are stored (in subprocess mode nobody receives for B now,
    # so a GET consumer is not involved: use the history route to watch).
    if live.harness.mode == "normal":
        resumed = Client.connect(live.ws_url(f"/v1/receive/{B}?since={seen[-1]['cursor']}"))
    else:
        assert wait_for(lambda: len(live.harness.client.get(f"/v1/messages/{B}").json) == 7)
        resumed = Client.connect(live.ws_url(f"/v1/receive/{B}?since={seen[-1]['cursor']}"))
    missed = frames(resumed, 4)
    assert texts(missed) == ["m3", "m4", "m5", "m6"]
    live.harness.send_direct(A, B, "live after replay")
    assert texts(frames(resumed, 1)) == ["live after replay"]
    assert resumed.receive(timeout=0.5) is None
    resumed.close()


def test_a_bad_since_gets_an_error_frame(make_live):
    live = make_live("normal")
    client = Client.connect(live.ws_url(f"/v1/receive/{B}?since=yesterday"))
    assert json.loads(client.receive(timeout=5)) == {
        "error": "Couldn't process request - since needs to be a non-negative integer cursor"}
    with pytest.raises(ConnectionClosed):
        client.receive(timeout=10)  # and the server hangs up


def raw_websocket(port, path):
    """A WebSocket client that completes the handshake and then never reads again."""
    return raw_handshake(port, path)[0]


def raw_handshake(port, path, extra_headers=""):
    """Open a WebSocket by hand; the socket and the server's handshake answer."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra_headers}\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert b" 101 " in response.split(b"\r\n")[0]
    return sock, response.decode("latin-1").lower()


DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"


def test_compression_is_off_unless_the_operator_turns_it_on(make_live):
    plain, compressing = make_live("normal"), make_live("normal", SIGNAL_API_WS_COMPRESSION="true")
    sock, answer = raw_handshake(plain.port, f"/v1/receive/{B}", DEFLATE_OFFER)
    sock.close()
    assert "sec-websocket-extensions" not in answer
    sock, answer = raw_handshake(compressing.port, f"/v1/receive/{B}", DEFLATE_OFFER)
    sock.close()
    assert "sec-websocket-extensions: permessage-deflate" in answer


def test_a_client_that_never_reads_delays_no_one_and_is_dropped(make_live):
    live = make_live("json-rpc", SIGNAL_API_WS_QUEUE_SIZE="50", SIGNAL_API_WS_SEND_TIMEOUT="2")
    services = live.harness.app.extensions["signal_api"]
    stuck = raw_websocket(live.port, f"/v1/receive/{B}")
    readers = [Client.connect(live.ws_url(f"/v1/receive/{B}")) for _ in range(2)]
    assert wait_for(lambda: subscribers(live, B) == 3)
    big = "x" * 32768
    count = 300  # ~10 MB in all: far more than the stuck client's socket buffers hold
    started = time.monotonic()
    got = {id(reader): [] for reader in readers}
    for start in range(0, count, 10):
        services.receiver.store([{"envelope": {"timestamp": i, "dataMessage": {"message": f"{i}:{big}"}},
                                  "account": B} for i in range(start, start + 10)])
        # The readers keep up batch by batch while the stuck client's buffers and queue fill.
        for reader in readers:
            got[id(reader)] += frames(reader, 10, timeout=30)
    elapsed = time.monotonic() - started
    for reader in readers:
        assert [int(t.split(":")[0]) for t in texts(got[id(reader)])] == list(range(count))
    # The stuck client is dropped (queue overflow, then the send timeout) and releases its slot.
    assert wait_for(lambda: subscribers(live, B) == 2, timeout=30)
    print(f"two readers got {count} x 32 KiB frames in {elapsed:.2f} s beside a stuck client")
    for reader in readers:
        reader.close()
    stuck.close()


def test_a_slow_client_is_closed_with_a_reason_telling_where_to_resume(make_live):
    live = make_live("json-rpc", SIGNAL_API_WS_QUEUE_SIZE="5")
    services = live.harness.app.extensions["signal_api"]
    client = Client.connect(live.ws_url(f"/v1/receive/{B}"))
    assert wait_for(lambda: subscribers(live, B) == 1)
    # One batch of 200 is offered faster than any socket drains a queue of 5.
    services.receiver.store([{"envelope": {"timestamp": i, "dataMessage": {"message": str(i)}}, "account": B}
                             for i in range(200)])
    received = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            data = client.receive(timeout=10)
            assert data is not None, "the slow client was never closed"
            received.append(json.loads(data))
    assert closed.value.reason == 1013
    last = received[-1]["cursor"] if received else 0
    assert closed.value.message == f"too slow: reconnect with ?since={last}"
    # Resuming where it said gets the rest, in order, without a gap.
    resumed = Client.connect(live.ws_url(f"/v1/receive/{B}?since={last}"))
    rest = frames(resumed, 200 - len(received))
    assert [int(m) for m in texts(received + rest)] == list(range(200))
    resumed.close()
