"""Request ids (X-Request-ID taken when sane, else made, always returned), the request line, JSON logs."""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request

import pytest
from hypothesis import given, settings, strategies as st

from signal_api.app import create_app
from tests.conftest import env_for
from tests.helpers import running_server

SANE = re.compile(r"[!-~]{1,128}")
MADE = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(env_for("normal", tmp_path_factory.mktemp("request-log")), testing=True)
    return app.test_client()


def test_a_sane_request_id_is_returned_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="signal_api.request"):
        response = client.get("/v1/health", headers={"X-Request-ID": "lb-7f3a:42"})
    assert response.headers["X-Request-ID"] == "lb-7f3a:42"
    (line,) = [r for r in caplog.records if r.name == "signal_api.request"]
    assert line.getMessage().startswith("GET /v1/health 204 ")
    assert line.getMessage().endswith(" id=lb-7f3a:42")
    assert (line.request_id, line.method, line.path, line.route, line.status) == (
        "lb-7f3a:42", "GET", "/v1/health", "/v1/health", 204)


def test_without_a_header_an_id_is_made(client):
    first = client.get("/v1/about").headers["X-Request-ID"]
    second = client.get("/v1/about").headers["X-Request-ID"]
    assert MADE.fullmatch(first) and MADE.fullmatch(second) and first != second


@pytest.mark.parametrize("hostile", ["", "with blank", "x" * 129, "caf\u00e9", "\x1b[31mred", "tab\there"])
def test_an_insane_request_id_is_replaced(client, hostile):
    response = client.get("/v1/about", headers={"X-Request-ID": hostile})
    assert MADE.fullmatch(response.headers["X-Request-ID"])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_the_returned_id_is_always_sane_and_the_clients_only_when_it_was(client, value):
    try:
        response = client.get("/v1/about", headers={"X-Request-ID": value})
    except ValueError:  # a value no HTTP client could send (werkzeug refuses newlines)
        return
    returned = response.headers["X-Request-ID"]
    assert SANE.fullmatch(returned)
    assert (returned == value) == bool(SANE.fullmatch(value))


def test_errors_and_unmatched_paths_get_a_request_line_too(client, caplog):
    with caplog.at_level(logging.INFO, logger="signal_api.request"):
        client.get("/no/such/thing")
        client.post("/v2/send", json={"number": "+4915100000001"})
    messages = [r.getMessage() for r in caplog.records if r.name == "signal_api.request"]
    assert messages[0].startswith("GET /no/such/thing 404 ")
    assert messages[1].startswith("POST /v2/send 400 ")


def _post(server, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(server.base + path, data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_json_log_format_writes_one_object_per_line_with_the_request_fields(tmp_path):
    with running_server("normal", tmp_path, LOG_FORMAT="json") as server:
        assert _post(server, "/v1/register/+4915100000001", {"X-Request-ID": "req-one"}) == 201
        assert _post(server, "/v1/register/+4915100000001/verify/000-000", {"X-Request-ID": "req-two"}) == 400
        with urllib.request.urlopen(server.base + "/v1/health", timeout=10) as response:
            assert response.headers["X-Request-ID"]
    output = server.output()
    records = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line parses
    assert {"time", "level", "logger", "message"} <= set(records[0])
    lines = [r for r in records if r["logger"] == "signal_api.request"]
    first = next(r for r in lines if r["request_id"] == "req-one")
    assert (first["method"], first["path"], first["route"], first["status"]) == (
        "POST", "/v1/register/+4915100000001", "/v1/register/<number>", 201)
    assert isinstance(first["duration_ms"], float)
    # A record logged while a request is handled carries that request's id.
    failure = next(r for r in records if r["logger"] == "signal_api.errors.http")
    assert failure["request_id"] == "req-two" and "/verify/***" in failure["message"]
    assert any(r["logger"] == "gunicorn.error" for r in records)  # gunicorn's own lines too


@pytest.mark.parametrize("setting, logged", [(None, False), ("0", False), ("1", True)])
def test_the_access_log_is_off_unless_asked_for(tmp_path, setting, logged):
    extra = {} if setting is None else {"ACCESS_LOG": setting}
    with running_server("normal", tmp_path, **extra) as server:
        urllib.request.urlopen(server.base + "/v1/about", timeout=10).read()
    output = server.output()
    assert ('"GET /v1/about HTTP/1.1" 200' in output) == logged
    assert "GET /v1/about 200 " in output  # the service's own request line is always there
