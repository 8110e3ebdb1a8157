"""Rate-limit challenges surfaced (issue 13 item 5): 429 with Retry-After, and the account events
``rate_limit_challenge`` / ``rate_limit_cleared`` on WebSocket, SSE and webhook subscriptions,
opt-in everywhere, never to clients that did not ask (GET /v1/receive, history, the env webhook).
"""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simple_websocket import Client

from signal_api.errors.backend import RateLimitError, retry_after_from_text
from signal_api.receive.account_events import AccountEvents
from signal_api.receive.intake import Intake
from signal_api.services import get_services
from signal_api.simulator import seed
from signal_api.storage.inbox import Inbox
from tests.helpers import wait_for
from tests.signalcli_http.test_events import Stream
from tests.test_webhooks import Receiver
from tests.test_ws import frames

A = "+4915100000001"
B = "+4915100000002"
TOKEN = "5f1c8a3e-challenge"
WAIT = 3600
# The original's 429 body for a send, byte for byte (apart from the new Retry-After header).
BODY_429 = {
    "error": "Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate "
             "limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.",
    "challenge_tokens": [TOKEN],
    "account": A,
}


def send(harness, text: str, sender: str = A, recipient: str = B):
    return harness.client.post("/v2/send", json={"number": sender, "recipients": [recipient], "message": text})


def submit(harness, token: str = TOKEN):
    return harness.client.post(f"/v1/accounts/{A}/rate-limit-challenge",
                               json={"challenge_token": token, "captcha": "signalcaptcha://solved"})


def impose(harness) -> None:
    seed.impose_rate_limit(str(harness.config_dir), A, token=TOKEN, retry_after=WAIT)


def stored_events(harness) -> list[dict]:
    inbox = get_services(harness.app).inbox
    return [m.payload for m in inbox.after(A, 0, 1000, events=True) if m.event]


@pytest.fixture
def pair(mode, make_api):
    harness = make_api(mode)
    harness.register(A)
    harness.register(B)
    return harness


def test_a_rate_limited_send_is_the_originals_429_plus_retry_after(pair):
    impose(pair)
    response = send(pair, "hi")
    assert response.status_code == 429
    assert response.json == BODY_429
    assert response.headers["Retry-After"] == str(WAIT)
    # Signal's own proof-required recipients (the +997 block) say 86400 seconds.
    seed.lift_rate_limit(str(pair.config_dir), A)
    response = send(pair, "hi", recipient="+9970000000001")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "86400")
    assert response.json["challenge_tokens"] and set(response.json) == {"error", "challenge_tokens", "account"}


def test_the_challenge_and_its_clearing_are_stored_but_never_given_to_get_or_history(pair):
    impose(pair)
    assert send(pair, "hi").status_code == 429
    assert submit(pair, "not-the-token").status_code == 400
    assert submit(pair).status_code == 204
    assert send(pair, "works again").status_code == 201

    challenge, cleared = stored_events(pair)
    assert challenge["event"] == "rate_limit_challenge" and cleared["event"] == "rate_limit_cleared"
    assert (challenge["account"], challenge["command"], challenge["challenge_tokens"]) == (A, "send", [TOKEN])
    assert (challenge["retry_after_seconds"], challenge["recipients"]) == (WAIT, [B])
    assert set(cleared) == {"event", "account", "timestamp"} and cleared["account"] == A

    pair.send_direct(B, A, "after")
    got = pair.receive(A, count=1)
    assert [item["envelope"]["dataMessage"]["message"] for item in got] == ["after"]
    assert pair.receive(A, timeout=1) == []
    history = pair.client.get(f"/v1/messages/{A}").json
    assert history and all("envelope" in item for item in history)


def test_signal_clis_own_rpc_route_stores_the_events_too(pair):
    impose(pair)
    body = {"jsonrpc": "2.0", "id": 1, "method": "send", "params": {"account": A, "recipient": [B], "message": "x"}}
    reply = pair.client.post("/api/v1/rpc", json=body).json
    assert reply["error"]["code"] == -5
    assert reply["error"]["data"]["response"]["results"][0]["token"] == TOKEN
    body = {"jsonrpc": "2.0", "id": 2, "method": "submitRateLimitChallenge",
            "params": {"account": A, "challenge": TOKEN, "captcha": "c"}}
    assert "error" not in pair.client.post("/api/v1/rpc", json=body).json
    assert [event["event"] for event in stored_events(pair)] == ["rate_limit_challenge", "rate_limit_cleared"]


def test_events_reach_subscribers_that_asked_and_only_them(mode, make_live):
    env_hook, sub_hook = Receiver(), Receiver()
    try:
        live = make_live(mode, RECEIVE_WEBHOOK_URL=env_hook.url)
        harness = live.harness
        harness.register(A)
        harness.register(B)
        created = harness.client.post("/v1/webhooks",
                                      json={"url": sub_hook.url, "accounts": [A], "kinds": ["rate_limit"]})
        assert created.status_code == 201, created.data
        hub = get_services(harness.app).hub
        with_events = Client.connect(live.ws_url(f"/v1/receive/{A}?events=true&since=0"))
        plain = Client.connect(live.ws_url(f"/v1/receive/{A}?since=0"))
        sse = Stream(live, f"/api/v1/events?account={A}&events=true")
        sse_plain = Stream(live, f"/api/v1/events?account={A}")
        try:
            assert wait_for(lambda: hub.subscriber_count(A) == 4)
            impose(harness)
            assert send(harness, "hi").status_code == 429
            harness.send_direct(B, A, "between")
            challenge, between = frames(with_events, 2)
            assert submit(harness).status_code == 204
            (cleared,) = frames(with_events, 1)
            harness.send_direct(B, A, "last")

            assert challenge["event"] == "rate_limit_challenge" and "envelope" not in challenge
            assert challenge["challenge_tokens"] == [TOKEN] and challenge["retry_after_seconds"] == WAIT
            assert between["envelope"]["dataMessage"]["message"] == "between"
            assert cleared["event"] == "rate_limit_cleared"
            assert challenge["cursor"] < between["cursor"] < cleared["cursor"]
            assert [f["envelope"]["dataMessage"]["message"] for f in frames(plain, 2)] == ["between", "last"]

            first = sse.event()
            assert first["event"] == "rate_limit_challenge" and first["id"] == str(challenge["cursor"])
            assert json.loads(first["data"])["challenge_tokens"] == [TOKEN]
            assert [sse.event()["event"] for _ in range(3)] == ["receive", "rate_limit_cleared", "receive"]
            assert [sse_plain.event()["event"] for _ in range(2)] == ["receive", "receive"]
            # An EventSource reconnecting sends the last id it saw: the challenge comes again.
            resumed = Stream(live, f"/api/v1/events?account={A}&events=true",
                             headers={"Last-Event-ID": str(challenge["cursor"] - 1)})
            try:
                assert resumed.event()["id"] == str(challenge["cursor"])
            finally:
                resumed.close()
        finally:
            for client in (with_events, plain):
                client.close()
            sse.close()
            sse_plain.close()

        def methods(receiver: Receiver) -> list[str]:
            return [json.loads(body)["method"] for _, body, status in list(receiver.requests) if status == 200]

        assert wait_for(lambda: methods(sub_hook) == ["rate_limit_challenge", "rate_limit_cleared"]), methods(sub_hook)
        posted = json.loads(sub_hook.requests[0][1])["params"]
        assert (posted["account"], posted["challenge_tokens"]) == (A, [TOKEN])
        assert wait_for(lambda: len(methods(env_hook)) >= 2)
        time.sleep(0.5)  # anything queued for the env webhook would be due by now
        assert set(methods(env_hook)) == {"receive"}
        assert all("envelope" in json.loads(body)["params"] for _, body, _ in list(env_hook.requests))
    finally:
        env_hook.close()
        sub_hook.close()


def test_a_bad_events_flag_is_refused(pair):
    assert pair.client.get("/api/v1/events?events=yes").status_code == 400


def test_retention_and_positions_pass_over_events(tmp_path):
    inbox = Inbox(tmp_path / "inbox.db")
    try:
        inbox.store([{"event": "rate_limit_challenge", "account": A, "challenge_tokens": []}])
        inbox.store([{"envelope": {"sourceNumber": B, "timestamp": 1}, "account": A}])
        inbox.store([{"event": "rate_limit_cleared", "account": A}])
        taken = inbox.take("http", A)
        assert [m.cursor for m in taken] == [2] and inbox.position("http", A) == 2
        assert [m.event for m in inbox.after(A, 0, events=True)] == ["rate_limit_challenge", None, "rate_limit_cleared"]
        assert inbox.prune(max_age_seconds=3600, max_per_account=1) == 2
        assert [m.event for m in inbox.after(A, 0, events=True)] == ["rate_limit_cleared"]
    finally:
        inbox.close()


@pytest.mark.parametrize("results", [
    [{"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": True}],
    [{"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": -1}],
    [{"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": "60"}],
    [{"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": 10**30}],
    "not a list",
    [None, 7],
])
def test_a_wait_signal_cli_cannot_mean_gives_no_retry_after(results):
    error = RateLimitError("Failed to send message due to rate limiting", response={"results": results})
    assert error.retry_after_seconds is None


def test_a_rate_limit_without_send_results_is_no_challenge(tmp_path):
    inbox = Inbox(tmp_path / "inbox.db")
    try:
        events = AccountEvents(Intake(inbox))
        events.observe("register", A, RateLimitError("Rate limit reached"))
        events.observe("send", None, RateLimitError("x", response={"results": [{"type": "RATE_LIMIT_FAILURE"}]}))
        events.observe("submitRateLimitChallenge", A, RateLimitError("x"))
        assert inbox.count() == 0
        events.observe("send", A, RateLimitError("x", response={"results": [{"type": "RATE_LIMIT_FAILURE"}]}))
        events.observe("submitRateLimitChallenge", A, None)
        assert [m.event for m in inbox.after(A, 0, events=True)] == ["rate_limit_challenge", "rate_limit_cleared"]
    finally:
        inbox.close()


def test_the_longest_wait_of_the_results_wins():
    results = [{"type": "RATE_LIMIT_FAILURE", "token": "a", "retryAfterSeconds": 5},
               {"type": "RATE_LIMIT_FAILURE", "token": "b", "retryAfterSeconds": 50}]
    assert RateLimitError("x", response={"results": results}).retry_after_seconds == 50


printable = st.text(max_size=60)


@given(recipient=printable, token=printable, seconds=st.integers(0, 10**9), before=printable)
def test_the_wait_is_read_from_signal_clis_text_whatever_the_token(recipient, token, seconds, before):
    text = (f'{before}\nFailed to send (some) messages:\nCAPTCHA proof required for sending to "{recipient}", '
            f'available options "RECAPTCHA" with challenge token "{token}", or wait "{seconds}" seconds.\n'
            f"signal-cli submitRateLimitChallenge --challenge {token} --captcha CAPTCHA_TOKEN")
    found = retry_after_from_text(text)
    assert found is not None and found >= seconds
    if 'seconds' not in before + recipient + token:
        assert found == seconds
    assert RateLimitError(text).retry_after_seconds == found


@given(st.text())
def test_reading_any_text_never_raises(text):
    found = retry_after_from_text(text)
    assert found is None or 0 <= found
