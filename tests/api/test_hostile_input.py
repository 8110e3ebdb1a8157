"""Inputs that used to answer 500 (issue 8): each is a clean 4xx naming the field, or accepted.

Lone surrogates, JSON nested past Python's recursion limit, integers with thousands of digits,
numbers beyond signal-cli's or SQLite's range, chunked bodies over the size limit; and one log
record per 500 that remains possible.
"""
from __future__ import annotations

import http.client
import json
import logging

import pytest

from signal_api.extensions import MAX_JSON_DEPTH
from tests.conftest import Harness, LiveServer

A, B = "+4915100000001", "+4915100000002"
INVALID = "Couldn't process request - invalid request"


@pytest.fixture(scope="module", params=["normal", "json-rpc"])
def svc(request, tmp_path_factory):
    harness = Harness(request.param, tmp_path_factory.mktemp(f"hostile-{request.param}")).start()
    harness.app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)  # a bug is a 500, as in production
    for number in (A, B):
        harness.register(number)
    yield harness
    harness.stop()


def post_raw(svc: Harness, path: str, body: str | bytes):
    return svc.client.post(path, data=body, content_type="application/json")


def send_body(**fields: object) -> dict:
    return {"number": A, "recipients": [B], "message": "x", **fields}


def test_a_lone_surrogate_reaches_signal_cli_as_the_replacement_character(svc):
    """Go's encoding/json turns lone surrogates into U+FFFD; so does signal-api (a message cut in
    the middle of an emoji is still sent)."""
    body = json.dumps(send_body(message="cut \ud83d"))  # json.dumps escapes it: "cut \\ud83d"
    assert "\\ud83d" in body
    response = post_raw(svc, "/v2/send", body)
    assert response.status_code == 201, response.json
    assert svc.last_call("send")["params"]["message"] == "cut \ufffd"
    body = json.dumps(send_body(message="pair \ud83d\ude00 kept"))
    assert post_raw(svc, "/v2/send", body).status_code == 201
    assert svc.last_call("send")["params"]["message"] == "pair \U0001f600 kept"


@pytest.mark.parametrize("field, value", [
    ("number", "\ud800"), ("recipients", ["\udfff"]), ("quote_author", "\ud800"), ("sticker", "a:\ud800"),
    ("text_mode", "\ud800"), ("link_preview", {"url": "https://x\ud800", "title": "t"}),
    ("mentions", [{"start": 0, "length": 1, "author": "\ud800"}]), ("\ud800", "unknown key"),
])
def test_a_lone_surrogate_in_any_send_field_is_no_500(svc, field, value):
    response = post_raw(svc, "/v2/send", json.dumps(send_body(**{field: value})))
    assert response.status_code in (201, 400), response.json
    if response.status_code == 400:
        assert set(response.json) == {"error"}


def test_invalid_utf8_becomes_the_replacement_character(svc):
    body = json.dumps(send_body(message="MARK")).encode().replace(b"MARK", b"bad \xff\xfe byte")
    response = post_raw(svc, "/v2/send", body)
    assert response.status_code == 201, response.json
    assert svc.last_call("send")["params"]["message"] == "bad \ufffd\ufffd byte"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1100, 100_000])
def test_a_body_nested_too_deep_is_a_400(svc, depth):
    for opening, closing in (("[", "]"), ('{"a":', "}")):
        body = '{"number": "%s", "x": %s1%s}' % (A, opening * (depth - 1), closing * (depth - 1))
        response = post_raw(svc, "/v2/send", body)
        assert (response.status_code, response.json) == (
            400, {"error": f"{INVALID}: the body is nested deeper than {MAX_JSON_DEPTH} levels"})


def test_a_body_nested_just_deep_enough_is_read(svc):
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = '{"number": "%s", "recipients": ["%s"], "message": "deep", "x": %s}' % (A, B, nested)
    assert post_raw(svc, "/v2/send", body).status_code == 201


def test_a_5000_digit_integer_is_a_400_naming_the_field(svc):
    digits = "9" * 5000
    body = '{"number": "%s", "recipients": ["%s"], "message": "x", "edit_timestamp": %s}' % (A, B, digits)
    response = post_raw(svc, "/v2/send", body)
    assert (response.status_code, response.json) == (
        400, {"error": f"{INVALID}: edit_timestamp: expected an integer of at most 64 bits"})
    # In a field the original ignores, it is ignored.
    body = '{"number": "%s", "recipients": ["%s"], "message": "x", "unknown": -%s}' % (A, B, digits)
    assert post_raw(svc, "/v2/send", body).status_code == 201


@pytest.mark.parametrize("query, message", [
    ("timeout=99999999999999999999", "Couldn't process request - timeout needs to be numeric!"),
    ("timeout=2147483648", "Couldn't process request - timeout needs to be numeric!"),  # Go's int32
    ("timeout=1e3", "Couldn't process request - timeout needs to be numeric!"),
    ("timeout=%201", "Couldn't process request - timeout needs to be numeric!"),
    ("timeout=%D9%A1", "Couldn't process request - timeout needs to be numeric!"),  # Arabic-Indic 1
    ("timeout=-1", "Couldn't process request - timeout must be between 0 and 3600"),
    ("timeout=3601", "Couldn't process request - timeout must be between 0 and 3600"),
    ("max_messages=" + "9" * 5000, "Couldn't process request - max_messages needs to be numeric!"),
])
def test_receive_timeouts_are_bounded(svc, query, message):
    response = svc.client.get(f"/v1/receive/{A}?{query}")
    assert (response.status_code, response.json) == (400, {"error": message})


@pytest.mark.parametrize("query, message", [
    ("after=99999999999999999999999", "Couldn't process request - after needs to be numeric!"),
    ("after=9223372036854775808", "Couldn't process request - after needs to be numeric!"),
    ("after=-1", "Couldn't process request - after must be between 0 and 9223372036854775807"),
    ("limit=0", "Couldn't process request - limit must be between 1 and 1000"),
])
def test_history_cursors_are_within_sqlites_integer(svc, query, message):
    response = svc.client.get(f"/v1/messages/{A}?{query}")
    assert (response.status_code, response.json) == (400, {"error": message})


def test_the_largest_cursor_is_an_empty_page(svc):
    response = svc.client.get(f"/v1/messages/{A}?after=9223372036854775807")
    assert (response.status_code, response.json) == (200, [])


def test_a_receive_without_waiting_is_accepted(svc):
    response = svc.client.get(f"/v1/receive/{A}?timeout=0")
    assert response.status_code == 200


def test_an_unhandled_error_is_one_500_and_one_log_record(svc, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(svc.backend, "call", broken)
    with caplog.at_level(logging.ERROR):
        response = svc.client.get(f"/v1/contacts/{A}")
    assert response.status_code == 500
    assert "a bug" not in response.get_data(as_text=True)
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is not None and "a bug" in str(records[0].exc_info[1])


# ---------------------------------------------------------------- chunked bodies (a real HTTP server)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    harness = Harness("normal", tmp_path_factory.mktemp("chunked"), SIGNAL_API_MAX_BODY_BYTES="4096").start()
    harness.register(A)
    harness.register(B)
    server = LiveServer(harness)
    yield server
    server.stop()
    harness.stop()


def post_chunked(port: int, path: str, payload: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("POST", path)
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Content-Type", "application/json")
    connection.endheaders()
    for start in range(0, len(payload), 1000):
        part = payload[start:start + 1000]
        connection.send(b"%x\r\n%s\r\n" % (len(part), part))
    connection.send(b"0\r\n\r\n")
    response = connection.getresponse()
    status, body = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return status, body


def test_a_chunked_body_over_the_limit_is_a_413(live):
    payload = json.dumps(send_body(message="x" * 10_000)).encode()
    status, body = post_chunked(live.port, "/v2/send", payload)
    assert status == 413
    assert set(body) == {"error"}
    assert live.harness.calls("send") == []


def test_a_chunked_body_of_exactly_the_limit_is_read(live):
    payload = json.dumps(send_body(message="")).encode()
    payload = payload.replace(b'"message": ""', b'"message": "' + b"y" * (4096 - len(payload)) + b'"')
    assert len(payload) == 4096
    status, body = post_chunked(live.port, "/v2/send", payload)
    assert status == 201, body
    assert live.harness.last_call("send")["params"]["message"] == "y" * (4096 - len(json.dumps(send_body(message=""))))
