"""docker/nginx.conf in front of gunicorn on the simulator: send, receive by GET and WebSocket, 5 MB uploads.

The site is the example file itself with only its TLS part swapped for plain HTTP on a free
port (and the upstream pointed at the test's server), so what users copy is what is tested.
Debian's nginx is installed with apt-get when missing.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import pwd
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from benchmarks.support import free_port
from signal_api.config import Config
from tests.deploy.debian import ensure_commands, which
from tests.helpers import ServerProcess, running_server

EXAMPLE = Path(__file__).resolve().parents[2] / "docker" / "nginx.conf"
A, B = "+4915100000001", "+4915100000002"
ATTACHMENT_BYTES = 5 * 1024 * 1024


def site_for_test(example: str, listen_port: int, upstream_port: int) -> str:
    """The example site with plain HTTP on ``listen_port`` and the upstream on ``upstream_port``.

    Each edit must match exactly once, so a change to the example's shape fails here instead of
    silently testing something else.
    """
    edits = [
        (r"\n\s*listen \[::\]:443 ssl;", ""),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{listen_port};"),
        (r"\n\s*ssl_certificate .*;", ""),
        (r"\n\s*ssl_certificate_key .*;", ""),
        (r"\n\s*ssl_protocols .*;", ""),
        (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{upstream_port};"),
        # The port-80 redirect: the test listens on its own port only.
        (r"\n# Plain HTTP only redirects to HTTPS\.\nserver \{[^}]*\}\n", "\n"),
    ]
    for pattern, replacement in edits:
        example, count = re.subn(pattern, lambda _, text=replacement: text, example)
        assert count == 1, f"docker/nginx.conf: expected one match of {pattern!r}, found {count}"
    # (Not a plain "443" search: the free port may contain those digits.)
    assert not re.search(r"\bssl|listen [^;]*\b443\b", example), example
    return example


def main_config(root: Path, site: Path) -> str:
    temp = {name: root / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    # Workers run as this user (nginx would pick nobody when started as root), so that they can
    # write the temp folders in the test's tmp dir.
    return (
        f"user {pwd.getpwuid(os.getuid()).pw_name};\n"
        f"pid {root}/nginx.pid;\n"
        f"error_log {root}/error.log info;\n"
        "worker_processes 1;\n"
        "daemon off;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"    access_log {root}/access.log;\n"
        f"    client_body_temp_path {temp['body']};\n"
        f"    proxy_temp_path {temp['proxy']};\n"
        f"    fastcgi_temp_path {temp['fastcgi']};\n"
        f"    uwsgi_temp_path {temp['uwsgi']};\n"
        f"    scgi_temp_path {temp['scgi']};\n"
        f"    include {site};\n"
        "}\n"
    )


@pytest.fixture(scope="module")
def nginx() -> str:
    ensure_commands({"nginx": "nginx"}, purpose="the nginx test")
    return which("nginx")


@pytest.fixture(params=["normal", "json-rpc"])
def proxied(request: pytest.FixtureRequest, nginx: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    """(gunicorn on the simulator, nginx's base URL in front of it)."""
    (tmp_path / "service").mkdir()
    with running_server(request.param, tmp_path / "service") as server:
        root = tmp_path / "nginx"
        root.mkdir()
        port = free_port()
        site = root / "signal-api.conf"
        site.write_text(site_for_test(EXAMPLE.read_text(), port, server.port))
        conf = root / "nginx.conf"
        conf.write_text(main_config(root, site))
        argv = [nginx, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(base, process, root / "error.log")
            yield server, base
        finally:
            process.terminate()  # nginx: SIGTERM is a fast shutdown of master and workers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_send_receive_and_upload_through_nginx(proxied: tuple[ServerProcess, str]) -> None:
    server, base = proxied
    for number in (A, B):
        assert _call("POST", f"{base}/v1/register/{number}")[0] == 201
        assert _call("POST", f"{base}/v1/register/{number}/verify/123456")[0] == 201

    status, body = _call("POST", f"{base}/v2/send", {"number": A, "recipients": [B], "message": "via nginx"})
    assert status == 201, body
    status, received = _call("GET", f"{base}/v1/receive/{B}?timeout=5")
    assert status == 200, received
    assert [m["envelope"]["dataMessage"]["message"] for m in received] == ["via nginx"]

    with connect(f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/v1/receive/{B}", open_timeout=30) as socket:
        status, body = _call("POST", f"{base}/v2/send", {"number": A, "recipients": [B], "message": "live"})
        assert status == 201, body
        frame = json.loads(socket.recv(timeout=60))
    assert frame["account"] == B
    assert frame["envelope"]["dataMessage"]["message"] == "live"

    blob = os.urandom(ATTACHMENT_BYTES)
    attachment = "data:application/octet-stream;filename=blob.bin;base64," + base64.b64encode(blob).decode()
    status, body = _call("POST", f"{base}/v2/send", {"number": A, "recipients": [B], "message": "5 MB",
                                                      "base64_attachments": [attachment]})
    assert status == 201, body
    status, received = _call("GET", f"{base}/v1/receive/{B}?timeout=5")
    assert status == 200, received
    attachments = [a for m in received for a in m["envelope"].get("dataMessage", {}).get("attachments", [])]
    assert [a["size"] for a in attachments] == [ATTACHMENT_BYTES], received
    with urllib.request.urlopen(f"{base}/v1/attachments/{attachments[0]['id']}", timeout=60) as response:
        assert response.read() == blob


def test_body_limit_matches_the_service(proxied: tuple[ServerProcess, str]) -> None:
    server, base = proxied
    limit = re.search(r"client_max_body_size (\d+)m;", EXAMPLE.read_text())
    assert limit is not None and int(limit.group(1)) * 1024 * 1024 == Config().max_body_bytes
    # nginx and the service itself refuse one byte more, with the same JSON error.
    by_nginx, by_service = (_declared_body(url, Config().max_body_bytes + 1) for url in (base, server.base))
    assert by_service[0] == 413 and "error" in json.loads(by_service[1])
    assert (by_nginx[0], json.loads(by_nginx[1])) == (413, json.loads(by_service[1]))


def _declared_body(base: str, length: int) -> tuple[int, bytes]:
    """(status, body) of a POST /v2/send that declares ``length`` bytes of body and sends none."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", "/v2/send")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _call(method: str, url: str, body: object | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    return status, (json.loads(raw) if raw.strip() else None)


def _wait_until_serving(base: str, process: subprocess.Popen, error_log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/v1/health", timeout=5)
            return
        except OSError:
            assert process.poll() is None, error_log.read_text() if error_log.exists() else "nginx exited"
            assert time.monotonic() < deadline, "nginx did not serve within 30 s"
            time.sleep(0.1)
