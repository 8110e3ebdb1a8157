"""Tokens on the signal-cli HTTP API (SIGNAL_API_AUTH=token): each method's scope and account, per request."""
from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from signal_api.services import get_services
from tests.access.conftest import Secured, bearer, secured_harness
from tests.conftest import MODES, LiveServer
from tests.helpers import wait_for
from tests.signalcli_http.conftest import A, B, call, rpc


@pytest.fixture(scope="module", params=MODES)
def secured(request, tmp_path_factory) -> Iterator[Secured]:
    app = secured_harness(tmp_path_factory.mktemp(f"scopes-{request.param}"), request.param)
    try:
        app.register(A)
        app.register(B)
        yield app
    finally:
        app.harness.stop()


def _post(secured: Secured, body: object, token: str | None) -> object:
    return rpc(secured.harness, body, **(bearer(token) if token else {}))


def test_check_is_open_and_rpc_needs_a_token(secured):
    assert secured.client.get("/api/v1/check").status_code == 200
    assert _post(secured, call("version"), None).status_code == 401
    assert secured.client.get("/api/v1/events").status_code == 401


def test_each_method_needs_the_scope_of_its_rest_routes(secured):
    send = secured.token("rpc-send", scopes=["send"])
    manage = secured.token("rpc-manage", scopes=["manage"])
    assert "timestamp" in _post(secured, call("send", account=A, recipient=[B], message="x"), send).json["result"]
    refused = _post(secured, call("listGroups", account=A), send)
    assert refused.status_code == 403 and "'manage'" in refused.json["error"]
    assert _post(secured, call("listGroups", account=A), manage).json["result"] == []
    assert _post(secured, call("listAccounts"), manage).status_code == 403
    for token in (send, manage):
        assert _post(secured, call("version"), token).status_code == 200


def test_a_batch_needs_every_scope_of_its_methods(secured):
    send = secured.token("rpc-batch", scopes=["send"])
    before = len(secured.harness.calls("send"))
    batch = [call("send", 1, account=A, recipient=[B], message="x"), call("listContacts", 2, account=A)]
    refused = _post(secured, batch, send)
    assert refused.status_code == 403
    assert len(secured.harness.calls("send")) == before  # nothing of a refused batch ran
    assert [entry["id"] for entry in _post(secured, batch, secured.admin).json] == [1, 2]


def test_a_token_for_some_accounts_may_call_only_with_one_of_them(secured):
    only_a = secured.token("rpc-only-a", accounts=[A])
    assert _post(secured, call("listGroups", account=A), only_a).status_code == 200
    for body in (call("listGroups", account=B), call("listGroups"), call("listAccounts"),
                 [call("listGroups", 1, account=A), call("listGroups", 2, account=B)]):
        response = _post(secured, body, only_a)
        assert response.status_code == 403 and "params.account" in response.json["error"], body
    assert _post(secured, call("version"), only_a).status_code == 200


def test_events_need_receive_and_keep_to_the_tokens_accounts(secured):
    send = secured.token("events-send", scopes=["send"])
    only_a = secured.token("events-only-a", accounts=[A], scopes=["receive"])
    assert secured.client.get("/api/v1/events", headers=bearer(send)).status_code == 403
    assert secured.client.get(f"/api/v1/events?account={B}", headers=bearer(only_a)).status_code == 403
    inbox = get_services(secured.harness.app).inbox
    start, count = inbox.latest_cursor(), inbox.count()
    secured.harness.send_direct(A, B, "for b")
    secured.harness.send_direct(B, A, "for a")

    def stored() -> bool:
        if not secured.harness.backend.pushes_messages:
            for number in (A, B):
                secured.client.get(f"/v1/receive/{number}?timeout=1", headers=bearer(secured.admin))
        return inbox.count() >= count + 2

    assert wait_for(stored)
    server = LiveServer(secured.harness)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", f"/api/v1/events?since={start}", headers=bearer(only_a))
        response = connection.getresponse()
        assert response.status == 200
        lines = [response.readline().decode().rstrip("\n") for _ in range(3)]
        data = json.loads(lines[1].removeprefix("data:"))
        # B's message came first; the stream of a token for A has only A's
        assert (lines[0], data["account"], data["envelope"]["dataMessage"]["message"]) == ("event:receive", A,
                                                                                          "for a")
    finally:
        connection.close()
        server.stop()
