"""GET /api/v1/events in every mode: signal-cli's SSE events, with cursors and gap-free resumption."""
from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from signal_api.services import get_services
from signal_api.signalcli_http import events
from tests.conftest import LiveServer
from tests.helpers import wait_for
from tests.signalcli_http.conftest import A, B


@pytest.fixture(scope="module")
def live(world) -> Iterator[LiveServer]:
    server = LiveServer(world)
    try:
        yield server
    finally:
        server.stop()


class Stream:
    """One SSE connection, read event by event."""

    def __init__(self, server: LiveServer, path: str, headers: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()

    def event(self) -> dict[str, str]:
        """The next event's fields (keep-alive comments skipped)."""
        fields: dict[str, str] = {}
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if line == "":
                if fields:
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value

    def close(self) -> None:
        self.connection.close()


def _send(world, sender: str, recipient: str, text: str) -> None:
    world.send_direct(sender, recipient, text)


def _text_of(event: dict[str, str]) -> Any:
    data = json.loads(event["data"])
    return data["envelope"]["dataMessage"]["message"]


def _stored(world, account: str, count: int) -> None:
    """Make sure ``count`` messages of ``account`` are in the inbox (fetching them where nothing pushes)."""
    inbox = get_services(world.app).inbox

    def enough() -> bool:
        if not world.backend.pushes_messages:
            world.client.get(f"/v1/receive/{account}?timeout=1")
        return inbox.count(account) >= count

    assert wait_for(enough)


def test_an_event_is_signal_clis_two_lines_plus_its_cursor(world, live):
    stream = Stream(live, f"/api/v1/events?account={B}")
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type") == "text/event-stream"
        _send(world, A, B, "first")
        event = stream.event()
        assert list(event) == ["event", "data", "id"] and event["event"] == "receive"
        data = json.loads(event["data"])
        assert list(data) == ["envelope", "account"] and data["account"] == B
        assert data["envelope"]["sourceNumber"] == A and _text_of(event) == "first"
        assert event["data"] == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        assert int(event["id"]) > 0
    finally:
        stream.close()


def test_last_event_id_replays_what_was_missed_with_no_gap_and_no_duplicate(world, live):
    inbox = get_services(world.app).inbox
    stream = Stream(live, f"/api/v1/events?account={B}")
    try:
        _send(world, A, B, "before the break")
        seen = stream.event()
        assert _text_of(seen) == "before the break"
    finally:
        stream.close()
    count = inbox.count(B)
    _send(world, A, B, "missed 1")
    _send(world, A, B, "missed 2")
    _stored(world, B, count + 2)
    stream = Stream(live, f"/api/v1/events?account={B}", {"Last-Event-ID": seen["id"]})
    try:
        replayed = [stream.event(), stream.event()]
        assert [_text_of(event) for event in replayed] == ["missed 1", "missed 2"]
        _send(world, A, B, "live again")
        live_event = stream.event()
        assert _text_of(live_event) == "live again"
        ids = [int(event["id"]) for event in (seen, *replayed, live_event)]
        assert ids == sorted(set(ids))
    finally:
        stream.close()


def test_since_replays_from_a_cursor_too(world, live):
    inbox = get_services(world.app).inbox
    count = inbox.count(B)
    _send(world, A, B, "for since")
    _stored(world, B, count + 1)
    latest = inbox.latest_cursor(B)
    before = inbox.after(B, 0, 10_000)
    stream = Stream(live, f"/api/v1/events?account={B}&since=0")
    try:
        got = [stream.event() for _ in before]
        assert [int(event["id"]) for event in got] == [message.cursor for message in before]
        assert int(got[-1]["id"]) == latest
    finally:
        stream.close()


def test_without_account_every_account_is_streamed(world, live):
    stream = Stream(live, "/api/v1/events")
    try:
        _send(world, A, B, "to b")
        first = stream.event()
        _send(world, B, A, "to a")
        second = stream.event()
        assert [(json.loads(e["data"])["account"], _text_of(e)) for e in (first, second)] == [(B, "to b"),
                                                                                             (A, "to a")]
    finally:
        stream.close()


def test_an_unknown_account_or_bad_cursor_is_refused(world):
    assert world.client.get("/api/v1/events?account=%2B4915100000099").status_code == 400
    response = world.client.get(f"/api/v1/events?account={B}", headers={"Last-Event-ID": "x"})
    assert response.status_code == 400 and "Last-Event-ID" in response.json["error"]
    assert world.client.post("/api/v1/events").status_code == 405


def test_an_idle_stream_sends_keep_alive_comments_and_cleans_up_when_closed(world):
    services = get_services(world.app)
    before = services.hub.subscriber_count(A)
    stream = events.stream(services, [A], None, keepalive=0.01)
    assert next(stream) == ""  # the headers go out at once
    assert next(stream) == ":\n"
    assert services.hub.subscriber_count(A) == before + 1
    stream.close()  # what the WSGI server does when the client has gone
    assert services.hub.subscriber_count(A) == before


def test_a_stream_of_no_account_still_ends_when_the_server_stops(tmp_path):
    from tests.conftest import Harness

    harness = Harness("normal", tmp_path)
    services = get_services(harness.app)
    stream = events.stream(services, [], None, keepalive=30)
    assert next(stream) == ""
    services.hub.close_all()
    assert list(stream) == []  # ends at once instead of waiting for its keep-alive
    assert services.hub.open_subscriptions() == 0
