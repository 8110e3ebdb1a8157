"""Browsers: CORS for ALLOWED_ORIGINS, and the Origin check on WebSocket upgrades and unsafe requests."""
from __future__ import annotations

import base64
import json
import os
import socket

import pytest
from simple_websocket import Client

from tests.access.conftest import A, B, bearer, tokens_of
from tests.conftest import Harness
from tests.helpers import wait_for

ALLOWED = "https://app.example"
EVIL = "https://evil.example"


@pytest.fixture
def api(tmp_path):
    harness = Harness("json-rpc", tmp_path, ALLOWED_ORIGINS=f"{ALLOWED}, http://localhost:3000").start()
    harness.register(A)
    harness.register(B)
    yield harness
    harness.stop()


def test_an_allowed_origin_gets_cors_headers_and_its_preflight_answered(api):
    preflight = api.client.open(f"/v1/groups/{A}", method="OPTIONS", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    response = api.client.get(f"/v1/groups/{A}", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]
    created = api.client.post(f"/v1/groups/{A}", json={"name": "from the app", "members": [B]},
                              headers={"Origin": "http://LOCALHOST:3000"})
    assert created.status_code == 201


def test_another_origin_gets_no_cors_and_cannot_post_even_text_plain(api):
    preflight = api.client.open(f"/v1/groups/{A}", method="OPTIONS", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403 and "ALLOWED_ORIGINS" in preflight.json["error"]
    assert "Access-Control-Allow-Origin" not in preflight.headers
    response = api.client.get(f"/v1/groups/{A}", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in response.headers  # the page cannot read it
    # A cross-site "form" needs no preflight: it is refused before anything is sent.
    body = json.dumps({"number": A, "recipients": [B], "message": "csrf"})
    for method, path in (("POST", "/v2/send"), ("PUT", f"/v1/typing-indicator/{A}"),
                         ("DELETE", f"/v1/remote-delete/{A}")):
        refused = api.client.open(path, method=method, data=body,
                                  headers={"Origin": EVIL, "Content-Type": "text/plain"})
        assert refused.status_code == 403, (method, path)
        assert EVIL in refused.json["error"]
    assert api.calls("send") == [] and api.calls("sendTyping") == [] and api.calls("remoteDelete") == []


def test_no_origin_and_the_apis_own_origin_may_post(api):
    body = {"number": A, "recipients": [B], "message": "no origin"}
    assert api.client.post("/v2/send", json=body).status_code == 201
    # The Swagger UI the service serves itself: its Origin is the service's own.
    own = api.client.post("/v2/send", json={**body, "message": "own origin"},
                          headers={"Origin": "http://localhost"}, base_url="http://localhost")
    assert own.status_code == 201
    assert [c["params"]["message"] for c in api.calls("send")] == ["no origin", "own origin"]


def test_without_allowed_origins_no_origin_gets_cors(tmp_path):
    harness = Harness("json-rpc", tmp_path)
    response = harness.client.get("/v1/about", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = harness.client.open("/v1/about", method="OPTIONS",
                                    headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 403


def upgrade_status(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Send a WebSocket upgrade request; the HTTP status of the answer and its body."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                body += conn.recv(4096)
        return status, body


def subscribers(server, number):
    return server.harness.app.extensions["signal_api"].hub.subscriber_count(number)


def test_websocket_upgrades_need_a_token_and_an_allowed_origin(make_live):
    server = make_live("json-rpc", SIGNAL_API_AUTH="token", ALLOWED_ORIGINS=ALLOWED)
    store = tokens_of(server.harness)
    admin, reader = store.create("admin"), store.create("reader", accounts=[A], scopes=["receive"])
    for number in (A, B):
        for path in (f"/v1/register/{number}", f"/v1/register/{number}/verify/123456"):
            assert server.harness.client.post(path, headers=bearer(admin)).status_code == 201
    path = f"/v1/receive/{A}"

    status, body = upgrade_status(server.port, path)
    assert status == 401 and "token" in json.loads(body)["error"]
    status, body = upgrade_status(server.port, f"{path}?token={reader}", {"Origin": EVIL})
    assert status == 403 and EVIL in json.loads(body)["error"]
    status, body = upgrade_status(server.port, f"/v1/receive/{B}?token={reader}")
    assert status == 403  # a token for A only
    assert subscribers(server, A) == 0 and subscribers(server, B) == 0  # refused before any upgrade

    for headers in ({}, {"Origin": ALLOWED}):  # a non-browser client, and the allowed page
        client = Client.connect(server.ws_url(f"{path}?token={reader}"), headers=headers)
        try:
            assert wait_for(lambda: subscribers(server, A) == 1)
            server.harness.send_direct(B, A, f"hello {len(headers)}")
            frame = json.loads(client.receive(timeout=20))
            assert frame["envelope"]["dataMessage"]["message"] == f"hello {len(headers)}"
        finally:
            client.close()
        assert wait_for(lambda: subscribers(server, A) == 0)


def test_a_bad_origin_is_refused_on_websockets_with_auth_off_too(make_live):
    server = make_live("json-rpc")
    server.harness.register(A)
    status, _ = upgrade_status(server.port, f"/v1/receive/{A}?since=0", {"Origin": EVIL})
    assert status == 403
    assert subscribers(server, A) == 0
