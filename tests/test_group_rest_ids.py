"""Received group messages carry the REST group id (``groupRestId``) next to signal-cli's ``groupId``.

End to end in every mode: a group message and a group typing indicator from another account reach
the receiving account's clients by GET /v1/receive, the WebSocket, the history and the webhook,
and each of them finds the id that /v2/send and the group routes take. Plus the shapes the
simulator does not produce, and messages stored before the key existed.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from simple_websocket import Client

from signal_api.storage.inbox import Inbox
from signal_api.translate.received import with_rest_group_ids
from tests.conftest import MODES
from tests.helpers import wait_for

A = "+4915100000001"
B = "+4915100000002"
INTERNAL = base64.b64encode(bytes(range(32))).decode()
REST = "group." + base64.b64encode(INTERNAL.encode()).decode()


class Webhook:
    """A webhook endpoint on localhost that keeps every notification it got."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                hook.notifications.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    endpoint = Webhook()
    yield endpoint
    endpoint.close()


def group_parts(messages: list[dict]) -> tuple[dict | None, dict | None]:
    """The ``groupInfo`` of the "hello group" message and the group ``typingMessage``, if there."""
    info = typing = None
    for message in messages:
        envelope = message["envelope"]
        data = envelope.get("dataMessage") or {}
        if data.get("message") == "hello group":
            info = data["groupInfo"]
        if "typingMessage" in envelope:
            typing = envelope["typingMessage"]
    return info, typing


def ws_frames_until_complete(client: Client, timeout: float = 20) -> list[dict]:
    got: list[dict] = []
    end = time.monotonic() + timeout
    while None in group_parts(got) and time.monotonic() < end:
        data = client.receive(timeout=max(0.0, end - time.monotonic()))
        if data is not None:
            got.append(json.loads(data))
    return got


@pytest.mark.parametrize("mode", MODES)
def test_every_way_a_group_message_reaches_a_client_carries_the_rest_id(make_live, webhook, mode):
    live = make_live(mode, RECEIVE_WEBHOOK_URL=webhook.url)
    api = live.harness
    api.register(A)
    api.register(B)
    # ?since: this socket does not take the messages, so GET /v1/receive still gets them.
    socket = Client.connect(live.ws_url(f"/v1/receive/{B}?since=0"))
    try:
        created = api.client.post(f"/v1/groups/{A}", json={"name": "Team", "members": [B]})
        assert created.status_code == 201, created.json
        group_id = created.json["id"]
        internal = base64.b64decode(group_id.removeprefix("group.")).decode()
        sent = api.client.post("/v2/send", json={"number": A, "recipients": [group_id], "message": "hello group"})
        assert sent.status_code == 201, sent.json
        typing = api.client.put(f"/v1/typing-indicator/{A}", json={"recipient": group_id})
        assert typing.status_code == 204, typing.json

        by_socket = ws_frames_until_complete(socket)
        by_get = api.receive(B, count=3)
        history = api.client.get(f"/v1/messages/{B}").json
        assert wait_for(lambda: None not in group_parts([n["params"] for n in webhook.notifications]))
        by_webhook = [n["params"] for n in webhook.notifications]
    finally:
        socket.close()

    for way, messages in (("GET", by_get), ("WebSocket", by_socket), ("history", history),
                          ("webhook", by_webhook)):
        info, typing_message = group_parts(messages)
        assert info == {"groupId": internal, "groupRestId": group_id, "groupName": "Team", "revision": 0,
                        "type": "DELIVER"}, way
        assert (typing_message["groupId"], typing_message["groupRestId"]) == (internal, group_id), way
        assert list(info) == ["groupId", "groupRestId", "groupName", "revision", "type"], way
    # The id a client finds is the one the API takes: answer in the group with it.
    rest_id = group_parts(by_get)[0]["groupRestId"]
    reply = api.client.post("/v2/send", json={"number": B, "recipients": [rest_id], "message": "re"})
    assert reply.status_code == 201, reply.json


def test_every_group_id_of_an_envelope_gets_its_rest_form():
    group_info = {"groupId": INTERNAL, "groupName": "Team", "revision": 3, "type": "DELIVER"}
    payload = {"account": A, "envelope": {
        "source": B, "timestamp": 1,
        "editMessage": {"targetSentTimestamp": 1, "dataMessage": {"message": "e", "groupInfo": dict(group_info)}},
        "syncMessage": {"sentMessage": {"destination": None, "message": "s", "groupInfo": dict(group_info),
                                        "editMessage": {"dataMessage": {"groupInfo": dict(group_info)}}},
                        "blockedGroupIds": [INTERNAL], "sentStoryMessage": {"groupId": INTERNAL}},
        "storyMessage": {"allowsReplies": True, "groupId": INTERNAL},
        "typingMessage": {"action": "STARTED", "timestamp": 1, "groupId": INTERNAL},
    }}
    original = json.loads(json.dumps(payload))

    out = with_rest_group_ids(payload)["envelope"]

    assert payload == original  # what the inbox stores is never changed
    sync = out["syncMessage"]
    for holder in (out["editMessage"]["dataMessage"]["groupInfo"], sync["sentMessage"]["groupInfo"],
                   sync["sentMessage"]["editMessage"]["dataMessage"]["groupInfo"], sync["sentStoryMessage"],
                   out["storyMessage"], out["typingMessage"]):
        assert (holder["groupId"], holder["groupRestId"]) == (INTERNAL, REST)
    assert (sync["blockedGroupIds"], sync["blockedGroupRestIds"]) == ([INTERNAL], [REST])


def test_a_message_without_a_group_is_handed_out_unchanged():
    payload = {"account": A, "envelope": {"source": B, "timestamp": 1,
                                          "dataMessage": {"message": "hi", "groupInfo": None},
                                          "typingMessage": {"action": "STOPPED", "timestamp": 1}}}
    assert with_rest_group_ids(payload) == payload


def test_messages_stored_before_get_the_rest_id_when_handed_out(tmp_path):
    inbox = Inbox(tmp_path / "inbox.db")
    payload = {"account": B, "envelope": {"source": A, "sourceDevice": 1, "timestamp": 5,
                                          "dataMessage": {"message": "old", "groupInfo": {"groupId": INTERNAL}}}}
    inbox.store([payload])
    inbox.close()

    reopened = Inbox(tmp_path / "inbox.db")
    (stored,) = reopened.after(B, 0)
    (raw,) = reopened.execute("SELECT payload FROM messages")
    assert "groupRestId" not in raw[0]  # the row keeps what signal-cli printed
    assert stored.frame()["envelope"]["dataMessage"]["groupInfo"] == {"groupId": INTERNAL, "groupRestId": REST}
    assert json.loads(stored.frame_text) == stored.frame()
    reopened.close()
