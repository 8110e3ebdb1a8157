"""Webhook subscriptions (/v1/webhooks): filtering, per-subscription order and failure state, signatures, auth."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from signal_api.receive.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SUBSCRIPTION_HEADER,
    TIMESTAMP_HEADER,
    WebhookDispatcher,
    verify_signature,
)
from signal_api.services import get_services
from signal_api.storage.inbox import Inbox
from signal_api.storage.migrate import apply_migrations, available
from signal_api.storage.webhook_subscriptions import SubscriptionStore, envelope_kinds
from tests.access.conftest import bearer, secured_with_accounts
from tests.conftest import Harness
from tests.helpers import wait_for
from tests.test_webhooks import HANG, Receiver, message, unused_port

A = "+4915100000001"
B = "+4915100000002"


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Harness]:
    """One json-rpc app (messages arrive by themselves) with A and B registered, for the whole module."""
    harness = Harness("json-rpc", tmp_path_factory.mktemp("subscriptions"), RECEIVE_WEBHOOK_TIMEOUT="2").start()
    try:
        harness.register(A)
        harness.register(B)
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def receivers() -> Iterator:
    started: list[Receiver] = []

    def start(respond=lambda n: 200, port: int = 0) -> Receiver:
        receiver = Receiver(respond, port=port)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


def subscribe(api: Harness, url: str, **fields) -> dict:
    response = api.client.post("/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.data
    return response.json


def send(api: Harness, text: str, sender: str = A, recipient: str = B) -> int:
    response = api.client.post("/v2/send", json={"number": sender, "recipients": [recipient], "message": text})
    assert response.status_code == 201, response.data
    (entry,) = response.json  # a list by default (SEND_RESPONSE_FORMAT)
    return int(entry["timestamp"])


def shown(api: Harness, subscription_id: int) -> dict:
    response = api.client.get(f"/v1/webhooks/{subscription_id}")
    assert response.status_code == 200, response.data
    return response.json


def envelopes(receiver: Receiver) -> list[tuple[str, dict]]:
    """(account, envelope) of each POST the receiver answered with 2xx, in arrival order."""
    out = []
    for _, body, status in list(receiver.requests):
        if 200 <= status < 300:
            params = json.loads(body)["params"]
            out.append((params["account"], params["envelope"]))
    return out


def texts(receiver: Receiver) -> list[str]:
    return [envelope["dataMessage"]["message"] for _, envelope in envelopes(receiver) if "dataMessage" in envelope]


def test_create_show_list_and_delete(api, receivers):
    receiver = receivers()
    created = subscribe(api, receiver.url, accounts=[B], kinds=["message", "receipt"])
    assert created["secret"] and created["url"] == receiver.url
    assert (created["accounts"], created["kinds"]) == ([B], ["message", "receipt"])
    assert created["pending"] == 0 and created["consecutive_failures"] == 0

    listed = {item["id"]: item for item in api.client.get("/v1/webhooks").json}
    assert "secret" not in listed[created["id"]] and "secret" not in shown(api, created["id"])
    assert shown(api, created["id"])["url"] == receiver.url

    assert api.client.delete(f"/v1/webhooks/{created['id']}").status_code == 204
    for response in (api.client.get(f"/v1/webhooks/{created['id']}"), api.client.delete(f"/v1/webhooks/{created['id']}"),
                     api.client.get("/v1/webhooks/not-a-number"), api.client.get("/v1/webhooks/0")):
        assert response.status_code == 404 and response.json["error"], response.data
    assert created["id"] not in {item["id"] for item in api.client.get("/v1/webhooks").json}


def test_each_subscription_gets_only_its_accounts_and_kinds(api, receivers):
    b_messages, receipts, everything_of_a = receivers(), receivers(), receivers()
    b_sub = subscribe(api, b_messages.url, accounts=[B], kinds=["message"])
    receipt_sub = subscribe(api, receipts.url, kinds=["receipt"])
    a_sub = subscribe(api, everything_of_a.url, accounts=[A])

    hello = send(api, "hello")
    response = api.client.post(f"/v1/receipts/{B}", json={"recipient": A, "receipt_type": "read", "timestamp": hello})
    assert response.status_code == 204, response.data
    send(api, "bye")

    assert wait_for(lambda: len(envelopes(receipts)) == 1 and len(envelopes(everything_of_a)) == 1)
    assert wait_for(lambda: texts(b_messages) == ["hello", "bye"]), envelopes(b_messages)
    # Rows are queued when a message is stored: none pending means nothing more is on its way.
    assert wait_for(lambda: all(shown(api, sub["id"])["pending"] == 0 for sub in (b_sub, receipt_sub, a_sub)))
    (account, receipt), = envelopes(receipts)
    assert account == A and receipt["receiptMessage"]["timestamps"] == [hello]
    assert envelopes(everything_of_a) == [(A, receipt)]
    assert all(account == B and "receiptMessage" not in envelope for account, envelope in envelopes(b_messages))


def test_a_failing_endpoint_holds_back_only_its_own_subscription(api, receivers):
    failing, healthy = receivers(lambda n: 500), receivers()
    bad = subscribe(api, failing.url, accounts=[B])
    good = subscribe(api, healthy.url, accounts=[B])

    for i in range(4):
        send(api, f"m{i}")

    assert wait_for(lambda: texts(healthy) == ["m0", "m1", "m2", "m3"]), texts(healthy)
    assert [int(h[DELIVERY_HEADER]) for h, _, _ in healthy.requests] == sorted(
        int(h[DELIVERY_HEADER]) for h, _, _ in healthy.requests)
    assert wait_for(lambda: failing.calls() >= 2)
    state = shown(api, bad["id"])
    assert state["last_status"] == 500 and state["last_error"] == "HTTP 500"
    assert state["consecutive_failures"] >= 2 and state["pending"] == 4 and state["last_delivered_at"] is None
    # Every call to the failing endpoint was for its oldest message: its order holds too.
    assert len({h[DELIVERY_HEADER] for h, _, _ in failing.requests}) == 1
    assert wait_for(lambda: shown(api, good["id"])["pending"] == 0)
    state = shown(api, good["id"])
    assert (state["last_status"], state["last_error"], state["consecutive_failures"]) == (200, None, 0)
    assert state["last_delivered_at"] >= state["created_at"]
    api.client.delete(f"/v1/webhooks/{bad['id']}")  # its retries would go on for the rest of the module


def test_a_hanging_endpoint_holds_back_only_its_own_subscription(api, receivers):
    hanging, healthy = receivers(lambda n: HANG), receivers()
    stuck = subscribe(api, hanging.url, accounts=[B])
    subscribe(api, healthy.url, accounts=[B])

    for i in range(3):
        send(api, f"h{i}")

    assert hanging.hanging.wait(10)
    assert wait_for(lambda: texts(healthy) == ["h0", "h1", "h2"]), texts(healthy)
    assert texts(hanging) == []  # its calls hang until the 2 s RECEIVE_WEBHOOK_TIMEOUT
    assert shown(api, stuck["id"])["pending"] == 3
    api.client.delete(f"/v1/webhooks/{stuck['id']}")


def test_each_subscription_signs_with_its_own_secret(api, receivers):
    given_to, generated_for = receivers(), receivers()
    given = subscribe(api, given_to.url, accounts=[B], secret="a-secret-of-my-own")
    assert given["secret"] == "a-secret-of-my-own"
    generated = subscribe(api, generated_for.url, accounts=[B])

    send(api, "signed")

    for receiver, subscription, other in ((given_to, given, generated), (generated_for, generated, given)):
        assert wait_for(lambda receiver=receiver: texts(receiver) == ["signed"])
        (headers, body, _), = receiver.requests
        assert headers[SUBSCRIPTION_HEADER] == str(subscription["id"])
        assert verify_signature(subscription["secret"], headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
        assert not verify_signature(other["secret"], headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])


def test_a_deleted_subscription_gets_nothing_more(api, receivers):
    deleted_one, witness = receivers(), receivers()
    doomed = subscribe(api, deleted_one.url, accounts=[B])
    subscribe(api, witness.url, accounts=[B])
    send(api, "before")
    assert wait_for(lambda: texts(deleted_one) == ["before"] and texts(witness) == ["before"])

    assert api.client.delete(f"/v1/webhooks/{doomed['id']}").status_code == 204
    send(api, "after")

    assert wait_for(lambda: texts(witness) == ["before", "after"])
    assert texts(deleted_one) == ["before"] and deleted_one.calls() == 1
    rows = get_services(api.app).inbox.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = ?",
                                               (doomed["id"],))
    assert rows == [(0,)]


URL = "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.org/hook"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "http://user:pass@example.org/hook"}, "url"),
    ({"url": "http:///no-host"}, "url"),
    ({"url": "http://example.org:99999/"}, "url"),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
    ({"url": "http://[fd00:ec2::254]/"}, "url"),
    ({"url": "http://[::ffff:169.254.169.254]/"}, "url"),
    ({"url": "http://0.0.0.0/"}, "url"),
    ({"url": "http://example.org/" + "a" * 3000}, "url"),
    ({"url": "http://example.org/\u00e9"}, "url"),
    ({"url": 42}, "url"),
    ({}, "url"),
    ({"url": URL, "kinds": ["message", "telepathy"]}, "kinds.1"),
    ({"url": URL, "kinds": "message"}, "kinds"),
    ({"url": URL, "kinds": ["message"] * 50}, "kinds"),
    ({"url": URL, "accounts": ["4915100000001"]}, "accounts.0"),
    ({"url": URL, "accounts": [A, "+49 151 0000"]}, "accounts.1"),
    ({"url": URL, "accounts": [7]}, "accounts.0"),
    ({"url": URL, "accounts": [A] * 100_001}, "accounts"),
    ({"url": URL, "secret": "short"}, "secret"),
    ({"url": URL, "secret": "x" * 300}, "secret"),
    ({"url": URL, "secret": "sixteen chars\nand a newline"}, "secret"),
])
def test_hostile_input_is_a_400_naming_the_field(api, body, field):
    before = len(api.client.get("/v1/webhooks").json)
    response = api.client.post("/v1/webhooks", json=body)
    assert response.status_code == 400, response.data
    assert f"{field}:" in response.json["error"], response.json
    assert len(api.client.get("/v1/webhooks").json) == before


def test_a_body_that_is_no_object_is_a_400(api):
    for data in (b"", b"[]", b"not json", b'"http://x/"'):
        response = api.client.post("/v1/webhooks", data=data, content_type="application/json")
        assert response.status_code == 400 and response.json["error"], data


def test_pending_deliveries_of_a_subscription_survive_a_restart(make_api, tmp_path):
    port = unused_port()
    first = make_api("json-rpc")
    first.register(A)
    first.register(B)
    subscription = subscribe(first, f"http://127.0.0.1:{port}/hook", accounts=[B])
    send(first, "kept")  # the endpoint is down while the first service runs
    assert wait_for(lambda: shown(first, subscription["id"])["consecutive_failures"] >= 1)
    assert shown(first, subscription["id"])["pending"] == 1
    first.stop()

    revived = Receiver(port=port)
    try:
        second = make_api("json-rpc", root=tmp_path)
        assert wait_for(lambda: texts(revived) == ["kept"], timeout=30)
        assert wait_for(lambda: shown(second, subscription["id"])["pending"] == 0)
    finally:
        revived.close()


def test_the_address_connected_to_is_checked(tmp_path, receivers):
    receiver = receivers()
    inbox = Inbox(tmp_path / "db")
    subscription = SubscriptionStore(inbox).create(receiver.url, "s" * 16)
    inbox.store([message(A, "to loopback")])
    dispatcher = WebhookDispatcher(inbox, receiver.url, secret=subscription.secret, timeout=2, max_attempts=3,
                                   subscription_id=subscription.id, listen=False,
                                   address_check=lambda peer: "forbidden by this test" if peer == "127.0.0.1" else None)

    assert dispatcher.deliver_due() == 0
    assert receiver.calls() == 0
    state = SubscriptionStore(inbox).get(subscription.id)
    assert state.last_error == "refused to connect to 127.0.0.1: forbidden by this test"
    assert (state.last_status, state.consecutive_failures, state.pending) == (None, 1, 1)


def test_envelope_kinds_follow_signal_clis_keys():
    def kinds(**envelope):
        return envelope_kinds({"envelope": envelope, "account": A})

    assert kinds(dataMessage={"message": "hi"}) == ["message"]
    assert kinds(dataMessage={"message": None, "reaction": {"emoji": "👍"}}) == ["reaction"]
    assert kinds(editMessage={}, receiptMessage={}, typingMessage={}, syncMessage={}, callMessage={},
                 storyMessage={}) == ["edit", "receipt", "typing", "sync", "call", "story"]
    assert kinds(source="+49") == ["other"]
    assert envelope_kinds({"exception": {"message": "bad mac"}}) == ["other"]


def test_migration_6_keeps_pending_env_webhook_deliveries(tmp_path):
    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    for number, path in available()[:5]:
        db.executescript(f"BEGIN; {path.read_text()}; PRAGMA user_version = {number}; COMMIT;")
    db.execute("INSERT INTO messages (account, received_at, payload) VALUES (?, 1, '{}')", (A,))
    db.execute("INSERT INTO webhook_deliveries (message_id, attempts, next_attempt, state) VALUES (1, 2, 5, 'pending')")

    assert 6 in apply_migrations(db)
    assert db.execute("SELECT subscription_id, message_id, attempts, state FROM webhook_deliveries").fetchall() \
        == [(0, 1, 2, "pending")]


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    with secured_with_accounts(tmp_path_factory.mktemp("secured-subscriptions")) as app:
        yield app


def test_a_token_for_some_accounts_subscribes_and_sees_only_those(secured):
    only_a = secured.token("only-a", accounts=[A], scopes=["admin"])
    only_b = secured.token("only-b", accounts=[B], scopes=["admin"])
    post = lambda token, **body: secured.client.post("/v1/webhooks", json={"url": URL, **body}, headers=bearer(token))

    for body in ({"accounts": [B]}, {"accounts": [A, B]}, {}, {"accounts": []}):
        response = post(only_a, **body)
        assert response.status_code == 403 and response.json["error"], (body, response.data)
    mine = post(only_a, accounts=[A])
    assert mine.status_code == 201, mine.data
    assert mine.json["created_by"] == "only-a"
    everyone = post(secured.admin)
    assert everyone.status_code == 201 and everyone.json["accounts"] == []

    listed = lambda token: [s["id"] for s in secured.client.get("/v1/webhooks", headers=bearer(token)).json]
    assert listed(only_a) == [mine.json["id"]] and listed(only_b) == []
    assert set(listed(secured.admin)) == {mine.json["id"], everyone.json["id"]}
    for token, subscription_id in ((only_b, mine.json["id"]), (only_a, everyone.json["id"])):
        for method in ("GET", "DELETE"):
            response = secured.client.open(f"/v1/webhooks/{subscription_id}", method=method, headers=bearer(token))
            assert response.status_code == 403, (method, response.data)
    assert secured.client.delete(f"/v1/webhooks/{mine.json['id']}", headers=bearer(only_a)).status_code == 204
    no_scope = secured.token("a-send", accounts=[A], scopes=["send"])
    assert post(no_scope, accounts=[A]).status_code == 403
