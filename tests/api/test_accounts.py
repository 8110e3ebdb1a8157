"""Accounts: rate-limit challenge, settings, username and PIN, in every mode."""
from __future__ import annotations

import json

import pytest

from tests.helpers import unknown_account_error

A = "+4915100000001"
B = "+4915100000002"


def _account_file(api, number: str) -> dict:
    index = json.loads((api.config_dir / "data" / "accounts.json").read_text())
    path = next(entry["path"] for entry in index["accounts"] if entry["number"] == number)
    return json.loads((api.config_dir / "data" / path).read_text())


def test_submit_rate_limit_challenge(api):
    api.register(A)
    body = {"challenge_token": "tok-1", "captcha": "signalcaptcha://abc"}
    response = api.client.post(f"/v1/accounts/{A}/rate-limit-challenge", json=body)
    assert (response.status_code, response.data) == (204, b"")
    assert api.last_call("submitRateLimitChallenge")["params"] == {"challenge": "tok-1",
                                                                   "captcha": "signalcaptcha://abc"}
    assert _account_file(api, A)["solvedChallenges"][0]["challenge"] == "tok-1"


@pytest.mark.parametrize("body, message", [
    ({}, "Couldn't process request - challenge token missing"),
    ({"captcha": "signalcaptcha://abc"}, "Couldn't process request - challenge token missing"),
    ({"challenge_token": "tok"}, "Couldn't process request - captcha missing"),
    ({"challenge_token": "tok", "captcha": ""}, "Couldn't process request - captcha missing"),
])
def test_rate_limit_challenge_validation(make_api, body, message):
    api = make_api("normal")
    response = api.client.post(f"/v1/accounts/{A}/rate-limit-challenge", json=body)
    assert (response.status_code, response.json) == (400, {"error": message})
    assert api.calls() == []


def test_update_account_settings_answers_201_like_the_original(api):
    api.register(A)
    body = {"discoverable_by_number": False, "share_number": True}
    response = api.client.put(f"/v1/accounts/{A}/settings", json=body)
    assert (response.status_code, response.data) == (201, b"")
    assert api.last_call("updateAccount")["params"] == {"discoverableByNumber": False, "numberSharing": True}
    assert _account_file(api, A)["settings"] == {"discoverableByNumber": False, "numberSharing": True}
    response = api.client.put(f"/v1/accounts/{A}/settings", json={"share_number": False})
    assert response.status_code == 201
    assert api.last_call("updateAccount")["params"] == {"numberSharing": False}
    assert _account_file(api, A)["settings"] == {"discoverableByNumber": False, "numberSharing": False}


def test_update_account_settings_of_an_unknown_number_is_a_400(api):
    response = api.client.put(f"/v1/accounts/{A}/settings", json={"share_number": True})
    assert (response.status_code, response.json) == (400, {"error": unknown_account_error(api.mode, A)})


def test_set_and_remove_username(api):
    api.register(A)
    response = api.client.post(f"/v1/accounts/{A}/username", json={"username": "alice"})
    assert response.status_code == 201
    username, link = response.json["username"], response.json["username_link"]
    assert username.startswith("alice.") and username[6:].isdigit()
    assert link.startswith("https://signal.me/#eu/")
    assert api.last_call("updateAccount")["params"] == {"username": "alice"}
    assert _account_file(api, A)["username"] == username
    response = api.client.post(f"/v1/accounts/{A}/username", json={"username": "bob.42"})
    assert (response.status_code, response.json["username"]) == (201, "bob.42")
    response = api.client.delete(f"/v1/accounts/{A}/username")
    assert (response.status_code, response.data) == (204, b"")
    assert api.last_call("updateAccount")["params"] == {"deleteUsername": True}
    assert _account_file(api, A)["username"] is None


def test_a_username_failure_shows_signal_clis_error(api):
    """The original answered every failure with "invalid signal-cli response" (§13 item 10)."""
    api.register(A)
    api.register(B)
    response = api.client.post(f"/v1/accounts/{A}/username", json={"username": "9lives"})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid username: Nickname cannot start with a digit"}
    assert api.client.post(f"/v1/accounts/{B}/username", json={"username": "taken.77"}).status_code == 201
    response = api.client.post(f"/v1/accounts/{A}/username", json={"username": "taken.77"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Failed to set username: Username is not available")


def test_a_missing_username_is_signal_clis_to_judge(make_api):
    """The original checks no username: an empty one goes to signal-cli, which refuses it."""
    api = make_api("normal")
    api.register(A)
    response = api.client.post(f"/v1/accounts/{A}/username", json={})
    assert response.status_code == 400
    assert api.last_call("updateAccount")["params"] == {"username": ""}
    response = api.client.post(f"/v1/accounts/{A}/username", json={"username": 5})
    assert (response.status_code, response.json) == (
        400, {"error": "Couldn't process request - invalid request: username: expected a JSON string"})
    assert len(api.calls("updateAccount")) == 1


def test_set_and_remove_pin(api):
    api.register(A)
    response = api.client.post(f"/v1/accounts/{A}/pin", json={"pin": "1234"})
    assert (response.status_code, response.data) == (201, b"")
    assert api.last_call("setPin")["params"] == {"pin": "1234"}
    assert _account_file(api, A)["registrationLockPin"] == "1234"
    response = api.client.delete(f"/v1/accounts/{A}/pin")
    assert (response.status_code, response.data) == (204, b"")
    assert api.last_call("removePin")["account"] == A
    assert _account_file(api, A)["registrationLockPin"] is None


def test_a_missing_pin_is_signal_clis_to_judge(make_api):
    """The original checks no PIN: signal-cli answers an empty one (``PIN must not be empty``)."""
    api = make_api("normal")
    api.register(A)
    response = api.client.post(f"/v1/accounts/{A}/pin", json={})
    assert response.status_code == 400
    assert "PIN must not be empty" in response.json["error"]
    assert api.last_call("setPin")["params"] == {"pin": ""}
