"""Idempotency-Key: a retried send is answered again and never reaches the recipient twice.

Messages are counted at the recipient (GET /v1/receive as B) and in the simulator's record of
the commands it ran.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import pytest

import signal_api.access
from signal_api.receive.retention import RetentionJob
from signal_api.services import get_services
from signal_api.simulator import seed
from tests.helpers import running_server

A = "+4915100000001"
B = "+4915100000002"
KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
SUBPROCESS_AND_JSON_RPC = ("normal", "json-rpc")
# Each send-like route: method, path, body, the signal-cli command it runs.
ROUTES = [
    ("post", "/v2/send", {"number": A, "recipients": [B], "message": "v2"}, "send"),
    ("post", "/v1/send", {"number": A, "recipients": [B], "message": "v1"}, "send"),
    ("post", f"/v1/reactions/{A}", {"recipient": B, "reaction": "👍", "target_author": B, "timestamp": 5},
     "sendReaction"),
    ("delete", f"/v1/reactions/{A}", {"recipient": B, "target_author": B, "timestamp": 5}, "sendReaction"),
    ("delete", f"/v1/remote-delete/{A}", {"recipient": B, "timestamp": 5}, "remoteDelete"),
    ("post", f"/v1/polls/{A}", {"recipient": B, "question": "Q?", "answers": ["a", "b"]}, "sendPollCreate"),
    ("post", f"/v1/polls/{A}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": 5, "selected_answers": [1]},
     "sendPollVote"),
    ("delete", f"/v1/polls/{A}", {"recipient": B, "poll_timestamp": 5}, "sendPollTerminate"),
]


@pytest.fixture(params=SUBPROCESS_AND_JSON_RPC)
def pair(request, make_api):
    api = make_api(request.param)
    api.register(A)
    api.register(B)
    return api


def send(client, text="hello", key="k-1", **extra):
    headers = {KEY: key} if key is not None else {}
    return client.post("/v2/send", json={"number": A, "recipients": [B], "message": text, **extra}, headers=headers)


def texts_received(api, number=B):
    messages = api.receive(number, timeout=1, count=1000)
    return [m["envelope"]["dataMessage"]["message"] for m in messages if m["envelope"].get("dataMessage")]


def concurrently(*requests):
    """Run the request functions at the same moment, each in its own thread; return their results."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        barrier.wait()
        results[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def keys_in_database(api):
    with sqlite3.connect(get_services(api.app).config.database_path) as db:
        return db.execute("SELECT key, state FROM idempotency_keys").fetchall()


# ---------------------------------------------------------------- concurrent repeats

def test_two_concurrent_sends_with_one_key_deliver_one_message(pair):
    # The send takes a while, so the second request arrives while the first is in flight.
    seed.write_faults(str(pair.config_dir), {"send": {"delay": 1.5}})
    first, second = concurrently(*(lambda: send(pair.app.test_client(), "once") for _ in range(2)))
    seed.write_faults(str(pair.config_dir), {})

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.data == second.data
    assert {r.headers.get(REPLAYED) for r in (first, second)} == {"true", None}
    assert [r.content_type for r in (first, second)] == ["application/json"] * 2
    assert len(pair.calls("send")) == 1
    assert texts_received(pair) == ["once"]


def test_a_waiting_repeat_gets_the_failure_of_the_first_which_is_not_kept(pair):
    seed.write_faults(str(pair.config_dir), {"send": {"delay": 1.5, "exit": 1, "message": "Failed to send message"}})
    first, second = concurrently(*(lambda: send(pair.app.test_client(), "later") for _ in range(2)))
    seed.write_faults(str(pair.config_dir), {})

    assert (first.status_code, second.status_code) == (400, 400)
    assert first.json == second.json and "error" in first.json
    assert {r.headers.get(REPLAYED) for r in (first, second)} == {"true", None}
    assert len(pair.calls("send")) == 1
    # A failure is not kept: the next request with the key sends.
    retry = send(pair.client, "later")
    assert retry.status_code == 201 and REPLAYED not in retry.headers
    assert texts_received(pair) == ["later"]


# ---------------------------------------------------------------- replay and reuse

@pytest.mark.parametrize("method, path, body, command", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_every_send_like_route_replays_its_first_response(make_api, method, path, body, command):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    call = getattr(api.client, method)
    first = call(path, json=body, headers={KEY: "route-key"})
    repeat = call(path, json=body, headers={KEY: "route-key"})

    assert 200 <= first.status_code < 300, first.data
    assert (repeat.status_code, repeat.data, repeat.content_type) == (first.status_code, first.data, first.content_type)
    assert REPLAYED not in first.headers and repeat.headers[REPLAYED] == "true"
    assert len(api.calls(command)) == 1


def test_the_same_key_with_another_body_is_422_and_sends_nothing(pair):
    assert send(pair.client, "first").status_code == 201
    response = send(pair.client, "second")
    assert response.status_code == 422
    assert KEY in response.json["error"]
    assert len(pair.calls("send")) == 1
    assert texts_received(pair) == ["first"]


def test_bodies_compare_as_json_values(make_api):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    body = {"number": A, "recipients": [B], "message": "same"}
    first = api.client.post("/v2/send", data=json.dumps(body), headers={KEY: "j"})
    # Other key order, other whitespace, text/plain (as signalbot sends): the same JSON value.
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    repeat = api.client.post("/v2/send", data=reordered, headers={KEY: "j", "Content-Type": "text/plain"})
    assert first.status_code == 201
    assert repeat.headers.get(REPLAYED) == "true" and repeat.data == first.data
    assert len(api.calls("send")) == 1


def test_keys_are_per_account_and_per_route(make_api):
    api = make_api("normal")
    for number in (A, B):
        api.register(number)
    headers = {KEY: "one-key-for-all"}
    assert api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "x"}, headers=headers).status_code == 201
    # Another account (body "number"), another route, another {number}: none of them is a replay.
    other_account = api.client.post("/v2/send", json={"number": B, "recipients": [A], "message": "x"}, headers=headers)
    other_route = api.client.post("/v1/send", json={"number": A, "recipients": [B], "message": "x"}, headers=headers)
    reaction = {"recipient": B, "reaction": "👍", "target_author": B, "timestamp": 5}
    react_a = api.client.post(f"/v1/reactions/{A}", json=reaction, headers=headers)
    react_b = api.client.post(f"/v1/reactions/{B}", json={**reaction, "recipient": A, "target_author": A},
                              headers=headers)
    for response in (other_account, other_route, react_a, react_b):
        assert response.status_code in (201, 204), response.data
        assert REPLAYED not in response.headers
    assert len(api.calls("send")) == 3 and len(api.calls("sendReaction")) == 2


def test_a_request_without_the_header_is_never_deduplicated(pair):
    assert send(pair.client, "twice", key=None).status_code == 201
    assert send(pair.client, "twice", key=None).status_code == 201
    assert texts_received(pair) == ["twice", "twice"]


@pytest.mark.parametrize("value", ["", " leading", "trailing ", "x" * 256, "tab\there", "caf\xe9", "\x7f"])
def test_a_malformed_key_is_400_naming_the_header_and_sends_nothing(make_api, value):
    api = make_api("normal")
    api.register(A)
    response = send(api.client, key=value)
    assert response.status_code == 400
    assert response.json["error"].startswith(f"{KEY}:")
    assert api.calls("send") == []


def test_the_longest_key_and_every_printable_character_are_accepted(make_api):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    printable = "".join(chr(c) for c in range(0x21, 0x7F))
    for key in ("k" * 255, printable, "inner spaces ok"):
        first, repeat = send(api.client, key=key), send(api.client, key=key)
        assert first.status_code == 201 and repeat.headers.get(REPLAYED) == "true", key


# ---------------------------------------------------------------- what is kept

def test_a_refused_request_does_not_bind_the_key(make_api):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    refused = api.client.post("/v2/send", json={"number": A, "message": "no recipient"}, headers={KEY: "r"})
    assert refused.status_code == 400
    accepted = send(api.client, "fixed", key="r")
    assert accepted.status_code == 201 and REPLAYED not in accepted.headers
    assert texts_received(api) == ["fixed"]


def test_a_timeout_is_not_replayed(make_api):
    api = make_api("normal", SIGNAL_CLI_CMD_TIMEOUT="1")
    api.register(A)
    api.register(B)
    seed.write_faults(str(api.config_dir), {"send": {"delay": 5}})
    timed_out = send(api.client, "slow", key="t")
    seed.write_faults(str(api.config_dir), {})
    assert timed_out.status_code == 504
    retry = send(api.client, "slow", key="t")
    assert retry.status_code == 201 and REPLAYED not in retry.headers


def test_when_keys_cannot_be_recorded_a_keyed_send_is_503_and_not_sent(make_api):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    inbox = get_services(api.app).inbox
    inbox.execute("PRAGMA query_only = ON")  # every write is refused from now on
    try:
        refused = send(api.client, "x", key="db")
        unkeyed = send(api.client, "unkeyed", key=None)
    finally:
        inbox.execute("PRAGMA query_only = OFF")
    assert refused.status_code == 503
    assert refused.json["error"].startswith(f"{KEY}:")
    assert unkeyed.status_code == 201
    assert texts_received(api) == ["unkeyed"]


# ---------------------------------------------------------------- owners

@pytest.fixture
def owner_from_test_header(monkeypatch):
    """Stand in for the API token: the request's X-Test-Owner header names the owner."""
    import flask

    monkeypatch.setattr(signal_api.access, "identity", lambda: flask.request.headers.get("X-Test-Owner"),
                        raising=False)


def test_the_same_key_of_another_owner_is_not_a_replay(make_api, owner_from_test_header):
    api = make_api("normal")
    api.register(A)
    api.register(B)
    body = {"number": A, "recipients": [B], "message": "mine"}
    alice = [api.client.post("/v2/send", json=body, headers={KEY: "k", "X-Test-Owner": "alice"}) for _ in range(2)]
    bob = api.client.post("/v2/send", json=body, headers={KEY: "k", "X-Test-Owner": "bob"})
    anonymous = api.client.post("/v2/send", json=body, headers={KEY: "k"})
    assert [r.status_code for r in (*alice, bob, anonymous)] == [201] * 4
    assert [r.headers.get(REPLAYED) for r in (*alice, bob, anonymous)] == [None, "true", None, None]
    assert texts_received(api) == ["mine"] * 3


def test_the_same_key_of_another_api_token_is_not_a_replay(make_api, tmp_path, monkeypatch, capsys):
    """With task T's API tokens: two tokens, one key, two messages."""
    pytest.importorskip("signal_api.access.authentication", reason="API tokens (task T) are not on this branch")
    from signal_api.cli import main

    data_dir = tmp_path / "api"
    monkeypatch.setenv("SIGNAL_API_DATA_DIR", str(data_dir))
    tokens = []
    for name in ("alice", "bob"):
        assert main(["tokens", "create", name]) == 0
        tokens.append(capsys.readouterr().out.strip().splitlines()[-1])
    api = make_api("normal", SIGNAL_API_AUTH="token", SIGNAL_API_DATA_DIR=str(data_dir))
    seed.register_account(str(api.config_dir), A)
    seed.register_account(str(api.config_dir), B)
    body = {"number": A, "recipients": [B], "message": "per token"}
    answers = [api.client.post("/v2/send", json=body, headers={KEY: "k", "Authorization": f"Bearer {token}"})
               for token in (tokens[0], tokens[0], tokens[1])]
    assert [r.status_code for r in answers] == [201] * 3
    assert [r.headers.get(REPLAYED) for r in answers] == [None, "true", None]
    taken = api.client.get(f"/v1/receive/{B}?timeout=1", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert [m["envelope"]["dataMessage"]["message"] for m in taken.json] == ["per token"] * 2


# ---------------------------------------------------------------- lifetime

def test_expired_keys_are_pruned_by_the_retention_job_and_the_key_sends_again(make_api):
    api = make_api("normal", SIGNAL_API_IDEMPOTENCY_TTL="1")
    api.register(A)
    api.register(B)
    assert send(api.client, "again", key="ttl").status_code == 201
    assert keys_in_database(api) == [("ttl", "done")]
    time.sleep(1.1)  # past the key's lifetime of one second

    services = get_services(api.app)
    RetentionJob(services.inbox, max_age_seconds=86400, max_per_account=1000).run_once()
    assert keys_in_database(api) == []
    again = send(api.client, "again", key="ttl")
    assert again.status_code == 201 and REPLAYED not in again.headers
    assert texts_received(api) == ["again", "again"]


def test_a_bad_ttl_setting_names_the_variable():
    from signal_api.config import Config, ConfigError

    for value in ("0", "soon", str(31 * 86400)):
        with pytest.raises(ConfigError, match="SIGNAL_API_IDEMPOTENCY_TTL"):
            Config.from_env({"SIGNAL_API_IDEMPOTENCY_TTL": value})
    assert Config.from_env({}).idempotency_ttl == 86400


def post(server, text, key, timeout=30):
    request = urllib.request.Request(
        server.base + "/v2/send", method="POST",
        data=json.dumps({"number": A, "recipients": [B], "message": text}).encode(),
        headers={"Content-Type": "application/json", KEY: key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def received_over_http(server, number):
    with urllib.request.urlopen(f"{server.base}/v1/receive/{number}?timeout=1", timeout=30) as response:
        return [m["envelope"]["dataMessage"]["message"] for m in json.loads(response.read())]


@pytest.mark.parametrize("mode", SUBPROCESS_AND_JSON_RPC)
def test_under_gunicorn_concurrent_repeats_collapse_and_keys_survive_a_restart(tmp_path, mode):
    config_dir = tmp_path / "signal-cli"
    for number in (A, B):
        seed.register_account(str(config_dir), number)
    seed.write_faults(str(config_dir), {"send": {"delay": 1.5}})
    with running_server(mode, tmp_path) as server:
        first, second = concurrently(lambda: post(server, "gevent", "g"), lambda: post(server, "gevent", "g"))
        seed.write_faults(str(config_dir), {})
        assert (first[0], second[0]) == (201, 201)
        assert first[2] == second[2]
        assert {r[1].get(REPLAYED) for r in (first, second)} == {"true", None}
    with running_server(mode, tmp_path) as server:
        after_restart = post(server, "gevent", "g")
        assert (after_restart[0], after_restart[2]) == (201, first[2])
        assert after_restart[1].get(REPLAYED) == "true"
        assert received_over_http(server, B) == ["gevent"]


# ---------------------------------------------------------------- the spec

def test_the_spec_declares_the_header_on_exactly_the_send_like_operations(tmp_path):
    from signal_api.app import create_app

    app = create_app({"SIGNAL_API_DATA_DIR": str(tmp_path), "SIGNAL_CLI_CONFIG_DIR": str(tmp_path / "cfg")})
    spec = app.test_client().get("/swagger/doc.json").json
    declared = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and any(p.get("name") == KEY for p in operation.get("parameters", [])):
                declared[(method, path)] = operation
    expected = {(method, path.replace(A, "{number}")) for method, path, _, _ in ROUTES}
    assert set(declared) == expected
    for operation in declared.values():
        [parameter] = [p for p in operation["parameters"] if p["name"] == KEY]
        assert parameter["in"] == "header" and parameter["required"] is False
        assert parameter["schema"]["maxLength"] == 255
        assert {"400", "409", "422"} <= set(operation["responses"])
        success = [status for status in operation["responses"] if status.startswith("2")]
        assert all(REPLAYED in operation["responses"][status]["headers"] for status in success)
