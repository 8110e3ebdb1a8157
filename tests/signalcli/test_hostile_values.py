"""Request values that look like signal-cli options stay values (issue 8, "Why", first paragraph).

Each test drives the API in normal mode against the simulator and checks both the HTTP answer
and what the simulator's signal-cli parser received (its calls log holds the parsed params).
"""
from __future__ import annotations

import pytest

A = "+4915100000001"
B = "+4915100000002"


@pytest.fixture
def api(make_api):
    harness = make_api("normal")
    harness.register(A)
    harness.register(B)
    return harness


def _sends(api) -> list[dict]:
    return [call["params"] for call in api.calls("send")]


def test_a_recipient_cannot_attach_a_file_of_the_server(api, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the account keys")
    response = api.client.post("/v2/send", json={
        "number": A, "recipients": ["bob.12", f"--attachment={secret}"], "message": "x"})
    assert all("attachment" not in params for params in _sends(api)), _sends(api)
    assert response.status_code == 400, response.json
    assert "recipients" in response.json["error"]
    assert _sends(api) == []


def test_a_single_username_that_looks_like_an_option_is_passed_as_the_username(api):
    response = api.client.post("/v2/send", json={"number": A, "recipients": ["--notify-self"], "message": "x"})
    assert response.status_code < 500, response.json
    assert [params.get("username") for params in _sends(api)] == [["--notify-self"]]


def test_a_poll_answer_cannot_switch_an_option(api):
    response = api.client.post(f"/v1/polls/{A}", json={
        "recipient": B, "question": "lunch?", "answers": ["pizza", "--no-multi"], "allow_multiple_selections": True})
    polls = [call["params"] for call in api.calls("sendPollCreate")]
    assert all("noMulti" not in params for params in polls), polls
    assert response.status_code == 400, response.json
    assert "answers" in response.json["error"]


def test_poll_answers_that_read_as_values_are_sent_as_they_are(api):
    answers = ["-1", "-", "no - never", " --padded", "@/etc/passwd"]
    response = api.client.post(f"/v1/polls/{A}", json={"recipient": B, "question": "--question=x", "answers": answers})
    assert response.status_code == 201, response.json
    params = api.last_call("sendPollCreate")["params"]
    assert params["option"] == answers
    assert params["question"] == "--question=x"


def test_a_negative_mention_start_is_refused_before_signal_cli(api):
    # It used to reach signal-cli's parser as "--mention -1:1:…", an option-like token; now the
    # schema refuses it (mention offsets are Java ints from 0), naming the field, in every mode.
    response = api.client.post("/v2/send", json={
        "number": A, "recipients": [B], "message": "hi", "mentions": [{"start": -1, "length": 1, "author": B}]})
    assert response.status_code == 400, response.json
    assert "mentions.0.start" in response.json["error"], response.json
    assert _sends(api) == []


def test_an_account_number_that_looks_like_an_option_is_the_account(api):
    response = api.client.post("/v2/send", json={"number": "--help", "recipients": [B], "message": "x"})
    assert response.status_code == 400, response.json
    assert response.json["error"].startswith("Invalid account (phone number), make sure you include the country code.")
    assert _sends(api) == []


@pytest.mark.parametrize("token", ["--help", "-h", "--version"])
def test_a_verification_code_that_looks_like_an_option_verifies_nothing(make_api, token):
    """``verify --help`` used to print help and exit 0: a 201 without any verification."""
    api = make_api("normal")
    assert api.client.post("/v1/register/+4915100000007").status_code == 201
    response = api.client.post(f"/v1/register/+4915100000007/verify/{token}")
    assert response.status_code == 400, response.json
    assert api.last_call("verify")["params"]["verificationCode"] == token
    assert api.client.get("/v1/accounts").json == []
