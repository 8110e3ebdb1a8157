"""The JSON-RPC client against a scripted daemon: ids, ordering, notifications, failures."""
from __future__ import annotations

import threading
import time

import pytest

from signal_api.errors import backend as errors
from signal_api.signalcli.jsonrpc import Address, JsonRpcClient
from tests.helpers import wait_for
from tests.signalcli.fake_daemon import FakeDaemon


@pytest.fixture
def make_client():
    made = []

    def make(daemon, *, timeout=5.0, notifications=None, connect_wait=5.0):
        client = JsonRpcClient(
            Address.parse(daemon.address),
            call_timeout=timeout,
            connect_wait=connect_wait,
            on_notification=notifications.extend if notifications is not None else None,
        )
        client.start()
        assert client.wait_connected(5)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_replies_out_of_order_reach_their_callers(make_client):
    held = []
    lock = threading.Lock()

    def handler(conn, request):
        with lock:
            held.append((conn, request))
            if len(held) == 3:
                # Answer in reverse order.
                for c, r in reversed(held):
                    c.reply(r, {"echo": r["params"]["n"]})

    daemon = FakeDaemon(handler)
    client = make_client(daemon)
    results = {}

    def call(n):
        results[n] = client.call("version", {"n": n})

    threads = [threading.Thread(target=call, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == {0: {"echo": 0}, 1: {"echo": 1}, 2: {"echo": 2}}
    daemon.close()


def test_notification_between_request_and_reply_goes_to_the_handler(make_client):
    def handler(conn, request):
        conn.write({"jsonrpc": "2.0", "method": "receive",
                    "params": {"envelope": {"timestamp": 1}, "account": "+4915100000001"}})
        conn.reply(request, {"version": "0.13.19"})

    daemon = FakeDaemon(handler)
    seen = []
    client = make_client(daemon, notifications=seen)
    assert client.call("version") == {"version": "0.13.19"}
    assert seen == [("receive", {"envelope": {"timestamp": 1}, "account": "+4915100000001"})]
    daemon.close()


def test_an_error_reply_becomes_a_typed_error(make_client):
    def handler(conn, request):
        conn.write({"jsonrpc": "2.0", "id": request["id"],
                    "error": {"code": -32602, "message": "Specified account does not exist", "data": None}})

    daemon = FakeDaemon(handler)
    client = make_client(daemon)
    with pytest.raises(errors.InvalidRequestError, match="Specified account does not exist"):
        client.call("send", {"account": "+4915100000009"})
    daemon.close()


def test_rate_limit_error_carries_challenge_tokens(make_client):
    response = {"timestamp": 5, "results": [{"type": "RATE_LIMIT_FAILURE", "token": "tok-1"}]}

    def handler(conn, request):
        conn.write({"jsonrpc": "2.0", "id": request["id"], "error": {
            "code": -5, "message": "Failed to send message due to rate limiting", "data": {"response": response}}})

    daemon = FakeDaemon(handler)
    client = make_client(daemon)
    with pytest.raises(errors.RateLimitError) as caught:
        client.call("send", {})
    assert caught.value.challenge_tokens == ["tok-1"]
    daemon.close()


def test_a_daemon_that_never_answers_times_out(make_client):
    daemon = FakeDaemon(lambda conn, request: None)
    client = make_client(daemon, timeout=0.3)
    with pytest.raises(errors.BackendTimeoutError):
        client.call("version")
    daemon.close()


def test_a_daemon_dying_mid_call_fails_every_waiter_at_once_and_the_client_reconnects(make_client):
    arrived = threading.Semaphore(0)

    def handler(conn, request):
        if request["method"] == "hang":
            arrived.release()
        else:
            conn.reply(request, "pong")

    daemon = FakeDaemon(handler)
    client = make_client(daemon, timeout=30)
    failures = []

    def call():
        try:
            client.call("hang")
        except errors.SignalCliError as exc:
            failures.append((type(exc), time.monotonic()))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(3):
        assert arrived.acquire(timeout=5)
    killed_at = time.monotonic()
    daemon.connections[0].close()
    for t in threads:
        t.join(5)
    assert [f[0] for f in failures] == [errors.BackendUnavailableError] * 3
    # They failed because of the disconnect, not by running into the 30 s call timeout.
    assert all(at - killed_at < 5 for _, at in failures)
    assert daemon.accepted.acquire(timeout=5)  # first connection
    assert daemon.accepted.acquire(timeout=5)  # the reconnect
    assert client.wait_connected(5)
    assert client.call("ping") == "pong"
    assert client.connections == 2
    daemon.close()


def test_no_daemon_means_unavailable():
    client = JsonRpcClient(Address.parse("unix:/nonexistent/socket"), call_timeout=0.5, connect_wait=0.2)
    client.start()
    try:
        with pytest.raises(errors.BackendUnavailableError):
            client.call("version")
    finally:
        client.close()


@pytest.mark.parametrize("text, family, target", [
    ("unix:/run/x.sock", "unix", "/run/x.sock"),
    ("tcp://127.0.0.1:7583", "tcp", ("127.0.0.1", 7583)),
    ("tcp://[::1]:7583", "tcp", ("::1", 7583)),
])
def test_address_parsing(text, family, target):
    address = Address.parse(text)
    assert (address.family, address.target) == (family, target)


def test_pause_reads_what_the_daemon_still_sends_then_stays_away_until_resume(make_client):
    def last_words(conn):
        # What a daemon already took from Signal when the client left: it must still arrive.
        if conn is daemon.connections[0]:
            for i in range(5):
                conn.write({"jsonrpc": "2.0", "method": "receive", "params": {"envelope": {"timestamp": i}}})
        conn.close()

    daemon = FakeDaemon(lambda conn, request: conn.reply(request, {}), on_eof=last_words)
    notifications = []
    client = make_client(daemon, notifications=notifications)
    client.pause("storage is failing")
    assert wait_for(lambda: len(notifications) == 5 and not client.connected, timeout=10)
    assert [params["envelope"]["timestamp"] for _, params in notifications] == [0, 1, 2, 3, 4]
    started = time.monotonic()
    with pytest.raises(errors.BackendUnavailableError, match="^storage is failing$"):
        client.call("version")
    assert time.monotonic() - started < 1, "a paused client must not wait for a connection"
    time.sleep(0.5)
    assert len(daemon.connections) == 1, "a paused client reconnected"
    client.resume()
    assert client.wait_connected(5)
    assert client.call("version") == {}
    assert len(daemon.connections) == 2
    daemon.close()


def test_a_daemon_error_keeps_its_message_line_without_traces_or_paths(make_client, tmp_path):
    attachment = tmp_path / "data" / "tmp" / "3f1c.png"
    errors_by_method = {
        "send": {"code": -32603, "message": f"Failed to send message: {attachment} (No such file or directory)"
                                            "\n\tat org.asamk.signal.Foo(Foo.java:1) (UnexpectedErrorException)"},
        "listGroups": {"code": -1, "message": "User +4915100000001 is not registered."},
    }

    def handler(conn, request):
        conn.write({"jsonrpc": "2.0", "error": errors_by_method[request["method"]], "id": request["id"]})

    daemon = FakeDaemon(handler)
    client = make_client(daemon)
    with pytest.raises(errors.UnexpectedError) as caught:
        client.call("send")
    assert caught.value.message == "Failed to send message: 3f1c.png (No such file or directory)"
    with pytest.raises(errors.UserError) as caught:
        client.call("listGroups")
    assert caught.value.message == "User +4915100000001 is not registered."
    daemon.close()


def test_an_unreachable_daemon_is_reported_without_its_socket_path(tmp_path):
    client = JsonRpcClient(Address.parse(f"unix:{tmp_path}/nobody/signal-cli.sock"), call_timeout=1, connect_wait=0.2)
    client.start()
    try:
        with pytest.raises(errors.BackendUnavailableError) as caught:
            client.call("version")
        assert caught.value.message == "signal-cli daemon is not reachable"
    finally:
        client.close()
