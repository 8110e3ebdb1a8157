"""Identities: list the known identity keys and trust them, in every mode."""
from __future__ import annotations

import re

A = "+4915100000001"
PEER = "+4915177700001"
CHANGED = "+9981234567"  # a simulator peer whose safety number changed (untrusted key)


def _send(api, recipient: str) -> int:
    return api.client.post("/v2/send", json={"number": A, "recipients": [recipient], "message": "hi"}).status_code


def _identity(api, number: str) -> dict:
    response = api.client.get(f"/v1/identities/{A}")
    assert response.status_code == 200
    return next(entry for entry in response.json if entry["number"] == number)


def test_identities_of_people_messaged(api):
    api.register(A)
    assert api.client.get(f"/v1/identities/{A}").json == []
    assert _send(api, PEER) == 201
    [entry] = api.client.get(f"/v1/identities/{A}").json
    assert entry["number"] == PEER
    assert entry["status"] == "TRUSTED_UNVERIFIED"
    assert re.fullmatch(r"\d{13}", entry["added"])
    assert re.fullmatch(r"(\d{5} ){11}\d{5}", entry["safety_number"])
    assert re.fullmatch(r"05( [0-9a-f]{2}){32}", entry["fingerprint"])
    assert re.fullmatch(r"[0-9a-f-]{36}", entry["uuid"])
    assert api.last_call("listIdentities")["account"] == A


def test_trusting_a_verified_safety_number_lets_messages_through(api):
    api.register(A)
    assert _send(api, CHANGED) == 400
    entry = _identity(api, CHANGED)
    assert entry["status"] == "UNTRUSTED"
    body = {"verified_safety_number": entry["safety_number"]}
    response = api.client.put(f"/v1/identities/{A}/trust/{CHANGED}", json=body)
    assert response.status_code == 204
    assert response.data == b""
    assert api.last_call("trust")["params"] == {"recipient": CHANGED, "verifiedSafetyNumber": entry["safety_number"]}
    assert _identity(api, CHANGED)["status"] == "TRUSTED_VERIFIED"
    assert _send(api, CHANGED) == 201


def test_trust_all_known_keys(api):
    api.register(A)
    _send(api, CHANGED)
    response = api.client.put(f"/v1/identities/{A}/trust/{CHANGED}", json={"trust_all_known_keys": True})
    assert response.status_code == 204
    assert api.last_call("trust")["params"] == {"recipient": CHANGED, "trustAllKnownKeys": True}
    assert _identity(api, CHANGED)["status"] == "TRUSTED_UNVERIFIED"


def test_a_wrong_safety_number_is_refused(api):
    api.register(A)
    _send(api, CHANGED)
    body = {"verified_safety_number": " ".join(["12345"] * 12)}
    response = api.client.put(f"/v1/identities/{A}/trust/{CHANGED}", json=body)
    assert response.status_code == 400
    assert response.json == {"error": "Failed to set the trust for this number, make sure the number and the "
                                      "fingerprint/safety number are correct."}
    assert _identity(api, CHANGED)["status"] == "UNTRUSTED"


def test_trust_validation(make_api):
    api = make_api("normal")
    neither = ("Couldn't process request - please either provide a safety number (preferred & more secure) "
               "or set 'trust_all_known_keys' to true")
    both = ("Couldn't process request - please either provide a safety number or set 'trust_all_known_keys' "
            "to true. But do not set both parameters at once!")
    cases = [
        ({}, neither),
        ({"trust_all_known_keys": False}, neither),
        ({"verified_safety_number": "1", "trust_all_known_keys": True}, both),
        ({"verified_safety_number": ""}, "Couldn't process request - please provide a valid safety number"),
    ]
    for body, error in cases:
        response = api.client.put(f"/v1/identities/{A}/trust/{PEER}", json=body)
        assert response.status_code == 400
        assert response.json == {"error": error}
    assert api.calls("trust") == []


def test_identities_of_an_unknown_account_is_a_400(make_api):
    # The original answered 500; a client's unknown account is a 400 on every other route.
    api = make_api("normal")
    response = api.client.get(f"/v1/identities/{A}")
    assert response.status_code == 400
    assert response.json == {"error": f"User {A} is not registered."}
