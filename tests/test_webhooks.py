"""Webhook delivery against real HTTP receivers: retries, order, timeouts, signatures, restarts."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signal_api.storage.inbox import Inbox
from signal_api.receive.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookDispatcher,
    sign,
    verify_signature,
)

A = "+4915100000001"
B = "+4915100000002"
HANG = -1  # a status a Responder returns to make the receiver hang instead of answering


def message(account: str, text: str) -> dict:
    return {"envelope": {"timestamp": 1, "dataMessage": {"message": text}}, "account": account}


def wait_until(predicate: Callable[[], object], timeout: float = 4.0, interval: float = 0.01) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


class Receiver:
    """A webhook receiver on 127.0.0.1 whose answer to the n-th call (from 0) is ``respond(n)``."""

    def __init__(self, respond: Callable[[int], int] = lambda n: 200, port: int = 0) -> None:
        self.respond = respond
        self.requests: list[tuple[dict[str, str], bytes, int]] = []  # (headers, body, status)
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.record(dict(self.headers), body)
                if status == HANG:
                    receiver.hanging.set()
                    receiver.release.wait(5)
                    status = 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the dispatcher already gave up on this call

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def record(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = self.respond(len(self.requests))
            self.requests.append((headers, body, status))
            return status

    def delivered_cursors(self) -> list[int]:
        """Delivery ids of the calls answered with 2xx, in arrival order."""
        with self._lock:
            return [int(h[DELIVERY_HEADER]) for h, _, status in self.requests if 200 <= status < 300]

    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(*args: object, **kwargs: object) -> Receiver:
        receiver = Receiver(*args, **kwargs)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def dispatchers() -> Iterator[Callable[..., WebhookDispatcher]]:
    made: list[WebhookDispatcher] = []

    def make(inbox: Inbox, url: str, **options: object) -> WebhookDispatcher:
        settings = {"secret": None, "timeout": 2.0, "max_attempts": 10, "base_delay": 0.01, "max_delay": 0.05}
        dispatcher = WebhookDispatcher(inbox, url, **{**settings, **options})
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.stop()


def delivery_rows(inbox: Inbox) -> list[tuple]:
    return inbox.execute("SELECT message_id, attempts, state, last_error FROM webhook_deliveries ORDER BY message_id")


def all_delivered(inbox: Inbox) -> bool:
    rows = delivery_rows(inbox)
    return bool(rows) and all(state == "delivered" for _, _, state, _ in rows)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_retries_deliver_every_message_once_and_in_order(tmp_path, receivers, dispatchers):
    receiver = receivers(lambda n: 500 if n < 3 else 200)
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    dispatchers(inbox, receiver.url).start()

    stored = inbox.store([message(A, "one"), message(B, "two")]) + inbox.store([message(A, "three")])
    stored += inbox.store([message(A, "four"), message(A, "five")])

    wait_until(lambda: all_delivered(inbox))
    assert receiver.delivered_cursors() == [m.cursor for m in stored]
    assert receiver.calls() == len(stored) + 3
    assert [attempts for _, attempts, _, _ in delivery_rows(inbox)] == [4, 1, 1, 1, 1]


def test_a_hanging_webhook_times_out_retries_and_never_blocks_storing(tmp_path, receivers, dispatchers):
    receiver = receivers(lambda n: HANG if n == 0 else 200)
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    dispatchers(inbox, receiver.url, timeout=0.3).start()

    first = inbox.store([message(A, "first")])[0]
    assert receiver.hanging.wait(3)
    started = time.monotonic()
    second = inbox.store([message(A, "second")])[0]
    assert time.monotonic() - started < 0.2

    wait_until(lambda: all_delivered(inbox))
    assert receiver.delivered_cursors() == [first.cursor, second.cursor]
    cursor, attempts, _, last_error = delivery_rows(inbox)[0]
    assert (cursor, attempts, last_error) == (first.cursor, 2, None)
    # The timed-out call reached the receiver too; the delivery id lets it drop the duplicate.
    assert [int(h[DELIVERY_HEADER]) for h, _, _ in receiver.requests][:2] == [first.cursor, first.cursor]


def test_body_is_the_original_json_rpc_notification(tmp_path, receivers, dispatchers):
    receiver = receivers()
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    payload = message(A, "grüße")
    stored = inbox.store([payload])[0]

    assert dispatchers(inbox, receiver.url).deliver_due() == 1

    (headers, body, _), = receiver.requests
    assert json.loads(body) == {"jsonrpc": "2.0", "method": "receive", "params": payload}
    assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    assert headers["Content-Type"] == "application/json"
    assert headers[DELIVERY_HEADER] == str(stored.cursor)
    assert SIGNATURE_HEADER not in headers and TIMESTAMP_HEADER not in headers


def test_signatures_verify_with_the_secret_only(tmp_path, receivers, dispatchers):
    receiver = receivers()
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    inbox.store([message(A, "signed")])

    assert dispatchers(inbox, receiver.url, secret="s3cret").deliver_due() == 1

    (headers, body, _), = receiver.requests
    timestamp, signature = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert abs(int(timestamp) - time.time()) < 60
    assert signature.startswith("sha256=") and signature == sign("s3cret", timestamp, body)
    assert verify_signature("s3cret", timestamp, body, signature)
    assert not verify_signature("wrong", timestamp, body, signature)
    assert not verify_signature("s3cret", int(timestamp) + 1, body, signature)
    assert not verify_signature("s3cret", timestamp, body + b" ", signature)
    assert not verify_signature("s3cret", timestamp, body, None)


def test_pending_deliveries_survive_a_restart(tmp_path, receivers, dispatchers):
    port = unused_port()
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    url = f"http://127.0.0.1:{port}/hook"
    first = dispatchers(inbox, url, timeout=0.5)
    first.start()
    stored = inbox.store([message(A, "one"), message(A, "two"), message(B, "three")])
    wait_until(lambda: delivery_rows(inbox)[0][1] >= 2)  # the receiver is down: attempts fail
    first.stop()
    inbox.close()

    receiver = receivers(port=port)
    reopened = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    dispatchers(reopened, url).start()

    wait_until(lambda: all_delivered(reopened))
    assert receiver.delivered_cursors() == [m.cursor for m in stored]


def test_max_attempts_marks_the_delivery_failed_and_stops_trying(tmp_path, receivers, dispatchers):
    now = [1000.0]
    receiver = receivers(lambda n: 503)
    inbox = Inbox(tmp_path / "db", clock=lambda: now[0], track_webhook_deliveries=True)
    dispatcher = dispatchers(inbox, receiver.url, max_attempts=3, base_delay=10.0, max_delay=15.0,
                             clock=lambda: now[0])
    inbox.store([message(A, "doomed")])

    assert dispatcher.deliver_due() == 0
    _, attempts, state, last_error = delivery_rows(inbox)[0]
    assert (attempts, state, last_error) == (1, "pending", "HTTP 503")
    next_attempt = inbox.execute("SELECT next_attempt FROM webhook_deliveries")[0][0]
    assert 1000_000 + 5_000 <= next_attempt <= 1000_000 + 10_000  # base_delay with jitter in [0.5, 1]
    assert dispatcher.deliver_due() == 0 and receiver.calls() == 1  # not due yet

    for _ in range(4):
        now[0] += 15
        dispatcher.deliver_due()

    assert receiver.calls() == 3
    _, attempts, state, last_error = delivery_rows(inbox)[0]
    assert (attempts, state, last_error) == (3, "failed", "HTTP 503")


def test_a_failed_message_no_longer_holds_back_the_next(tmp_path, receivers, dispatchers):
    receiver = receivers(lambda n: 500 if n < 2 else 200)
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    stored = inbox.store([message(A, "poison"), message(A, "fine")])
    dispatchers(inbox, receiver.url, max_attempts=2).start()

    wait_until(lambda: [state for _, _, state, _ in delivery_rows(inbox)] == ["failed", "delivered"])
    assert receiver.delivered_cursors() == [stored[1].cursor]


def test_the_worker_survives_an_error_and_stops_promptly(tmp_path, receivers, dispatchers, monkeypatch):
    receiver = receivers()
    inbox = Inbox(tmp_path / "db", track_webhook_deliveries=True)
    dispatcher = dispatchers(inbox, receiver.url)
    real_lookup = dispatcher._oldest_pending
    failures = iter([RuntimeError("database hiccup")])

    def flaky_lookup():
        error = next(failures, None)
        if error:
            raise error
        return real_lookup()

    monkeypatch.setattr(dispatcher, "_oldest_pending", flaky_lookup)
    dispatcher.start()
    inbox.store([message(A, "one")])
    wait_until(lambda: all_delivered(inbox))

    started = time.monotonic()
    dispatcher.stop()
    assert time.monotonic() - started < 1.0
    assert not any(t.name == "webhook dispatcher" and t.is_alive() for t in threading.enumerate())
