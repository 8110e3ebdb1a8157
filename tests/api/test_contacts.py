"""Contacts: list (with all_recipients), get one, profile avatar, update, sync; in every mode."""
from __future__ import annotations

import base64
import re

A = "+4915100000001"
B = "+4915100000002"
PEER = "+4915177700001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def _setup(api) -> None:
    api.register(A)
    api.register(B)
    response = api.simulator("-a", B, "updateProfile", "--given-name", "Bob", "--family-name", "Builder",
                             "--about", "hi")
    assert response.returncode == 0, response.stderr


def test_update_contact_then_list_and_get_it(api):
    _setup(api)
    response = api.client.put(f"/v1/contacts/{A}", json={"recipient": B, "name": "Bobby", "expiration_in_seconds": 60})
    assert response.status_code == 204
    assert response.data == b""
    assert api.last_call("updateContact")["params"] == {"recipient": B, "name": "Bobby", "expiration": 60}

    response = api.client.get(f"/v1/contacts/{A}")
    assert response.status_code == 200
    [contact] = response.json
    assert re.fullmatch(r"[0-9a-f-]{36}", contact.pop("uuid"))
    assert contact.pop("profile").items() >= {"given_name": "Bob", "lastname": "Builder", "about": "hi",
                                              "has_avatar": False}.items()
    assert contact == {
        "number": B, "name": "Bobby", "profile_name": "Bob Builder", "username": "", "color": "",
        "blocked": False, "message_expiration": "60", "note": "", "given_name": "Bobby",
        "nickname": {"name": "", "given_name": "", "family_name": ""},
    }
    # signal-cli announces the new timer to the contact.
    [message] = api.receive(B)
    data = message["envelope"]["dataMessage"]
    assert (data["expiresInSeconds"], data["isExpirationUpdate"], message["envelope"]["sourceNumber"]) == (60, True, A)

    uuid = response.json[0]["uuid"]
    for identifier in (uuid, B):
        single = api.client.get(f"/v1/contacts/{A}/{identifier}")
        assert single.status_code == 200
        assert single.json == response.json[0]
    assert api.last_call("listContacts")["params"] == {"recipient": [B]}


def test_expiration_zero_is_passed_in_every_mode(api):
    _setup(api)
    api.client.put(f"/v1/contacts/{A}", json={"recipient": B, "expiration_in_seconds": 60})
    response = api.client.put(f"/v1/contacts/{A}", json={"recipient": B, "expiration_in_seconds": 0})
    assert response.status_code == 204
    assert api.last_call("updateContact")["params"] == {"recipient": B, "expiration": 0}
    assert api.client.get(f"/v1/contacts/{A}").json[0]["message_expiration"] == "0"


def test_blocked_contacts_are_reported_as_blocked(api):
    _setup(api)
    assert api.simulator("-a", A, "block", B).returncode == 0
    [contact] = api.client.get(f"/v1/contacts/{A}").json
    assert (contact["number"], contact["blocked"]) == (B, True)


def test_all_recipients_lists_people_who_are_not_contacts(api):
    _setup(api)
    assert api.client.post("/v2/send", json={"number": A, "recipients": [PEER], "message": "hi"}).status_code == 201
    assert api.client.get(f"/v1/contacts/{A}").json == []
    assert api.last_call("listContacts")["params"] == {}
    response = api.client.get(f"/v1/contacts/{A}?all_recipients=true")
    assert [c["number"] for c in response.json] == [PEER]
    # signal-cli's messageExpirationTime; the original read a key signal-cli never writes ("").
    assert response.json[0]["message_expiration"] == "0"
    assert response.json[0]["profile"] == {"given_name": "", "lastname": "", "about": "", "has_avatar": False,
                                          "last_updated_timestamp": 0}
    assert api.last_call("listContacts")["params"] == {"allRecipients": True}
    assert api.client.get(f"/v1/contacts/{A}/{PEER}").status_code == 404
    assert api.client.get(f"/v1/contacts/{A}/{PEER}?all_recipients=true").json["number"] == PEER


def test_an_unknown_contact_is_a_404(api):
    _setup(api)
    response = api.client.get(f"/v1/contacts/{A}/{PEER}")
    assert response.status_code == 404
    assert response.json == {"error": f"No user with that id ({PEER}) found"}


def test_contact_avatar_is_the_profile_avatar_with_its_type(api):
    _setup(api)
    response = api.client.get(f"/v1/contacts/{A}/{B}/avatar")
    assert response.status_code == 400
    assert response.json == {"error": "No avatar found."}
    body = {"name": "Bob", "base64_avatar": base64.b64encode(PNG).decode()}
    assert api.client.put(f"/v1/profiles/{B}", json=body).status_code == 204
    response = api.client.get(f"/v1/contacts/{A}/{B}/avatar")
    assert response.status_code == 200
    assert response.content_type == "image/png"
    assert response.data == PNG
    assert api.last_call("getAvatar")["params"] == {"profile": B}


def test_sync_sends_the_contact_list(api):
    _setup(api)
    response = api.client.post(f"/v1/contacts/{A}/sync")
    assert response.status_code == 204
    assert api.last_call("sendContacts")["account"] == A
    [message] = api.receive(A)
    assert message["envelope"]["syncMessage"] == {"type": "CONTACTS_SYNC"}


def test_update_contact_needs_a_recipient(make_api):
    api = make_api("normal")
    for body in ({}, {"recipient": ""}, {"recipient": None, "name": "x"}):
        response = api.client.put(f"/v1/contacts/{A}", json=body)
        assert response.status_code == 400
        assert response.json == {"error": "Couldn't process request - recipient missing"}
    response = api.client.put(f"/v1/contacts/{A}", json={"recipient": B, "expiration_in_seconds": "soon"})
    assert response.status_code == 400
    assert "expiration_in_seconds" in response.json["error"]
    assert api.calls("updateContact") == []


def test_all_recipients_must_be_true_or_false(make_api):
    api = make_api("normal")
    response = api.client.get(f"/v1/contacts/{A}?all_recipients=yes")
    assert response.status_code == 400
    assert response.json == {
        "error": "Couldn't process request - all_recipients parameter needs to be either 'true' or 'false'"
    }
    assert api.calls("listContacts") == []


def test_contacts_of_an_unknown_account_is_a_400(make_api):
    api = make_api("normal")
    response = api.client.get(f"/v1/contacts/{A}")
    assert response.status_code == 400
    assert response.json == {"error": f"User {A} is not registered."}
