"""``/metrics`` scraped from a live gunicorn server after real traffic, in a subprocess and a daemon mode."""
from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from simple_websocket import Client

from tests.helpers import running_server, wait_for
from tests.processes import daemons_on
from tests.test_webhook_delivery import Receiver

A = "+4915100000001"
B = "+4915100000002"


def request(server, method: str, path: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def scrape(server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, by (name, sorted labels)."""
    with urllib.request.urlopen(server.base + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def register(server, number: str) -> None:
    assert request(server, "POST", f"/v1/register/{number}") == 201
    assert request(server, "POST", f"/v1/register/{number}/verify/123456") == 201


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_requests_and_signal_cli_calls_are_counted_by_template_status_and_command(tmp_path, mode):
    with running_server(mode, tmp_path) as server:
        register(server, A)
        register(server, B)
        assert request(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "hi"}) == 201
        assert request(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "again"}) == 201
        assert request(server, "POST", "/v2/send", {"number": A}) == 400
        assert request(server, "GET", "/v1/groups/+4915100000099") == 400  # not registered: signal-cli fails
        assert request(server, "GET", "/no/such/path/+4915199999999") == 404
        for i in range(3):  # made-up methods must not become series of their own
            assert request(server, f"MADEUP{i}", "/v1/about") == 405
        samples = scrape(server)
    assert value(samples, "signal_api_http_requests_total", route="/v2/send", method="POST", status="201") == 2
    assert value(samples, "signal_api_http_requests_total", route="/v2/send", method="POST", status="400") == 1
    assert value(samples, "signal_api_http_requests_total", route="/v1/register/<number>/verify/<token>",
                 method="POST", status="201") == 2
    assert value(samples, "signal_api_http_requests_total", route="<unmatched>", method="GET", status="404") == 1
    assert not any("+4915199999999" in str(key) or "123456" in str(key) or "MADEUP" in str(key) for key in samples)
    assert value(samples, "signal_api_http_requests_total", route="<unmatched>", method="other", status="405") == 3
    assert value(samples, "signal_api_http_request_duration_seconds_count", route="/v2/send", method="POST") == 3
    assert value(samples, "signal_api_http_request_duration_seconds_bucket", route="/v2/send", method="POST",
                 le="+Inf") == 3
    # signal-cli calls, by command, whichever backend made them.
    assert value(samples, "signal_api_signal_cli_calls_total", command="send", outcome="ok") == 2
    assert value(samples, "signal_api_signal_cli_calls_total", command="verify", outcome="ok") == 2
    failed = {dict(labels)["outcome"] for (name, labels), v in samples.items()
              if name == "signal_api_signal_cli_calls_total" and dict(labels)["command"] == "listGroups"}
    assert failed and "ok" not in failed
    assert value(samples, "signal_api_signal_cli_call_duration_seconds_count", command="send") == 2
    assert value(samples, "process_resident_memory_bytes") > 0


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_inbox_depth_and_age_follow_what_clients_have_taken(tmp_path, mode):
    with running_server(mode, tmp_path) as server:
        register(server, A)
        register(server, B)
        assert request(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "one"}) == 201
        assert request(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "two"}) == 201
        if mode == "normal":
            # Messages reach the inbox when something receives: a scheduled or WebSocket receive
            # stores without handing out; here a WebSocket with ?since=0 replays without taking.
            socket = Client.connect(server.ws_url(f"/v1/receive/{B}?since=0"))
            try:
                frames = [json.loads(socket.receive(timeout=20)) for _ in range(2)]
                assert [f["envelope"]["dataMessage"]["message"] for f in frames] == ["one", "two"]
            finally:
                socket.close()
        assert wait_for(lambda: value(scrape(server), "signal_api_inbox_undelivered_messages", account=B) == 2)
        samples = scrape(server)
        assert value(samples, "signal_api_inbox_oldest_undelivered_age_seconds", account=B) >= 0
        with urllib.request.urlopen(server.base + f"/v1/receive/{B}?timeout=1", timeout=30) as response:
            assert len(json.loads(response.read())) == 2
        samples = scrape(server)
        if mode == "normal":
            # The socket's receive loop ends its last `receive` run after its idle timeout.
            assert wait_for(lambda: (value(scrape(server), "signal_api_signal_cli_calls_total", command="receive",
                                           outcome="ok") or 0) >= 1, timeout=30)
    assert value(samples, "signal_api_inbox_undelivered_messages", account=B) == 0
    assert value(samples, "signal_api_inbox_oldest_undelivered_age_seconds", account=B) == 0


def test_websocket_subscribers_daemon_restarts_and_webhook_outcomes(tmp_path):
    hook = Receiver()
    hook.fail_first = 1
    try:
        with running_server("json-rpc", tmp_path, RECEIVE_WEBHOOK_URL=hook.url) as server:
            register(server, A)
            register(server, B)
            assert value(scrape(server), "signal_api_websocket_subscribers") == 0
            sockets = [Client.connect(server.ws_url(f"/v1/receive/{B}")) for _ in range(2)]
            try:
                assert wait_for(lambda: value(scrape(server), "signal_api_websocket_subscribers") == 2)
            finally:
                for socket in sockets:
                    socket.close()
            assert wait_for(lambda: value(scrape(server), "signal_api_websocket_subscribers") == 0)

            assert request(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "hook"}) == 201
            assert wait_for(lambda: value(scrape(server), "signal_api_webhook_deliveries_total",
                                          outcome="delivered") == 1, timeout=30)
            samples = scrape(server)
            assert value(samples, "signal_api_webhook_deliveries_total", outcome="failed") == 1
            assert value(samples, "signal_api_webhook_pending_deliveries") == 0

            assert value(samples, "signal_api_signal_cli_daemon_restarts_total") == 0
            (daemon,) = daemons_on(server.config_dir)
            os.kill(daemon.pid, signal.SIGKILL)
            assert wait_for(lambda: value(scrape(server), "signal_api_signal_cli_daemon_restarts_total") == 1,
                            timeout=30)
            server.wait_until_healthy()
    finally:
        hook.close()
