"""The original's request binding (Go's encoding/json through Gin), route by route, in normal and json-rpc mode.

Every expectation here is what the original binary (bbernhard/signal-cli-rest-api a08db23, on the
simulator, one request at a time) answered to the same request; where signal-api adds detail to the
original's text, the test checks that the answer starts with the original's text.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import Harness
from tests.helpers import malformed_account_error

A, B, C = "+4915100000001", "+4915100000002", "+4915100000003"
NEWCOMER = "+4915100000004"
INVALID = "Couldn't process request - invalid request"


@pytest.fixture(scope="module", params=["normal", "json-rpc"])
def svc(request, tmp_path_factory):
    harness = Harness(request.param, tmp_path_factory.mktemp(f"binding-{request.param}")).start()
    for number in (A, B, C):
        harness.register(number)
    yield harness
    harness.stop()


def raw(svc: Harness, method: str, path: str, body: str | bytes | None):
    """Send ``body`` as it is (no JSON encoding by the client)."""
    return getattr(svc.client, method)(path, data=body, content_type="application/json")


def error(response) -> str:
    return response.json["error"]


def count(svc: Harness, command: str) -> int:
    return len(svc.calls(command))


# ---------------------------------------------------------------- JSON types


def test_a_string_for_a_boolean_is_an_invalid_request_and_nothing_happens(svc):
    before = count(svc, "unregister")
    response = svc.client.post(f"/v1/unregister/{C}", json={"delete_account": "yes"})
    assert response.status_code == 400
    assert error(response) == f"{INVALID}. (delete_account: expected true or false)"
    assert count(svc, "unregister") == before
    assert C in svc.client.get("/v1/accounts").json

    before = count(svc, "updateAccount")
    for value in ("no", 0, "false"):
        response = svc.client.put(f"/v1/accounts/{A}/settings", json={"discoverable_by_number": value})
        assert response.status_code == 400
        assert error(response) == f"{INVALID}: discoverable_by_number: expected true or false"
    assert count(svc, "updateAccount") == before

    before = count(svc, "register")
    response = svc.client.post(f"/v1/register/{NEWCOMER}", json={"use_voice": "yes"})
    assert (response.status_code, error(response)) == (400, f"{INVALID}. (use_voice: expected true or false)")
    assert count(svc, "register") == before


@pytest.mark.parametrize("value, accepted", [
    ("9223372036854775807", True),    # int64's largest
    ("9223372036854775808", False),   # one more
    ("1" + "0" * 5000, False),        # Python cannot even convert it by default
    ("1.0", False), ("1e3", False), ('"5"', False), ("true", False), ("[1]", False),
])
def test_a_timestamp_is_a_json_integer_within_int64(svc, value, accepted):
    body = (f'{{"number": "{A}", "recipients": ["{B}"], "message": "q", "quote_author": "{B}", '
            f'"quote_timestamp": {value}}}')
    response = raw(svc, "post", "/v2/send", body)
    if accepted:
        assert response.status_code == 201, response.json
        assert svc.last_call("send")["params"]["quoteTimestamp"] == int(value)
    else:
        assert response.status_code == 400
        assert error(response).startswith(f"{INVALID}: quote_timestamp: expected an integer")


def test_poll_answers_are_go_int32(svc):
    body = {"recipient": B, "poll_author": B, "poll_timestamp": "12", "selected_answers": [2**31]}
    response = svc.client.post(f"/v1/polls/{A}/vote", json=body)
    assert (response.status_code, error(response)) == (
        400, f"{INVALID}: selected_answers.0: expected an integer of at most 32 bits")
    assert svc.calls("sendPollVote") == []


def test_a_string_field_takes_only_a_string(svc):
    for value in (5, True, ["x"], {"x": 1}):
        response = svc.client.post("/v2/send", json={"number": A, "recipients": [B], "message": value})
        assert (response.status_code, error(response)) == (400, f"{INVALID}: message: expected a JSON string")
    response = svc.client.post(f"/v1/polls/{A}", json={"recipient": B, "question": "q", "answers": ["a", "b"],
                                                        "allow_multiple_selections": "no"})
    assert (response.status_code, error(response)) == (
        400, f"{INVALID}: allow_multiple_selections: expected true or false")


# ---------------------------------------------------------------- reading the body


@pytest.mark.parametrize("method, path", [
    ("post", "/v1/groups/{A}"),
    ("delete", "/v1/groups/{A}/{G}/members"),
    ("post", "/v1/groups/{A}/{G}/admins"),
    ("put", "/v1/accounts/{A}/settings"),
    ("post", "/v1/configuration"),
    ("post", "/v2/send"),
])
@pytest.mark.parametrize("body", ["", "  \n"])
def test_an_empty_body_is_an_invalid_request(svc, method, path, body):
    group = _group(svc)
    calls = len(svc.calls())
    response = raw(svc, method, path.format(A=A, G=group), body)
    assert (response.status_code, error(response)) == (400, f"{INVALID}: the body is empty")
    assert len(svc.calls()) == calls


@pytest.mark.parametrize("body", ["[]", '"x"', "1", "true"])
def test_a_body_that_is_no_object_is_an_invalid_request(svc, body):
    response = raw(svc, "post", f"/v1/groups/{A}", body)
    assert (response.status_code, error(response)) == (400, f"{INVALID}: the body must be a JSON object")


def test_a_null_body_is_an_empty_one(svc):
    response = raw(svc, "post", f"/v1/groups/{A}", "null")
    assert response.status_code == 201
    response = raw(svc, "post", f"/v1/reactions/{A}", "null")
    assert (response.status_code, error(response)) == (400, "Couldn't process request - recipient missing")


def test_only_the_first_json_value_is_read(svc):
    response = raw(svc, "put", f"/v1/accounts/{A}/settings", '{"discoverable_by_number": false}}} trailing')
    assert response.status_code == 201
    assert svc.last_call("updateAccount")["params"]["discoverableByNumber"] is False


def test_not_a_json_value_is_an_invalid_request(svc):
    for body in ('{"discoverable_by_number": NaN}', '{"x": Infinity}', "{", "\ufeff{}"):
        response = raw(svc, "put", f"/v1/accounts/{A}/settings", body.encode())
        assert response.status_code == 400
        assert error(response).startswith(f"{INVALID}: the body is not valid JSON")


def test_register_verify_and_unregister_take_no_body_as_no_options(svc):
    for body in (" ", "{} x", "[]"):
        response = raw(svc, "post", f"/v1/register/{NEWCOMER}", body)
        assert response.status_code == 400
        assert error(response).startswith(f"{INVALID}. (")
    assert svc.client.post(f"/v1/register/{NEWCOMER}").status_code == 201
    response = raw(svc, "post", f"/v1/register/{NEWCOMER}/verify/123456", "  ")
    assert (response.status_code, error(response)) == (400, f"{INVALID}. (the body is empty)")
    assert svc.client.post(f"/v1/register/{NEWCOMER}/verify/123456", data=b"").status_code == 201
    assert NEWCOMER in svc.client.get("/v1/accounts").json
    response = svc.client.post(f"/v1/unregister/{NEWCOMER}")
    assert response.status_code == 204
    assert svc.last_call("unregister")["account"] == NEWCOMER


def test_local_data_reads_a_body_only_when_one_is_announced(svc):
    before = count(svc, "deleteLocalAccountData")
    response = svc.client.delete(f"/v1/devices/{B}/local-data", json={"ignore_registered": "x"})
    assert (response.status_code, error(response)) == (400, f"{INVALID}: ignore_registered: expected true or false")
    assert count(svc, "deleteLocalAccountData") == before
    response = svc.client.delete(f"/v1/devices/{B}/local-data")  # no body: no options (B is registered)
    assert response.status_code == 400
    assert svc.last_call("deleteLocalAccountData")["params"] == {}
    assert count(svc, "deleteLocalAccountData") == before + 1


# ---------------------------------------------------------------- keys and nulls


def test_keys_match_case_insensitively_and_the_last_one_wins(svc):
    body = '{"discoverable_by_number": true, "Discoverable_By_Number": false}'
    assert raw(svc, "put", f"/v1/accounts/{A}/settings", body).status_code == 201
    assert svc.last_call("updateAccount")["params"]["discoverableByNumber"] is False
    body = '{"DISCOVERABLE_BY_NUMBER": false, "discoverable_by_number": true, "share_number": null}'
    assert raw(svc, "put", f"/v1/accounts/{A}/settings", body).status_code == 201
    assert svc.last_call("updateAccount")["params"] == {"discoverableByNumber": True}


def test_a_null_list_item_is_the_items_zero_value(svc):
    """``[null]`` mentions are one mention ``0:0:`` for signal-cli to refuse, as from the original."""
    response = svc.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "x", "mentions": [None]})
    assert response.status_code == 400
    assert svc.last_call("send")["params"]["mention"] == ["0:0:"]


def test_an_unknown_key_in_a_nested_object_is_ignored(svc):
    body = {"logging": {"Level": "", "colour": "blue"}}
    assert svc.client.post("/v1/configuration", json=body).status_code == 204


# ---------------------------------------------------------------- missing fields, in the original's order


@pytest.mark.parametrize("method, path, body, text", [
    ("post", "/vote", {}, "poll_timestamp missing"),
    ("post", "/vote", {"poll_timestamp": "abc"}, "poll_author missing"),
    ("post", "/vote", {"poll_timestamp": "abc", "poll_author": B}, "selected_answers missing"),
    ("post", "/vote", {"poll_timestamp": "abc", "poll_author": B, "selected_answers": [0]}, "recipient missing"),
    ("post", "/vote", {"poll_timestamp": "abc", "poll_author": B, "selected_answers": [0], "recipient": B},
     "invalid timestamp"),
    ("post", "/vote", {"poll_timestamp": "", "poll_author": B, "selected_answers": [1]}, "poll_timestamp missing"),
    ("post", "/vote", {"poll_timestamp": " 5", "poll_author": B, "selected_answers": [1], "recipient": B},
     "invalid timestamp"),
    ("post", "/vote", {"poll_timestamp": "99999999999999999999", "poll_author": B, "selected_answers": [1],
                       "recipient": B}, "invalid timestamp"),
    ("delete", "", {}, "poll_timestamp missing"),
    ("delete", "", {"poll_timestamp": "abc"}, "recipient missing"),
    ("delete", "", {"poll_timestamp": "abc", "recipient": B}, "invalid timestamp"),
])
def test_poll_checks_come_in_the_originals_order(svc, method, path, body, text):
    response = getattr(svc.client, method)(f"/v1/polls/{A}{path}", json=body)
    assert (response.status_code, error(response)) == (400, f"Couldn't process request - {text}")


def test_a_vote_with_a_zero_answer_is_refused_after_the_timestamp(svc):
    body = {"poll_timestamp": "12", "poll_author": B, "selected_answers": [0], "recipient": B}
    response = svc.client.post(f"/v1/polls/{A}/vote", json=body)
    assert (response.status_code, error(response)) == (
        400, "Invalid index in selected_answers specified, index needs to be >= 1!")


def test_poll_timestamps_take_gos_integer_syntax(svc):
    body = {"poll_timestamp": "+12", "poll_author": B, "selected_answers": [1], "recipient": B}
    assert svc.client.post(f"/v1/polls/{A}/vote", json=body).status_code == 204
    assert svc.last_call("sendPollVote")["params"]["pollTimestamp"] == 12


def test_remote_delete_without_a_timestamp_reaches_signal_cli_as_0(svc):
    response = svc.client.delete(f"/v1/remote-delete/{A}", json={"recipient": B})
    assert response.status_code == 201, response.json
    assert svc.last_call("remoteDelete")["params"]["targetTimestamp"] == 0


def test_receipt_checks_come_in_the_originals_order(svc):
    response = svc.client.post(f"/v1/receipts/{A}", json={"timestamp": 5, "receipt_type": "x"})
    assert error(response) == "Couldn't process request - recipient missing"
    response = svc.client.post(f"/v1/receipts/{A}", json={"recipient": B, "timestamp": 5})
    assert error(response) == "Couldn't process request - receipt type must be read or viewed"
    response = svc.client.post(f"/v1/receipts/{A}", json={"recipient": B, "receipt_type": "read"})
    assert error(response) == "Couldn't process request - timestamp missing"


def test_v1_send_checks_recipients_only_and_leaves_the_number_to_the_account_check(svc):
    before = count(svc, "send")
    response = svc.client.post("/v1/send", json={"number": A, "message": "x"})
    assert (response.status_code, error(response)) == (400, "Please specify at least one recipient")
    response = svc.client.post("/v1/send", json={"recipients": [B], "message": "x"})
    assert (response.status_code, error(response)) == (400, f"{malformed_account_error(svc.mode)} (field: number)")
    assert count(svc, "send") == before


def _group(svc: Harness) -> str:
    groups = svc.client.get(f"/v1/groups/{A}").json
    if groups:
        return groups[0]["id"]
    response = svc.client.post(f"/v1/groups/{A}", json={"name": "binding", "members": [B]})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_json_served_as_text_plain_is_read_too(svc):
    response = svc.client.put(f"/v1/accounts/{A}/settings", data=json.dumps({"share_number": True}),
                              content_type="text/plain")
    assert response.status_code == 201
    assert svc.last_call("updateAccount")["params"] == {"numberSharing": True}
