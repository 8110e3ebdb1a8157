"""Reactions, receipts, typing indicator, remote delete and polls, end to end through the simulator."""
from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import Harness

A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"
PEER = "+4930123456"
NOT_ON_SIGNAL = "+9990000000001"
USERNAME = "bob.42"


@pytest.fixture
def pair(api):
    api.register(A)
    api.register(B)
    return api


def take(api, number: str) -> list[dict]:
    """GET /v1/receive once something is there: in CLI modes every simulator command has already
    queued its envelopes, so no idle wait is needed; the daemon pushes them a moment later."""
    return api.receive(number, timeout=2 if api.mode.startswith("json-rpc") else 0)


def message_from(api, sender: str, recipient: str, text: str = "hi") -> int:
    """``sender`` sends ``recipient`` a message; the recipient takes it; return its timestamp."""
    response = api.client.post("/v2/send", json={"number": sender, "recipients": [recipient], "message": text})
    assert response.status_code == 201, response.json
    assert len(take(api, recipient)) == 1
    return int(response.json[0]["timestamp"])


def only_envelope(api, number: str) -> dict:
    [message] = take(api, number)
    assert message["account"] == number
    return message["envelope"]


def make_group(api, *members: str) -> tuple[str, str]:
    """A creates a group with ``members``; they take the update. Return (REST id, internal id)."""
    created = api.simulator("-a", A, "-o", "json", "updateGroup", "-n", "Team", "-m", *members)
    assert created.returncode == 0, created.stderr
    internal = json.loads(created.stdout.splitlines()[0])["groupId"]
    for member in members:
        assert len(take(api, member)) == 1
    return "group." + base64.b64encode(internal.encode()).decode(), internal


# ---------------------------------------------------------------- reactions

def test_a_reacts_to_bs_message_and_b_receives_it_then_the_removal(pair):
    timestamp = message_from(pair, B, A)
    body = {"recipient": B, "reaction": "🎉", "target_author": B, "timestamp": timestamp}
    response = pair.client.post(f"/v1/reactions/{A}", json=body)
    assert response.status_code == 204
    assert response.data == b""
    call = pair.last_call("sendReaction")
    assert call["account"] == A
    assert call["params"] == {"recipient": [B], "emoji": "🎉", "targetAuthor": B, "targetTimestamp": timestamp}
    envelope = only_envelope(pair, B)
    assert envelope["sourceNumber"] == A
    reaction = envelope["dataMessage"]["reaction"]
    assert reaction["emoji"] == "🎉"
    assert reaction["targetAuthorNumber"] == B
    assert reaction["targetSentTimestamp"] == timestamp
    assert reaction["isRemove"] is False

    # Removing without naming the reaction removes a 👍.
    response = pair.client.delete(f"/v1/reactions/{A}", json={"recipient": B, "target_author": B,
                                                               "timestamp": timestamp})
    assert response.status_code == 204
    assert pair.last_call("sendReaction")["params"]["remove"] is True
    reaction = only_envelope(pair, B)["dataMessage"]["reaction"]
    assert (reaction["emoji"], reaction["isRemove"]) == ("👍", True)


def test_a_reaction_in_a_group_reaches_every_member(pair):
    pair.register(C)
    group_id, internal = make_group(pair, B, C)
    timestamp = message_from(pair, B, A)
    response = pair.client.post(f"/v1/reactions/{A}", json={"recipient": group_id, "reaction": "👍",
                                                             "target_author": B, "timestamp": timestamp})
    assert response.status_code == 204, response.json
    assert pair.last_call("sendReaction")["params"]["groupId"] == [internal]
    for member in (B, C):
        data = only_envelope(pair, member)["dataMessage"]
        assert data["groupInfo"]["groupId"] == internal
        assert data["reaction"]["targetSentTimestamp"] == timestamp
    # The internal id names the group too.
    response = pair.client.delete(f"/v1/reactions/{A}", json={"recipient": internal, "target_author": B,
                                                               "timestamp": timestamp})
    assert response.status_code == 204, response.json
    assert pair.last_call("sendReaction")["params"]["groupId"] == [internal]


def test_signal_cli_failures_are_400_with_its_message(pair):
    body = {"recipient": NOT_ON_SIGNAL, "reaction": "👍", "target_author": NOT_ON_SIGNAL, "timestamp": 1}
    response = pair.client.post(f"/v1/reactions/{A}", json=body)
    assert response.status_code == 400
    assert "Failed to send message" in response.json["error"]
    unknown_group = "group." + base64.b64encode(base64.b64encode(bytes(32))).decode()
    response = pair.client.put(f"/v1/typing-indicator/{A}", json={"recipient": unknown_group})
    assert response.status_code == 400
    assert "Group not found" in response.json["error"]


# ---------------------------------------------------------------- receipts

def test_receipts_carry_their_type_in_every_mode(pair):
    """Fix: the original sent a viewed receipt as a read receipt in CLI modes."""
    timestamp = message_from(pair, B, A)
    for receipt_type in ("viewed", "read"):
        response = pair.client.post(f"/v1/receipts/{A}", json={"recipient": B, "receipt_type": receipt_type,
                                                                "timestamp": timestamp})
        assert response.status_code == 204, response.json
        assert pair.last_call("sendReceipt")["params"] == {"recipient": B, "targetTimestamp": [timestamp],
                                                           "type": receipt_type}
        receipt = only_envelope(pair, B)["receiptMessage"]
        assert receipt["timestamps"] == [timestamp]
        assert receipt["isViewed"] is (receipt_type == "viewed")
        assert receipt["isRead"] is (receipt_type == "read")


# ---------------------------------------------------------------- typing

def test_typing_indicator_start_and_stop(pair):
    response = pair.client.put(f"/v1/typing-indicator/{A}", json={"recipient": B})
    assert response.status_code == 204
    assert response.data == b""
    assert pair.last_call("sendTyping")["params"] == {"recipient": [B]}
    assert only_envelope(pair, B)["typingMessage"]["action"] == "STARTED"
    response = pair.client.delete(f"/v1/typing-indicator/{A}", json={"recipient": B})
    assert response.status_code == 204
    assert pair.last_call("sendTyping")["params"] == {"recipient": [B], "stop": True}
    typing = only_envelope(pair, B)["typingMessage"]
    assert typing["action"] == "STOPPED"
    assert "groupId" not in typing


# ---------------------------------------------------------------- remote delete

def test_remote_delete_returns_the_timestamp_and_b_sees_the_deletion(pair):
    response = pair.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "oops"})
    target = int(response.json[0]["timestamp"])
    assert len(take(pair, B)) == 1
    response = pair.client.delete(f"/v1/remote-delete/{A}", json={"recipient": B, "timestamp": target})
    assert response.status_code == 201
    assert set(response.json) == {"timestamp"}
    assert response.json["timestamp"].isdigit()
    assert pair.last_call("remoteDelete")["params"] == {"recipient": [B], "targetTimestamp": target}
    envelope = only_envelope(pair, B)
    assert envelope["timestamp"] == int(response.json["timestamp"])
    assert envelope["dataMessage"]["remoteDelete"] == {"timestamp": target}


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_remote_delete_without_timestamp_is_sent_as_0_like_the_original(pair):
    response = pair.client.delete(f"/v1/remote-delete/{A}", json={"recipient": B})
    assert response.status_code == 201
    assert response.json["timestamp"].isdigit()
    assert pair.last_call("remoteDelete")["params"] == {"recipient": [B], "targetTimestamp": 0}


# ---------------------------------------------------------------- polls

def test_poll_create_vote_and_close(pair):
    response = pair.client.post(f"/v1/polls/{A}", json={"recipient": B, "question": "Fruit?",
                                                         "answers": ["apple", "banana", "cherry"]})
    assert response.status_code == 201, response.json
    assert set(response.json) == {"timestamp"}
    poll_ts = int(response.json["timestamp"])
    assert pair.last_call("sendPollCreate")["params"] == {"recipient": [B], "question": "Fruit?",
                                                          "option": ["apple", "banana", "cherry"]}
    created = only_envelope(pair, B)["dataMessage"]["pollCreate"]
    assert created == {"question": "Fruit?", "allowMultiple": True, "options": ["apple", "banana", "cherry"]}

    # B votes with answers numbered from 1; poll_timestamp as a string (the original's form) ...
    vote = {"recipient": A, "poll_author": A, "poll_timestamp": str(poll_ts), "selected_answers": [1, 3]}
    assert pair.client.post(f"/v1/polls/{B}/vote", json=vote).status_code == 204
    first = pair.last_call("sendPollVote")["params"]
    assert first["option"] == [0, 2]
    assert first["pollTimestamp"] == poll_ts and first["pollAuthor"] == A
    received = only_envelope(pair, A)["dataMessage"]["pollVote"]
    assert received["optionIndexes"] == [0, 2]
    assert received["targetSentTimestamp"] == poll_ts
    # ... and as a number (fix); a changed vote carries a larger count (fix: the original always sent 1).
    vote.update(poll_timestamp=poll_ts, selected_answers=[2])
    assert pair.client.post(f"/v1/polls/{B}/vote", json=vote).status_code == 204
    second = pair.last_call("sendPollVote")["params"]
    assert second["option"] == [1] and second["pollTimestamp"] == poll_ts
    assert second["voteCount"] > first["voteCount"]
    assert only_envelope(pair, A)["dataMessage"]["pollVote"]["voteCount"] == second["voteCount"]

    response = pair.client.delete(f"/v1/polls/{A}", json={"recipient": B, "poll_timestamp": str(poll_ts)})
    assert response.status_code == 204
    assert pair.last_call("sendPollTerminate")["params"] == {"recipient": [B], "pollTimestamp": poll_ts}
    assert only_envelope(pair, B)["dataMessage"]["pollTerminate"] == {"targetSentTimestamp": poll_ts}


def test_typing_and_a_single_choice_poll_in_a_group(pair):
    group_id, internal = make_group(pair, B)
    assert pair.client.put(f"/v1/typing-indicator/{A}", json={"recipient": group_id}).status_code == 204
    assert pair.last_call("sendTyping")["params"] == {"groupId": [internal]}
    assert only_envelope(pair, B)["typingMessage"]["groupId"] == internal

    response = pair.client.post(f"/v1/polls/{A}", json={"recipient": group_id, "question": "One?",
                                                         "answers": ["a", "b"], "allow_multiple_selections": False})
    assert response.status_code == 201, response.json
    params = pair.last_call("sendPollCreate")["params"]
    assert params["groupId"] == [internal] and params["noMulti"] is True
    data = only_envelope(pair, B)["dataMessage"]
    assert data["pollCreate"]["allowMultiple"] is False
    assert data["groupInfo"]["groupId"] == internal


# ---------------------------------------------------------------- recipients (one mode: same code in all)

def test_usernames_and_outside_peers(make_api):
    api = make_api("json-rpc")
    api.register(A)
    response = api.client.post(f"/v1/polls/{A}", json={"recipient": USERNAME, "question": "Q",
                                                        "answers": ["a", "b"]})
    assert response.status_code == 201, response.json
    assert api.last_call("sendPollCreate")["params"]["username"] == [USERNAME]
    # sendTyping and sendReceipt have no -u: the username goes as signal-cli's u:<name> recipient.
    assert api.client.put(f"/v1/typing-indicator/{A}", json={"recipient": USERNAME}).status_code == 204
    assert api.last_call("sendTyping")["params"]["recipient"] == [f"u:{USERNAME}"]
    body = {"recipient": PEER, "reaction": "👍", "target_author": PEER, "timestamp": 5}
    assert api.client.post(f"/v1/reactions/{A}", json=body).status_code == 204
    outbox = [json.loads(line) for line in (api.config_dir / "simulator" / "outbox.jsonl").read_text().splitlines()]
    assert outbox[-1]["to"] == PEER
    assert outbox[-1]["envelope"]["dataMessage"]["reaction"]["emoji"] == "👍"


# ---------------------------------------------------------------- validation (never reaches signal-cli)

MISSING = [
    ("post", "/v1/reactions/{n}", {"reaction": "👍", "target_author": B, "timestamp": 1}, "recipient missing"),
    ("post", "/v1/reactions/{n}", {"recipient": B, "target_author": B, "timestamp": 1}, "reaction missing"),
    ("post", "/v1/reactions/{n}", {"recipient": B, "reaction": "👍", "timestamp": 1}, "target_author missing"),
    ("post", "/v1/reactions/{n}", {"recipient": B, "reaction": "👍", "target_author": B}, "timestamp missing"),
    ("post", "/v1/reactions/{n}", {"recipient": B, "reaction": "👍", "target_author": B, "timestamp": 0},
     "timestamp missing"),
    ("delete", "/v1/reactions/{n}", {"target_author": B, "timestamp": 1}, "recipient missing"),
    ("delete", "/v1/reactions/{n}", {"recipient": B, "timestamp": 1}, "target_author missing"),
    ("delete", "/v1/reactions/{n}", {"recipient": B, "target_author": B}, "timestamp missing"),
    ("post", "/v1/receipts/{n}", {"receipt_type": "read", "timestamp": 1}, "recipient missing"),
    ("post", "/v1/receipts/{n}", {"recipient": B, "timestamp": 1}, "receipt type must be read or viewed"),
    ("post", "/v1/receipts/{n}", {"recipient": B, "receipt_type": "delivered", "timestamp": 1},
     "receipt type must be read or viewed"),
    ("post", "/v1/receipts/{n}", {"recipient": B, "receipt_type": "read"}, "timestamp missing"),
    ("post", "/v1/polls/{n}", {"question": "Q", "answers": ["a", "b"]}, "recipient missing"),
    ("post", "/v1/polls/{n}", {"recipient": B, "answers": ["a", "b"]}, "question missing"),
    ("post", "/v1/polls/{n}", {"recipient": B, "question": "Q"}, "answers missing"),
    ("post", "/v1/polls/{n}", {"recipient": B, "question": "Q", "answers": []}, "answers missing"),
    ("post", "/v1/polls/{n}/vote", {"poll_author": B, "poll_timestamp": "1", "selected_answers": [1]},
     "recipient missing"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_timestamp": "1", "selected_answers": [1]},
     "poll_author missing"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "selected_answers": [1]},
     "poll_timestamp missing"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "soon",
                                    "selected_answers": [1]}, "invalid timestamp"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "1"},
     "selected_answers missing"),
    ("delete", "/v1/polls/{n}", {"poll_timestamp": "1"}, "recipient missing"),
    ("delete", "/v1/polls/{n}", {"recipient": B}, "poll_timestamp missing"),
    ("delete", "/v1/polls/{n}", {"recipient": B, "poll_timestamp": "12a"}, "invalid timestamp"),
]

OTHER_ERRORS = [
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "1",
                                    "selected_answers": [1, 0]},
     "Invalid index in selected_answers specified, index needs to be >= 1!"),
    ("post", "/v1/reactions/{n}", {"recipient": "group.!!!", "reaction": "👍", "target_author": B,
                                   "timestamp": 1}, "Invalid group id"),
    ("post", "/v1/polls/{n}", {"recipient": "group.bm90IGEgZ3JvdXA=", "question": "Q", "answers": ["a", "b"]},
     "Invalid identifier group.bm90IGEgZ3JvdXA="),
    ("post", "/v1/receipts/{n}", {"recipient": "group." + base64.b64encode(base64.b64encode(bytes(32))).decode(),
                                  "receipt_type": "read", "timestamp": 1},
     "Couldn't process request - a receipt goes to the message's sender, not to a group"),
]

WRONG_TYPES = [
    ("post", "/v1/reactions/{n}", {"recipient": B, "reaction": "👍", "target_author": B, "timestamp": "1"},
     "timestamp"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": True,
                                    "selected_answers": [1]}, "poll_timestamp"),
    ("post", "/v1/polls/{n}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "1",
                                    "selected_answers": ["1"]}, "selected_answers"),
    ("post", "/v1/polls/{n}", {"recipient": B, "question": "Q", "answers": "a"}, "answers"),
]


@pytest.fixture(scope="module")
def normal(tmp_path_factory):
    """One app for all validation cases: none of them may reach signal-cli, whatever the mode."""
    harness = Harness("normal", tmp_path_factory.mktemp("validation")).start()
    yield harness
    harness.stop()


@pytest.mark.parametrize(("method", "path", "body", "text"), MISSING)
def test_missing_fields(normal, method, path, body, text):
    response = getattr(normal.client, method)(path.format(n=A), json=body)
    assert response.status_code == 400
    assert response.json == {"error": f"Couldn't process request - {text}"}
    assert normal.calls() == []


@pytest.mark.parametrize(("method", "path", "body", "text"), OTHER_ERRORS)
def test_other_request_errors(normal, method, path, body, text):
    response = getattr(normal.client, method)(path.format(n=A), json=body)
    assert response.status_code == 400
    assert response.json == {"error": text}
    assert normal.calls() == []


# What the original sends signal-cli for these, and signal-cli's answer, which the client reads:
# the CLI gets the empty recipient as an argument, the daemon no recipient at all.
NO_RECIPIENT = {"normal": "Invalid phone number '': No valid characters found.", "json-rpc": "No recipients given"}
PASSED_TO_SIGNAL_CLI = [
    ("put", "/v1/typing-indicator/{n}", {}, "sendTyping"),
    ("delete", "/v1/typing-indicator/{n}", {"recipient": ""}, "sendTyping"),
    ("delete", "/v1/remote-delete/{n}", {"timestamp": 1}, "remoteDelete"),
]


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
@pytest.mark.parametrize(("method", "path", "body", "command"), PASSED_TO_SIGNAL_CLI)
def test_a_missing_recipient_gets_signal_clis_answer_as_from_the_original(pair, mode, method, path, body, command):
    response = getattr(pair.client, method)(path.format(n=A), json=body)
    assert (response.status_code, response.json) == (400, {"error": NO_RECIPIENT[mode]})
    call = pair.last_call(command)
    if mode == "normal":
        assert call["argv"][-2:] == ["--", ""]
    else:
        assert "recipient" not in call["params"]


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_a_group_id_that_signal_cli_refuses_gets_its_words(pair):
    # "group." + base64 of "not a group": decoded once, as the original does, and given to signal-cli.
    body = {"recipient": "group.bm90IGEgZ3JvdXA=", "reaction": "👍", "target_author": B, "timestamp": 1}
    response = pair.client.post(f"/v1/reactions/{A}", json=body)
    assert (response.status_code, response.json) == (400, {"error": (
        'Invalid group id: Failed to decode groupId (must be base64) "not a group": Illegal base64 character 20')})
    assert pair.last_call("sendReaction")["params"]["groupId"] in ("not a group", ["not a group"])


@pytest.mark.parametrize(("method", "path", "body", "field"), WRONG_TYPES)
def test_wrongly_typed_fields(normal, method, path, body, field):
    response = getattr(normal.client, method)(path.format(n=A), json=body)
    assert response.status_code == 400
    assert response.json["error"].startswith(f"Couldn't process request - invalid request: {field}")
    assert normal.calls() == []
