"""Receiving without loss through GET /v1/receive, in the subprocess and the daemon modes."""
from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import Harness

A = "+4915100000001"
B = "+4915100000002"


def texts(messages):
    return [m["envelope"]["dataMessage"]["message"] for m in messages]


def collect(api, number, expected, *, limit=0, deadline=60):
    """GET until ``expected`` messages came; fail on a duplicate or a timeout."""
    seen = []
    end = time.monotonic() + deadline
    while len(seen) < expected and time.monotonic() < end:
        query = f"?timeout=1&max_messages={limit}" if limit else "?timeout=1"
        response = api.client.get(f"/v1/receive/{number}{query}")
        assert response.status_code == 200
        seen += response.json
    return seen


def registered(api):
    api.register(A)
    api.register(B)
    return api


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_100_messages_arrive_by_get_in_order_and_once(make_api, mode):
    api = registered(make_api(mode))
    for i in range(100):
        api.send_direct(A, B, f"m{i}")
    got = collect(api, B, 100)
    assert texts(got) == [f"m{i}" for i in range(100)]
    cursors = [m["cursor"] for m in got]
    assert cursors == sorted(set(cursors))
    assert all(m["account"] == B for m in got)
    assert api.client.get(f"/v1/receive/{B}?timeout=0").json == []


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_nothing_is_lost_or_repeated_across_an_api_restart(make_api, mode, tmp_path):
    first = registered(make_api(mode))
    for i in range(50):
        first.send_direct(A, B, f"m{i}")
    got = collect(first, B, 20, limit=20)
    assert len(got) == 20
    if mode == "json-rpc":
        # Let the daemon hand over what it has before the service goes away.
        deadline = time.monotonic() + 20
        while first.app.extensions["signal_api"].inbox.count(B) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
    first.stop()
    for i in range(50, 100):
        first.send_direct(A, B, f"m{i}")
    second = make_api(mode, root=tmp_path)
    got += collect(second, B, 80)
    assert texts(got) == [f"m{i}" for i in range(100)]


def test_nothing_is_lost_when_the_daemon_is_killed_and_restarted(make_api):
    api = registered(make_api("json-rpc"))
    for i in range(50):
        api.send_direct(A, B, f"m{i}")
    supervisor = api.backend.supervisor
    old_pid = supervisor.pid
    os.kill(old_pid, signal.SIGKILL)
    for i in range(50, 100):
        api.send_direct(A, B, f"m{i}")
    got = collect(api, B, 100)
    assert texts(got) == [f"m{i}" for i in range(100)]
    assert supervisor.pid not in (None, old_pid)


def test_history_lists_without_consuming(make_api):
    api = registered(make_api("normal"))
    for i in range(5):
        api.send_direct(A, B, f"h{i}")
    taken = collect(api, B, 5)
    page = api.client.get(f"/v1/messages/{B}?limit=2").json
    assert texts(page) == ["h0", "h1"]
    rest = api.client.get(f"/v1/messages/{B}?after={page[-1]['cursor']}").json
    assert texts(rest) == ["h2", "h3", "h4"]
    assert [m["cursor"] for m in taken] == [m["cursor"] for m in page + rest]
    assert api.client.get(f"/v1/messages/{B}?limit=0").status_code == 400


def test_receive_query_parameters_are_validated_and_passed(make_api):
    api = registered(make_api("normal"))
    bad = api.client.get(f"/v1/receive/{B}?timeout=soon")
    assert bad.status_code == 400
    assert bad.json == {"error": "Couldn't process request - timeout needs to be numeric!"}
    bad = api.client.get(f"/v1/receive/{B}?ignore_attachments=yes")
    assert bad.json == {"error": "Couldn't process request - ignore_attachments parameter needs to be either 'true' or 'false'"}
    ok = api.client.get(f"/v1/receive/{B}?timeout=1&ignore_attachments=true&send_read_receipts=true&max_messages=3")
    assert ok.status_code == 200
    params = api.last_call("receive")["params"]
    assert params["ignoreAttachments"] is True
    assert params["sendReadReceipts"] is True
    assert params["maxMessages"] == 3


def test_scheduled_receive_stores_for_every_account(make_api):
    from signal_api.app import scheduled_receive

    api: Harness = registered(make_api("normal", AUTO_RECEIVE_SCHEDULE="0 0 1 1 *",
                                        AUTO_RECEIVE_SCHEDULE_RECEIVE_TIMEOUT="1"))
    api.send_direct(A, B, "for B")
    api.send_direct(B, A, "for A")
    services = api.app.extensions["signal_api"]
    scheduled_receive(services)
    assert {c["account"] for c in api.calls("receive")} == {A, B}
    assert texts(api.client.get(f"/v1/messages/{B}").json) == ["for B"]
    assert texts(api.client.get(f"/v1/messages/{A}").json) == ["for A"]
    # Stored, not thrown away: a later GET still returns them.
    assert texts(collect(api, B, 1)) == ["for B"]
