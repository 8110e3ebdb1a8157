"""signal-cli features the original lacks: block/unblock a contact, answer a message request (contact
and group), join a group by invite link, the account's privacy configuration; in every mode."""
from __future__ import annotations

import json

from signal_api.translate.identifiers import internal_to_group_id

A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"
PEER = "+4915177700001"


def _account_file(api, number: str) -> dict:
    """The simulator's account file of ``number`` (what it keeps for commands with no read-back)."""
    accounts = json.loads((api.config_dir / "data" / "accounts.json").read_text())["accounts"]
    path = next(a["path"] for a in accounts if a["number"] == number)
    return json.loads((api.config_dir / "data" / path).read_text())


def _contact(api, number: str, who: str) -> dict:
    response = api.client.get(f"/v1/contacts/{number}/{who}?all_recipients=true")
    assert response.status_code == 200, response.data
    return response.json


def test_block_and_unblock_a_contact(api):
    api.register(A)
    api.register(B)
    assert api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "hi"}).status_code == 201
    assert _contact(api, A, B)["blocked"] is False
    response = api.client.post(f"/v1/contacts/{A}/{B}/block")
    assert (response.status_code, response.data) == (204, b"")
    assert api.last_call("block")["params"] == {"recipient": [B]}
    assert _contact(api, A, B)["blocked"] is True
    [listed] = api.client.get(f"/v1/contacts/{A}").json
    assert (listed["number"], listed["blocked"]) == (B, True)

    uuid = listed["uuid"]
    response = api.client.post(f"/v1/contacts/{A}/{uuid}/unblock")
    assert response.status_code == 204
    assert api.last_call("unblock")["params"] == {"recipient": [uuid]}
    assert _contact(api, A, B)["blocked"] is False


def test_block_a_username_and_refuse_a_bad_number(api):
    api.register(A)
    response = api.client.post(f"/v1/contacts/{A}/some.user.12/block")
    assert response.status_code == 204
    # A username reaches signal-cli as u:<name>, never as a phone number.
    assert api.last_call("block")["params"] == {"recipient": ["u:some.user.12"]}
    response = api.client.post(f"/v1/contacts/{A}/+12ab/block")
    assert response.status_code == 400
    assert "+12ab" in response.json["error"]


def test_answer_a_contacts_message_request(api):
    api.register(A)
    for answer in ("accept", "delete"):
        response = api.client.post(f"/v1/contacts/{A}/{PEER}/message-request", json={"response": answer})
        assert (response.status_code, response.data) == (204, b"")
        assert api.last_call("sendMessageRequestResponse")["params"] == {"recipient": [PEER], "type": answer}
    recorded = _account_file(api, A)["messageRequestResponses"]
    assert [(r["recipient"]["number"], r["type"]) for r in recorded] == [(PEER, "accept"), (PEER, "delete")]


def test_answer_a_groups_message_request(api):
    api.register(A)
    api.register(B)
    group = api.client.post(f"/v1/groups/{A}", json={"name": "Team", "members": [B]}).json["id"]
    internal = api.client.get(f"/v1/groups/{B}/{group}").json["internal_id"]
    response = api.client.post(f"/v1/groups/{B}/{group}/message-request", json={"response": "accept"})
    assert response.status_code == 204
    assert api.last_call("sendMessageRequestResponse")["params"] == {"groupId": [internal], "type": "accept"}
    assert _account_file(api, B)["messageRequestResponses"] == [{"groupId": internal, "type": "accept"}]


def test_a_message_request_answer_must_be_accept_or_delete(make_api):
    api = make_api("normal")
    for body, error in (({}, "Couldn't process request - response missing"),
                        ({"response": ""}, "Couldn't process request - response missing"),
                        ({"response": "block"}, "Couldn't process request - response must be accept or delete"),
                        ({"response": "ACCEPT"}, "Couldn't process request - response must be accept or delete")):
        for path in (f"/v1/contacts/{A}/{B}/message-request",
                     f"/v1/groups/{A}/{internal_to_group_id('A' * 43 + '=')}/message-request"):
            response = api.client.post(path, json=body)
            assert (response.status_code, response.json) == (400, {"error": error}), path
    response = api.client.post(f"/v1/contacts/{A}/{B}/message-request", json={"response": True})
    assert response.status_code == 400
    assert "response" in response.json["error"]
    assert api.calls("sendMessageRequestResponse") == []


def _group_with_link(api, link: str) -> tuple[str, str]:
    """A group of A's with its invite link in state ``link``: (REST id, invite link)."""
    group = api.client.post(f"/v1/groups/{A}", json={"name": "Open", "members": [], "group_link": link}).json["id"]
    invite = api.client.get(f"/v1/groups/{A}/{group}").json["invite_link"]
    assert invite.startswith("https://signal.group/#")
    return group, invite


def test_join_a_group_by_its_invite_link(api):
    api.register(A)
    api.register(B)
    group, invite = _group_with_link(api, "enabled")
    response = api.client.post(f"/v1/groups/{B}/join-by-link", json={"uri": invite})
    assert response.status_code == 201, response.data
    internal = api.client.get(f"/v1/groups/{A}/{group}").json["internal_id"]
    assert response.json == {"id": group, "internal_id": internal, "pending_approval": False}
    assert api.last_call("joinGroup")["params"] == {"uri": invite}
    joined = api.client.get(f"/v1/groups/{B}/{group}").json
    assert joined["member"] is True
    assert B in api.client.get(f"/v1/groups/{A}/{group}").json["members"]


def test_join_by_a_link_that_needs_approval_only_asks(api):
    api.register(A)
    api.register(C)
    group, invite = _group_with_link(api, "enabled-with-approval")
    response = api.client.post(f"/v1/groups/{C}/join-by-link", json={"uri": invite})
    assert response.status_code == 201, response.data
    assert (response.json["id"], response.json["pending_approval"]) == (group, True)
    assert C in api.client.get(f"/v1/groups/{A}/{group}").json["pending_requests"]


def test_join_by_a_disabled_link_is_signal_clis_400(api):
    api.register(A)
    api.register(B)
    group, invite = _group_with_link(api, "enabled")
    assert api.client.put(f"/v1/groups/{A}/{group}", json={"group_link": "disabled"}).status_code == 204
    response = api.client.post(f"/v1/groups/{B}/join-by-link", json={"uri": invite})
    assert response.status_code == 400
    assert response.json["error"].startswith("Group link is not valid: ")


def test_join_by_link_needs_a_group_link_uri(make_api):
    api = make_api("normal")
    missing = "Couldn't process request - uri missing"
    invalid = "Couldn't process request - uri: not a Signal group invite link (https://signal.group/#...)"
    for body, error in (({}, missing), ({"uri": ""}, missing),
                        ({"uri": "https://example.com/#abc"}, invalid),
                        ({"uri": "https://signal.group/path#abc"}, invalid),
                        ({"uri": "https://signal.group/#"}, invalid),
                        ({"uri": "https://signal.group/#a b"}, invalid),
                        ({"uri": "--uri=https://signal.group/#abc"}, invalid),
                        ({"uri": "https://signal.group/#abc\n"}, invalid)):
        response = api.client.post(f"/v1/groups/{A}/join-by-link", json=body)
        assert (response.status_code, response.json) == (400, {"error": error}), body
    response = api.client.post(f"/v1/groups/{A}/join-by-link", json={"uri": 5})
    assert response.status_code == 400
    assert "uri" in response.json["error"]
    assert api.calls("joinGroup") == []


def test_update_the_account_configuration(api):
    api.register(A)
    body = {"read_receipts": False, "typing_indicators": True, "unidentified_delivery_indicators": False,
            "link_previews": True}
    response = api.client.put(f"/v1/accounts/{A}/configuration", json=body)
    assert (response.status_code, response.data) == (204, b"")
    assert api.last_call("updateConfiguration")["params"] == {
        "readReceipts": False, "typingIndicators": True, "unidentifiedDeliveryIndicators": False,
        "linkPreviews": True}
    response = api.client.put(f"/v1/accounts/{A}/configuration", json={"read_receipts": True})
    assert response.status_code == 204
    assert api.last_call("updateConfiguration")["params"] == {"readReceipts": True}
    assert _account_file(api, A)["configuration"] == {
        "readReceipts": True, "typingIndicators": True, "unidentifiedDeliveryIndicators": False,
        "linkPreviews": True}


def test_configuration_values_must_be_booleans(make_api):
    api = make_api("normal")
    for value in ("true", 1, "yes"):
        response = api.client.put(f"/v1/accounts/{A}/configuration", json={"link_previews": value})
        assert response.status_code == 400
        assert "link_previews" in response.json["error"]
    assert api.calls("updateConfiguration") == []
