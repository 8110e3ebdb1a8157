"""POST /api/v1/rpc and GET /api/v1/check in every mode: calls reach signal-cli through the backend."""
from __future__ import annotations

import json

from tests.signalcli_http.conftest import A, B, call, rpc


def test_a_call_answers_signal_clis_compact_response(world):
    response = rpc(world, call("version", 7))
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.data == b'{"jsonrpc":"2.0","result":{"version":"0.13.19"},"id":7}'


def test_list_accounts_names_the_registered_accounts(world):
    result = rpc(world, call("listAccounts")).json["result"]
    assert sorted(entry["number"] for entry in result) == [A, B]


def test_send_goes_to_signal_cli_for_the_named_account(world):
    response = rpc(world, call("send", 3, account=A, recipient=[B], message="over rpc"))
    body = response.json
    assert list(body) == ["jsonrpc", "result", "id"] and body["id"] == 3
    assert isinstance(body["result"]["timestamp"], int)
    sent = world.last_call("send")
    assert sent["account"] == A and "over rpc" in json.dumps(sent)


def test_a_batch_answers_every_request_in_order(world):
    response = rpc(world, [call("version", 1), call("listGroups", 2, account=B), call("bogus", 3),
                           {"jsonrpc": "2.0", "method": "version"}])
    assert response.status_code == 200
    assert [entry["id"] for entry in response.json] == [1, 2, 3]
    assert response.json[1]["result"] == []
    assert response.json[2]["error"] == {"code": -32601, "message": "Method not implemented", "data": None}


def test_a_notification_runs_and_answers_201_empty(world):
    before = len(world.calls("updateProfile"))
    response = rpc(world, {"jsonrpc": "2.0", "method": "updateProfile", "params": {"account": A, "givenName": "N"}})
    assert (response.status_code, response.data) == (201, b"")
    assert len(world.calls("updateProfile")) == before + 1


def test_without_account_and_two_registered_the_call_is_refused(world):
    error = rpc(world, call("listGroups")).json["error"]
    assert error == {"code": -32602, "message": "Method requires valid account parameter", "data": None}


def test_an_account_that_is_not_registered_is_refused(world):
    error = rpc(world, call("listGroups", account="+4915100000099")).json["error"]
    assert error == {"code": -32602, "message": "Specified account does not exist", "data": None}


def test_a_user_error_of_signal_cli_keeps_its_code_and_text(world):
    error = rpc(world, call("quitGroup", account=A, groupId="bm90IGEgZ3JvdXA=")).json["error"]
    assert error["code"] == -1 and error["message"], error


def test_receive_and_subscriptions_are_not_served(world):
    assert rpc(world, call("receive", account=A)).json["error"] == {
        "code": -1, "message": "Receive command cannot be used if messages are already being received.",
        "data": None}
    for method in ("subscribeReceive", "unsubscribeReceive", "link", "daemon", "jsonRpc"):
        assert rpc(world, call(method)).json["error"]["code"] == -32601, method


def test_start_link_answers_a_uri_or_a_clean_error(world):
    reply = rpc(world, call("startLink")).json
    if world.backend.transport == "cli":  # a process per call cannot hold a link open
        assert reply["error"] == {"code": -32601, "message": "Method not implemented", "data": None}
    else:
        assert reply["result"]["deviceLinkUri"].startswith("sgnl://linkdevice")


def test_a_value_no_command_line_can_carry_is_a_json_rpc_error(world):
    response = rpc(world, call("listContacts", account=A, recipient=["bad\u0000value"]))
    assert response.status_code == 200
    assert response.json["error"]["code"] in (-32602, -1), response.json


def test_statuses_for_other_methods_and_content_types(world):
    assert world.client.get("/api/v1/rpc").status_code == 405
    response = world.client.post("/api/v1/rpc", data=json.dumps(call("version")), content_type="text/plain")
    assert (response.status_code, response.data) == (415, b"")
    assert rpc(world, "not json").json["error"]["code"] == -32700


def test_check_is_200_empty(world):
    response = world.client.get("/api/v1/check")
    assert (response.status_code, response.data) == (200, b"")


def test_a_path_of_the_server_is_never_read_for_a_caller(world):
    before = len(world.calls("send"))
    for attachment in ("/etc/passwd", ["data:text/plain;base64,aGk=", "/etc/hostname"]):
        error = rpc(world, call("send", account=A, recipient=[B], message="x", attachment=attachment)).json["error"]
        assert error["code"] == -32602 and error["message"].startswith("attachment: only data: URIs"), error
    assert rpc(world, call("updateProfile", account=A, avatar="/etc/passwd")).json["error"]["code"] == -32602
    assert rpc(world, call("getAttachment", account=A, id="../../etc/passwd")).json["error"]["code"] == -32602
    assert len(world.calls("send")) == before
    sent = rpc(world, call("send", account=A, recipient=[B], message="x", attachment=["data:text/plain;base64,aGk="]))
    assert "timestamp" in sent.json["result"], sent.json


def test_a_batch_looks_the_accounts_up_once(world):
    before = len(world.calls("listAccounts"))
    replies = rpc(world, [call("listGroups", n, account=A) for n in range(3)]).json
    assert [reply["result"] for reply in replies] == [[], [], []]
    assert len(world.calls("listAccounts")) == before + 1
