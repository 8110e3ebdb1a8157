"""Requests that make sense on a simulator with three registered accounts, for the fuzzing runs.

The account, a peer and a spare account are registered; the peer is in a group of the account.
"""
from __future__ import annotations

import base64
import json
import logging
import tempfile
from typing import Any

import requests
from hypothesis import strategies as st

from signal_api.app import create_app
from tests.conftest import VERIFICATION_CODE, LiveServer

ACCOUNT = "+4915100000001"
PEER = "+4915100000002"
SPARE = "+4915100000003"
NEWCOMER = "+4915100000004"  # registered by the register/verify cases, unregistered after each
OUTSIDER = "+4915100000099"  # a peer outside this service, added to and removed from the group
ATTACHMENT = "fuzz-attachment.png"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2213c"
    "a30000000049454e44ae426082"
)
RATE_LIMITED_PEER = "+99700000001"  # the simulator answers RATE_LIMIT_FAILURE for +997…
UNREGISTERED_PEER = "+99900000001"  # … and UNREGISTERED_FAILURE for +999…
# Body fields naming people: usually the peer, sometimes one the simulator fails to reach.
PEOPLE = st.sampled_from([PEER, PEER, PEER, RATE_LIMITED_PEER, UNREGISTERED_PEER])
REALISTIC_BODY = {
    "number": st.just(ACCOUNT),
    "recipient": PEOPLE,
    "recipients": st.lists(PEOPLE, min_size=1, max_size=2),
    "target_author": PEOPLE,
    "poll_author": PEOPLE,
    "members": st.lists(PEOPLE, min_size=1, max_size=2),
    "admins": st.just([PEER]),
}

TIMESTAMP = 1769271479000
PACK = {"pack_id": "9a32eda01a7a28574f2eb48668ae0dc4",
        "pack_key": "19546e18eba0ff69dea78eb591465289d39e16f35e58389ae779d4f9455aff3a"}


# A subscription whose receiver never answers (the discard port): delivery is retried in the
# background and never reaches a request's answer.
WEBHOOK = {"url": "http://127.0.0.1:9/signal-hook", "accounts": [ACCOUNT], "kinds": ["message"]}


def realistic_bodies(group: str, invite: str = "") -> dict[tuple[str, str], list[Any]]:
    """Requests that succeed (or fail only in the backend), per operation: the success paths.

    ``group`` is the REST id of a group the account is an admin of, with the peer in it;
    ``invite`` its invite link.
    """
    return {
        ("POST", "/v1/configuration/{number}/settings"): [{"trust_mode": "on-first-use"}],
        ("DELETE", "/v1/devices/{number}/local-data"): [{"ignore_registered": True}],
        ("POST", "/v1/unregister/{number}"): [{"delete_local_data": True}],
        ("POST", "/v1/accounts/{number}/username"): [{"username": "fuzz"}],
        ("POST", "/v1/accounts/{number}/rate-limit-challenge"): [
            {"challenge_token": "token", "captcha": "signalcaptcha://captcha"}],
        ("POST", "/v1/accounts/{number}/pin"): [{"pin": "1234"}],
        # A linked device record (device 2, removed again by DELETE /v1/devices/{number}/2).
        ("POST", "/v1/devices/{number}"): [{"uri": "sgnl://linkdevice?uuid=fuzz&pub_key=BfuzzKey"}],
        ("POST", "/v2/send"): [
            {"number": ACCOUNT, "recipients": [PEER], "message": "Hello *world*", "text_mode": "styled"},
            {"number": ACCOUNT, "recipients": [group], "message": "to the group"},
            {"number": ACCOUNT, "recipients": [PEER, UNREGISTERED_PEER], "message": "partly failing"},
            {"number": ACCOUNT, "recipients": [RATE_LIMITED_PEER], "message": "rate limited"},
        ],
        ("POST", "/v1/send"): [{"number": ACCOUNT, "recipients": [PEER], "message": "v1"}],
        ("POST", "/v1/groups/{number}"): [{"name": "fuzz 2", "members": [PEER]}],
        ("PUT", "/v1/groups/{number}/{groupid}"): [{"description": "fuzzed", "expiration_time": 0}],
        ("POST", "/v1/groups/{number}/{groupid}/members"): [{"members": [OUTSIDER]}],
        ("DELETE", "/v1/groups/{number}/{groupid}/members"): [{"members": [OUTSIDER]}],
        ("POST", "/v1/groups/{number}/{groupid}/admins"): [{"admins": [PEER]}],
        ("DELETE", "/v1/groups/{number}/{groupid}/admins"): [{"admins": [PEER]}],
        ("POST", "/v1/groups/{number}/{groupid}/pin-message"): [{"target_author": PEER, "timestamp": TIMESTAMP}],
        ("DELETE", "/v1/groups/{number}/{groupid}/pin-message"): [{"target_author": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/reactions/{number}"): [
            {"recipient": PEER, "reaction": "👍", "target_author": PEER, "timestamp": TIMESTAMP}],
        ("DELETE", "/v1/reactions/{number}"): [{"recipient": PEER, "target_author": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/receipts/{number}"): [{"recipient": PEER, "receipt_type": "read", "timestamp": TIMESTAMP}],
        ("PUT", "/v1/typing-indicator/{number}"): [{"recipient": PEER}],
        ("DELETE", "/v1/typing-indicator/{number}"): [{"recipient": group}],
        ("DELETE", "/v1/remote-delete/{number}"): [{"recipient": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/polls/{number}"): [{"recipient": PEER, "question": "Fruit?", "answers": ["apple", "pear"]}],
        ("POST", "/v1/polls/{number}/vote"): [
            {"recipient": PEER, "poll_author": PEER, "poll_timestamp": str(TIMESTAMP), "selected_answers": [1]}],
        ("DELETE", "/v1/polls/{number}"): [{"recipient": PEER, "poll_timestamp": TIMESTAMP}],
        ("PUT", "/v1/contacts/{number}"): [{"recipient": PEER, "name": "Peer", "expiration_in_seconds": 0}],
        ("PUT", "/v1/profiles/{number}"): [{"name": "Fuzz", "about": "fuzzing"}],
        ("PUT", "/v1/identities/{number}/trust/{numberToTrust}"): [{"trust_all_known_keys": True}],
        ("POST", "/v1/sticker-packs/{number}"): [PACK],
        ("POST", "/v1/contacts/{number}/{uuid}/message-request"): [{"response": "accept"}],
        ("POST", "/v1/groups/{number}/{groupid}/message-request"): [{"response": "accept"}],
        # The account joins its own group again: signal-cli answers with the group, nothing sent.
        ("POST", "/v1/groups/{number}/join-by-link"): [{"uri": invite}],
        ("PUT", "/v1/accounts/{number}/configuration"): [{"read_receipts": True, "link_previews": False}],
        ("POST", "/v1/webhooks"): [WEBHOOK],
    }


REALISTIC_QUERIES = {
    ("GET", "/v1/qrcodelink"): [{"device_name": "fuzz"}],
    ("GET", "/v1/qrcodelink/raw"): [{"device_name": "fuzz"}],
    ("GET", "/v1/search/{number}"): [{"numbers": [PEER, UNREGISTERED_PEER]}],
    ("GET", "/v1/search"): [{"numbers": [PEER], "number": ACCOUNT}],
    ("GET", "/v1/receive/{number}"): [{"timeout": 1}],
}




# Operations whose {number} is the spare account: they unregister it or delete its data.
SPARE_OPERATIONS = {
    ("POST", "/v1/unregister/{number}"),
    ("DELETE", "/v1/devices/{number}/local-data"),
}
# Operations whose {number} is the newcomer: registering it (registering the account again would
# leave it waiting for a verification code).
NEWCOMER_OPERATIONS = {
    ("POST", "/v1/register/{number}"),
    ("POST", "/v1/register/{number}/verify/{token}"),
}
# Operations after which the account may no longer be an active member of its group.
GROUP_LEAVING_OPERATIONS = {
    ("DELETE", "/v1/groups/{number}/{groupid}"),
    ("POST", "/v1/groups/{number}/{groupid}/quit"),
    ("POST", "/v1/groups/{number}/{groupid}/block"),
    ("DELETE", "/v1/groups/{number}/{groupid}/members"),
}

class ServerErrors(logging.Handler):
    """The errors the service logs (an unhandled exception's traceback among them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(logging.Formatter().format(record))



class World:
    """The live server and the things that exist on it (re-created when a case removes them)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"
        self.session = requests.Session()
        self.config_dir = server.harness.config_dir
        (self.config_dir / "simulator").mkdir(parents=True, exist_ok=True)
        (self.config_dir / "simulator" / "faults.json").write_text(json.dumps({"link_timeout": 2}))
        for number in (ACCOUNT, PEER, SPARE):
            self.register(number)
        # The peer's profile avatar, for GET /v1/contacts/{number}/{uuid}/avatar.
        response = self.session.put(f"{self.base}/v1/profiles/{PEER}", timeout=60,
                                    json={"name": "Peer", "base64_avatar": base64.b64encode(PNG).decode()})
        assert response.status_code == 204, response.text
        self.group = ""
        self.invite = ""
        self.errors = ServerErrors()
        self.ensure_group()
        self.ensure_attachment()
        self.webhook_id = 0
        self.ensure_webhook()
        for text in ("first", "second"):
            self.post("/v2/send", {"number": PEER, "recipients": [ACCOUNT], "message": text})

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=60)

    def register(self, number: str) -> None:
        self.post(f"/v1/register/{number}")
        self.post(f"/v1/register/{number}/verify/{VERIFICATION_CODE}")
        assert number in self.session.get(self.base + "/v1/accounts", timeout=60).json()

    def ensure_group(self) -> None:
        """A group the account is an active member of (a case may have left or blocked it)."""
        groups = self.session.get(f"{self.base}/v1/groups/{ACCOUNT}", timeout=60).json()
        if any(g["id"] == self.group and g["member"] and not g["blocked"] for g in groups):
            return
        response = self.post(f"/v1/groups/{ACCOUNT}", {"name": "fuzz", "members": [PEER]})
        assert response.status_code == 201, response.text
        self.group = response.json()["id"]
        response = self.session.put(f"{self.base}/v1/groups/{ACCOUNT}/{self.group}", timeout=60,
                                    json={"base64_avatar": base64.b64encode(PNG).decode(),
                                          "group_link": "enabled"})
        assert response.status_code == 204, response.text
        response = self.session.get(f"{self.base}/v1/groups/{ACCOUNT}/{self.group}", timeout=60)
        self.invite = response.json()["invite_link"]
        # A second admin, so that the account may leave the group.
        response = self.post(f"/v1/groups/{ACCOUNT}/{self.group}/admins", {"admins": [PEER]})
        assert response.status_code == 204, response.text

    def ensure_webhook(self) -> None:
        """A webhook subscription, for the routes that read or remove one."""
        response = self.post("/v1/webhooks", WEBHOOK)
        assert response.status_code == 201, response.text
        self.webhook_id = response.json()["id"]

    def ensure_attachment(self) -> None:
        folder = self.config_dir / "attachments"
        folder.mkdir(exist_ok=True)
        (folder / ATTACHMENT).write_bytes(PNG)

    def restore(self, method: str, path: str, status: int) -> None:
        """Undo what a successful request to the operation ``(method, path)`` may have destroyed."""
        if not 200 <= status < 300:
            return
        key = (method, path)
        if key in SPARE_OPERATIONS:
            self.register(SPARE)
        if key == ("POST", "/v1/register/{number}/verify/{token}"):
            response = self.post(f"/v1/unregister/{NEWCOMER}", {"delete_local_data": True})
            # A 2xx is a real verification: a token such as "--help" reaches signal-cli as a value,
            # never as an option that skips verifying (issue 8 item 1).
            assert response.status_code == 204, response.text
        if key in GROUP_LEAVING_OPERATIONS:
            self.ensure_group()
        if key == ("DELETE", "/v1/attachments/{attachment}"):
            self.ensure_attachment()
        if key == ("DELETE", "/v1/webhooks/{webhook_id}"):
            self.ensure_webhook()

    def realistic_path(self, operation_key: tuple[str, str]) -> dict[str, Any]:
        """The value each path parameter usually takes."""
        number = ACCOUNT
        if operation_key in SPARE_OPERATIONS:
            number = SPARE
        elif operation_key in NEWCOMER_OPERATIONS:
            number = NEWCOMER
        return {
            "number": number,
            "groupid": self.group,
            "uuid": PEER,
            "numberToTrust": PEER,
            "attachment": ATTACHMENT,
            "token": VERIFICATION_CODE,
            "deviceId": "2",
            "webhook_id": self.webhook_id,
        }


def load_spec() -> dict[str, Any]:
    """The spec, as the app serves it (no server needed: collection builds one test per operation)."""
    with tempfile.TemporaryDirectory() as root:
        app = create_app({"SIGNAL_API_DATA_DIR": root, "SIGNAL_CLI_CONFIG_DIR": f"{root}/cfg"})
        return app.test_client().get("/swagger/doc.json").json
