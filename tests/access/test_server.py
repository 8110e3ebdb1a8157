"""Auth in the production server (gunicorn + gevent): revocation at once, tokens never logged, loopback by default."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from simple_websocket import Client

from benchmarks.support import free_port
from tests.access.conftest import A, B
from tests.access.test_origins import EVIL, upgrade_status
from tests.conftest import VERIFICATION_CODE, env_for
from tests.helpers import ServerProcess, running_server, wait_for

SECRET_TEXT = "the message text"


def tokens_cli(server: ServerProcess, *args: str) -> str:
    """``signal-api tokens ...`` as the operator runs it, beside the running server."""
    proc = subprocess.run([sys.executable, "-m", "signal_api.cli", "tokens", *args], env=server.env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()[-1]


def http(server: ServerProcess, method: str, path: str, body=None, headers=None) -> tuple[int, object, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None, dict(exc.headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def server(tmp_path):
    with running_server("json-rpc", tmp_path, SIGNAL_API_AUTH="token", LOG_LEVEL="debug",
                        ACCESS_LOG="1") as process:
        admin = tokens_cli(process, "create", "admin")
        for number in (A, B):
            for path in (f"/v1/register/{number}", f"/v1/register/{number}/verify/{VERIFICATION_CODE}"):
                assert http(process, "POST", path, headers=bearer(admin))[0] == 201
        process.admin = admin
        yield process


def test_a_revoked_token_is_refused_by_the_running_server_at_once(server):
    token = tokens_cli(server, "create", "bot", "--account", A)
    assert http(server, "GET", f"/v1/groups/{A}", headers=bearer(token))[0] == 200
    tokens_cli(server, "revoke", "bot")
    status, body, headers = http(server, "GET", f"/v1/groups/{A}", headers=bearer(token))
    assert status == 401 and "WWW-Authenticate" in headers and body["error"]
    assert http(server, "GET", f"/v1/groups/{A}", headers=bearer(server.admin))[0] == 200


def test_no_token_reaches_the_logs_access_log_included(server):
    token = tokens_cli(server, "create", "bot")
    basic = "Basic " + base64.b64encode(f"{token}:{token}".encode()).decode()  # a token as user name too
    assert http(server, "GET", f"/v1/groups/{A}?token={token}")[0] == 200
    assert http(server, "GET", f"/v1/groups/{A}?since=0&%74oken={token}")[0] == 200
    assert http(server, "GET", f"/v1/groups/{A}", headers={"Authorization": basic})[0] == 200
    assert http(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": SECRET_TEXT},
                headers={**bearer(token), "Referer": f"http://elsewhere/page?token={token}"})[0] == 201
    assert http(server, "GET", f"/v1/groups/{A}?token={token}x")[0] == 401  # a wrong one is masked too
    client = Client.connect(server.ws_url(f"/v1/receive/{B}?token={token}"))
    client.close()
    assert wait_for(lambda: server.output().count(" /v1/groups/") >= 4)
    assert wait_for(lambda: "/v1/receive/" in server.output())
    output = server.stop()
    secret = token.split("_", 2)[2]  # the secret itself may contain "_"
    assert token not in output and secret not in output
    # The access log has the lines, masked (query, encoded name, Basic user name, Referer).
    assert output.count("token=[redacted]") >= 3 and "%74oken=[redacted]" in output
    assert '- [redacted] [' in output and '"http://elsewhere/page?token=[redacted]"' in output


def test_websocket_no_token_is_refused_before_the_upgrade_and_a_query_token_works(server):
    path = f"/v1/receive/{B}"
    status, body = upgrade_status(server.port, path)
    assert status == 401 and json.loads(body)["error"]
    reader = tokens_cli(server, "create", "reader", "--account", B, "--scope", "receive")
    status, _ = upgrade_status(server.port, f"{path}?token={reader}", {"Origin": EVIL})
    assert status == 403
    client = Client.connect(server.ws_url(f"{path}?token={reader}"))
    try:
        status, _, _ = http(server, "POST", "/v2/send", {"number": A, "recipients": [B], "message": "live"},
                            headers=bearer(server.admin))
        assert status == 201
        frame = json.loads(client.receive(timeout=20))
        assert frame["envelope"]["dataMessage"]["message"] == "live"
    finally:
        client.close()


@pytest.mark.parametrize(("host", "expected"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0")])
def test_serve_listens_on_loopback_unless_host_says_otherwise(tmp_path, host, expected):
    port = free_port()
    env = {**os.environ, **env_for("json-rpc", tmp_path), "PORT": str(port)}
    env.pop("HOST", None)
    if host:
        env["HOST"] = host
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "signal_api.cli", "serve"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            assert wait_for(lambda: "Listening at:" in log_path.read_text(errors="replace"), timeout=30)
            assert f"Listening at: http://{expected}:{port} " in log_path.read_text(errors="replace")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_the_docker_image_listens_on_every_interface():
    dockerfile = (Path(__file__).resolve().parents[2] / "docker" / "Dockerfile").read_text()
    assert "HOST=0.0.0.0" in dockerfile
