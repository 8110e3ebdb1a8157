"""The table of requests sent to both services, and the bad variants derived from it.

Each route of the original has one :data:`ROUTES` row: its good request (path, query, body) and
the body fields the original requires. :func:`all_cases` derives from each row the bad requests
its validation has: an empty body, invalid JSON, ``{}``, each required field missing, a wrong JSON
type for each field of the good body, an unregistered and a malformed account number, an unknown
group id, and a wrong method per path. :data:`EXTRA` adds requests the derivation cannot make
(query parameters, numbers inside bodies, values with meaning).

Placeholders in paths, queries and bodies (``{A}``, ``{G}``, ...) are filled per service from
:func:`placeholders`, so each service is asked about its own (identical) seeded state.

Rows with ``last=True`` change the state others depend on (unregister, delete, quit, remove
device...): they run after every other case, their good requests first (a bad variant the
original accepts, such as an empty body on unregister, would otherwise take the good one's state).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Numbers: A and B are registered locally, N is a number nobody registered, BAD is no number.
A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"  # registered, for unregister
D = "+4915100000004"  # registered, for deleting the local data
N = "+4915100000009"
BAD = "12345"
UNKNOWN_GROUP = "group.dW5rbm93bmdyb3Vw"  # base64 of "unknowngroup": not a group of anyone
PEER = "+4930123456"  # an outside peer on the simulated network

@dataclass(frozen=True)
class Case:
    """One request, sent in the same form to both services."""

    id: str
    method: str
    path: str
    body: Any = None  # JSON value, or a str when ``raw`` (sent as is), or None for no body
    raw: bool = False
    last: bool = False
    modes: tuple[str, ...] = ("normal", "json-rpc")

    def render(self, values: dict[str, str]) -> tuple[str, str, bytes | None]:
        """Method, path with query, and body bytes for a service whose placeholders are ``values``."""
        path = _fill(self.path, values)
        if self.body is None:
            return self.method, path, None
        if self.raw:
            return self.method, path, _fill(self.body, values).encode()
        return self.method, path, json.dumps(_fill(self.body, values)).encode()


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Route:
    """A route of the original and its good request."""

    method: str
    path: str  # with placeholders, e.g. /v1/groups/{A}/{G}
    body: dict | None = None
    required: tuple[str, ...] = ()
    name: str = ""
    last: bool = False
    modes: tuple[str, ...] = ("normal", "json-rpc")


R = Route
ROUTES: list[Route] = [
    # First, so that what B receives is the seeded state's messages only, the same on both sides.
    R("GET", "/v1/receive/{B}?timeout=1"),
    R("GET", "/v1/about"),
    R("GET", "/v1/health"),
    R("GET", "/v1/accounts"),
    R("GET", "/v1/configuration"),
    R("POST", "/v1/configuration", {"logging": {"Level": "info"}}, ("logging",)),
    R("GET", "/v1/configuration/{A}/settings"),
    R("POST", "/v1/configuration/{A}/settings", {"trust_mode": "always"}, ("trust_mode",)),
    R("POST", "/v1/accounts/{A}/pin", {"pin": "1234"}, ("pin",)),
    R("DELETE", "/v1/accounts/{A}/pin"),
    R("POST", "/v1/accounts/{A}/rate-limit-challenge", {"challenge_token": "tok", "captcha": "cap"},
      ("challenge_token", "captcha")),
    R("PUT", "/v1/accounts/{A}/settings", {"discoverable_by_number": True, "share_number": False}),
    R("POST", "/v1/accounts/{A}/username", {"username": "alice.42"}, ("username",)),
    R("DELETE", "/v1/accounts/{A}/username"),
    R("GET", "/v1/attachments"),
    R("GET", "/v1/attachments/{ATT}"),
    R("GET", "/v1/contacts/{A}"),
    R("PUT", "/v1/contacts/{A}", {"recipient": B, "name": "Bobby", "expiration_in_seconds": 60}, ("recipient",)),
    R("POST", "/v1/contacts/{A}/sync"),
    R("GET", "/v1/contacts/{A}/{BU}"),
    R("GET", "/v1/contacts/{A}/{BU}/avatar"),
    R("GET", "/v1/devices/{A}"),
    R("POST", "/v1/devices/{A}", {"uri": "sgnl://linkdevice?uuid=abc&pub_key=def"}, ("uri",)),
    R("GET", "/v1/groups/{A}"),
    R("POST", "/v1/groups/{A}", {"name": "New group", "members": [B], "description": "d",
                                 "expiration_time": 0, "group_link": "disabled",
                                 "permissions": {"add_members": "only-admins", "edit_group": "every-member"}},
      ("name",)),
    R("GET", "/v1/groups/{A}/{G}"),
    R("PUT", "/v1/groups/{A}/{G}", {"name": "Renamed", "description": "desc", "expiration_time": 0}),
    R("POST", "/v1/groups/{A}/{G}/admins", {"admins": [B]}, ("admins",)),
    R("DELETE", "/v1/groups/{A}/{G}/admins", {"admins": [B]}, ("admins",)),
    R("GET", "/v1/groups/{A}/{G}/avatar"),
    R("POST", "/v1/groups/{A}/{G}/members", {"members": [PEER]}, ("members",)),
    R("DELETE", "/v1/groups/{A}/{G}/members", {"members": [PEER]}, ("members",)),
    R("POST", "/v1/groups/{A}/{G}/pin-message", {"target_author": B, "timestamp": 1700000000000, "duration": 0},
      ("target_author", "timestamp")),
    R("DELETE", "/v1/groups/{A}/{G}/pin-message", {"target_author": B, "timestamp": 1700000000000},
      ("target_author", "timestamp")),
    R("POST", "/v1/groups/{B}/{G}/join"),
    R("GET", "/v1/identities/{A}"),
    R("PUT", "/v1/identities/{A}/trust/{B}", {"trust_all_known_keys": True}),
    R("POST", "/v1/polls/{A}", {"recipient": B, "question": "Tea?", "answers": ["yes", "no"],
                                "allow_multiple_selections": False}, ("recipient", "question", "answers")),
    R("POST", "/v1/polls/{A}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "1700000000000",
                                     "selected_answers": [1]},
      ("recipient", "poll_author", "poll_timestamp", "selected_answers")),
    R("DELETE", "/v1/polls/{A}", {"recipient": B, "poll_timestamp": "1700000000000"}, ("recipient", "poll_timestamp")),
    R("PUT", "/v1/profiles/{A}", {"name": "Alice", "about": "hi"}, ("name",)),
    R("GET", "/v1/qrcodelink?device_name=diff"),
    R("GET", "/v1/qrcodelink/raw?device_name=diff"),
    R("POST", "/v1/reactions/{A}", {"recipient": B, "reaction": "👍", "target_author": B, "timestamp": 1700000000000},
      ("recipient", "reaction", "target_author", "timestamp")),
    R("DELETE", "/v1/reactions/{A}", {"recipient": B, "reaction": "👍", "target_author": B,
                                      "timestamp": 1700000000000},
      ("recipient", "target_author", "timestamp")),
    R("POST", "/v1/receipts/{A}", {"recipient": B, "receipt_type": "read", "timestamp": 1700000000000},
      ("recipient", "receipt_type", "timestamp")),
    R("POST", "/v1/register/{N}", {"use_voice": False}),
    R("POST", "/v1/register/{N}/verify/123456", {"pin": "1234"}),
    R("DELETE", "/v1/remote-delete/{A}", {"recipient": B, "timestamp": 1700000000000}, ("recipient", "timestamp")),
    R("GET", "/v1/search/{A}?numbers=%2B4915100000002"),
    R("GET", "/v1/search?numbers=%2B4915100000002", name="search-without-account"),
    R("POST", "/v1/send", {"number": A, "recipients": [B], "message": "v1 hello", "is_group": False},
      ("number", "recipients", "message")),
    R("POST", "/v2/send", {"number": A, "recipients": [B], "message": "v2 hello", "notify_self": False,
                           "text_mode": "normal", "view_once": False},
      ("number", "recipients", "message")),
    R("GET", "/v1/sticker-packs/{A}"),
    R("POST", "/v1/sticker-packs/{A}", {"pack_id": "0123456789abcdef0123456789abcdef",
                                        "pack_key": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
      ("pack_id", "pack_key")),
    R("PUT", "/v1/typing-indicator/{A}", {"recipient": B}, ("recipient",)),
    R("DELETE", "/v1/typing-indicator/{A}", {"recipient": B}, ("recipient",)),
    # Destructive: they run last, each on state nothing after them needs.
    R("POST", "/v1/groups/{A}/{G2}/block", last=True),
    R("POST", "/v1/groups/{B}/{G3}/quit", last=True),
    R("DELETE", "/v1/groups/{A}/{G2}", last=True),
    R("DELETE", "/v1/attachments/{ATT}", last=True),
    R("DELETE", "/v1/devices/{C}/2", last=True),
    R("POST", "/v1/unregister/{C}", {"delete_account": False, "delete_local_data": False}, last=True),
    R("DELETE", "/v1/devices/{D}/local-data", {"ignore_registered": False}, last=True),
]

# Requests the derivation cannot make.
EXTRA: list[Case] = [
    Case("receive-max-messages", "GET", "/v1/receive/{A}?timeout=1&max_messages=1"),
    Case("contacts-all-recipients", "GET", "/v1/contacts/{A}?all_recipients=true"),
    Case("contact-all-recipients", "GET", "/v1/contacts/{A}/{BU}?all_recipients=true"),
    Case("contact-unknown-uuid", "GET", "/v1/contacts/{A}/00000000-0000-4000-8000-000000000000"),
    Case("groups-expand", "GET", "/v1/groups/{A}?expand=true"),
    Case("group-expand", "GET", "/v1/groups/{A}/{G}?expand=true"),
    Case("group-internal-id", "GET", "/v1/groups/{A}/{GI}"),
    Case("search-plus-unencoded", "GET", "/v1/search/{A}?numbers=+4915100000002"),
    Case("search-two-numbers", "GET", "/v1/search/{A}?numbers=%2B4915100000002&numbers=%2B4930123456"),
    Case("search-no-numbers", "GET", "/v1/search/{A}"),
    Case("search-malformed-number", "GET", "/v1/search/{A}?numbers=12345"),
    Case("qrcodelink-no-device-name", "GET", "/v1/qrcodelink"),
    Case("qrcodelink-raw-no-device-name", "GET", "/v1/qrcodelink/raw"),
    Case("qrcodelink-version", "GET", "/v1/qrcodelink?device_name=diff&qrcode_version=5"),
    Case("qrcodelink-bad-version", "GET", "/v1/qrcodelink?device_name=diff&qrcode_version=x"),
    Case("receive-bad-timeout", "GET", "/v1/receive/{B}?timeout=x"),
    Case("attachment-unknown", "GET", "/v1/attachments/doesnotexist"),
    Case("attachment-traversal", "GET", "/v1/attachments/..%2Fdata%2Faccounts.json"),
    Case("group-avatar-unknown-group", "GET", "/v1/groups/{A}/{UG}/avatar"),
    Case("configuration-level-error", "POST", "/v1/configuration", {"logging": {"Level": "error"}}),
    Case("configuration-after-error", "GET", "/v1/configuration"),
    Case("configuration-level-debug", "POST", "/v1/configuration", {"logging": {"Level": "debug"}}),
    Case("configuration-level-bad", "POST", "/v1/configuration", {"logging": {"Level": "loud"}}),
    Case("trust-mode-bad", "POST", "/v1/configuration/{A}/settings", {"trust_mode": "sometimes"}),
    Case("trust-mode-after", "GET", "/v1/configuration/{A}/settings"),
    Case("send-v2-group", "POST", "/v2/send", {"number": A, "recipients": ["{G}"], "message": "to group"}),
    Case("send-v2-unknown-group", "POST", "/v2/send", {"number": A, "recipients": [UNKNOWN_GROUP], "message": "x"}),
    Case("send-v2-unregistered-sender", "POST", "/v2/send", {"number": N, "recipients": [B], "message": "x"}),
    Case("send-v2-malformed-sender", "POST", "/v2/send", {"number": BAD, "recipients": [B], "message": "x"}),
    Case("send-v2-unregistered-recipient", "POST", "/v2/send",
         {"number": A, "recipients": ["+9991234567"], "message": "x"}),
    Case("send-v2-malformed-recipient", "POST", "/v2/send", {"number": A, "recipients": [BAD], "message": "x"}),
    Case("send-v2-no-recipients", "POST", "/v2/send", {"number": A, "recipients": [], "message": "x"}),
    Case("send-v2-note-to-self", "POST", "/v2/send", {"number": A, "recipients": [A], "message": "self"}),
    Case("send-v2-attachment", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "att", "base64_attachments": ["aGVsbG8="]}),
    Case("send-v2-bad-attachment", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "att", "base64_attachments": ["not base64!"]}),
    Case("send-v2-mention", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "hi @B", "text_mode": "normal",
          "mentions": [{"author": B, "start": 3, "length": 2}]}),
    Case("send-v2-styled", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "**bold**", "text_mode": "styled"}),
    Case("send-v2-bad-text-mode", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "x", "text_mode": "loud"}),
    Case("send-v2-quote", "POST", "/v2/send",
         {"number": A, "recipients": [B], "message": "re", "quote_timestamp": 1700000000000,
          "quote_author": B, "quote_message": "orig"}),
    Case("send-v2-empty-message", "POST", "/v2/send", {"number": A, "recipients": [B], "message": ""}),
    # /v1/send names a group by the base64 of its internal id, without "group.".
    Case("send-v1-group", "POST", "/v1/send",
         {"number": A, "recipients": ["{GB}"], "message": "v1 group", "is_group": True}),
    Case("send-v1-unregistered-sender", "POST", "/v1/send", {"number": N, "recipients": [B], "message": "x"}),
    Case("send-v1-attachment", "POST", "/v1/send",
         {"number": A, "recipients": [B], "message": "att", "base64_attachment": "aGVsbG8="}),
    Case("reaction-group", "POST", "/v1/reactions/{A}",
         {"recipient": "{G}", "reaction": "👍", "target_author": B, "timestamp": 1700000000000}),
    Case("reaction-unknown-group", "POST", "/v1/reactions/{A}",
         {"recipient": UNKNOWN_GROUP, "reaction": "👍", "target_author": B, "timestamp": 1700000000000}),
    Case("receipt-viewed", "POST", "/v1/receipts/{A}",
         {"recipient": B, "receipt_type": "viewed", "timestamp": 1700000000000}),
    Case("receipt-bad-type", "POST", "/v1/receipts/{A}",
         {"recipient": B, "receipt_type": "seen", "timestamp": 1700000000000}),
    Case("typing-group", "PUT", "/v1/typing-indicator/{A}", {"recipient": "{G}"}),
    Case("typing-unknown-group", "PUT", "/v1/typing-indicator/{A}", {"recipient": UNKNOWN_GROUP}),
    Case("remote-delete-no-timestamp", "DELETE", "/v1/remote-delete/{A}", {"recipient": B}),
    Case("remote-delete-group", "DELETE", "/v1/remote-delete/{A}", {"recipient": "{G}", "timestamp": 1700000000000}),
    Case("pin-message-no-timestamp", "POST", "/v1/groups/{A}/{G}/pin-message", {"target_author": B}),
    Case("poll-group", "POST", "/v1/polls/{A}", {"recipient": "{G}", "question": "Q?", "answers": ["a", "b"]}),
    Case("poll-one-answer", "POST", "/v1/polls/{A}", {"recipient": B, "question": "Q?", "answers": ["a"]}),
    Case("group-create-empty-object", "POST", "/v1/groups/{A}", {}),
    Case("group-create-unregistered-member", "POST", "/v1/groups/{A}", {"name": "g", "members": ["+9991234567"]}),
    Case("group-create-malformed-member", "POST", "/v1/groups/{A}", {"name": "g", "members": [BAD]}),
    Case("group-create-bad-permission", "POST", "/v1/groups/{A}",
         {"name": "g", "members": [B], "permissions": {"add_members": "everyone"}}),
    Case("group-create-bad-link", "POST", "/v1/groups/{A}", {"name": "g", "members": [B], "group_link": "open"}),
    Case("group-update-avatar", "PUT", "/v1/groups/{A}/{G}",
         {"base64_avatar": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}),
    Case("group-avatar-after-update", "GET", "/v1/groups/{A}/{G}/avatar"),
    Case("group-update-empty-object", "PUT", "/v1/groups/{A}/{G}", {}),
    Case("contact-update-peer", "PUT", "/v1/contacts/{A}", {"recipient": PEER, "name": "Peer"}),
    Case("contact-update-malformed", "PUT", "/v1/contacts/{A}", {"recipient": BAD, "name": "x"}),
    Case("profile-avatar", "PUT", "/v1/profiles/{A}",
         {"name": "Alice", "base64_avatar": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}),
    Case("profile-bad-avatar", "PUT", "/v1/profiles/{A}", {"name": "Alice", "base64_avatar": "%%%"}),
    Case("username-invalid", "POST", "/v1/accounts/{A}/username", {"username": "nodot"}),
    Case("pin-empty", "POST", "/v1/accounts/{A}/pin", {"pin": ""}),
    Case("device-link-invalid", "POST", "/v1/devices/{A}", {"uri": "not a link"}),
    Case("sticker-pack-invalid", "POST", "/v1/sticker-packs/{A}", {"pack_id": "x", "pack_key": "y"}),
    Case("register-captcha", "POST", "/v1/register/{N}", {"captcha": "signalcaptcha://x", "use_voice": False}),
    Case("register-no-body", "POST", "/v1/register/{N}"),
    Case("register-registered", "POST", "/v1/register/{B}"),
    Case("verify-wrong-code", "POST", "/v1/register/{N}/verify/000000"),
    Case("verify-no-body", "POST", "/v1/register/{N}/verify/123456"),
    Case("identity-trust-safety-number", "PUT", "/v1/identities/{A}/trust/{B}",
         {"verified_safety_number": "00000 00000 00000 00000 00000 00000 00000 00000 00000 00000 00000 00000"}),
    Case("identity-trust-empty-object", "PUT", "/v1/identities/{A}/trust/{B}", {}),
    Case("identity-trust-malformed", "PUT", "/v1/identities/{A}/trust/{BAD}", {"trust_all_known_keys": True}),
    Case("unregister-delete-account-string", "POST", "/v1/unregister/{C}", {"delete_account": "yes"}),
    Case("unregister-no-body", "POST", "/v1/unregister/{N}"),
    Case("settings-string", "PUT", "/v1/accounts/{A}/settings", {"discoverable_by_number": "no"}),
    Case("register-voice-string", "POST", "/v1/register/{N}", {"use_voice": "yes"}),
    Case("group-members-delete-empty", "DELETE", "/v1/groups/{A}/{G}/members", {}),
]


def _wrong_type(value: Any) -> Any:
    """A JSON value of another type than ``value`` (what a client's bug would send)."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int):
        return "1"
    if isinstance(value, str):
        return 1
    if isinstance(value, list):
        return "x"
    if isinstance(value, dict):
        return "x"
    return "x"


def _route_id(route: Route) -> str:
    if route.name:
        return route.name
    path = route.path.split("?")[0].strip("/").replace("{", "").replace("}", "")
    return f"{route.method.lower()}-{path.replace('/', '-')}"


def _derive(route: Route) -> tuple[list[Case], Case]:
    """The bad variants of ``route`` and its good request."""
    rid = _route_id(route)
    base = dict(method=route.method, last=route.last, modes=route.modes)
    bad: list[Case] = []
    if route.body is not None:
        bad += [Case(f"{rid}/empty-body", path=route.path, body="", raw=True, **base),
                Case(f"{rid}/invalid-json", path=route.path, body="{", raw=True, **base),
                Case(f"{rid}/json-array", path=route.path, body=[], **base)]
        if route.required:
            bad.append(Case(f"{rid}/empty-object", path=route.path, body={}, **base))
        for name in route.required:
            body = {k: v for k, v in route.body.items() if k != name}
            bad.append(Case(f"{rid}/missing-{name}", path=route.path, body=body, **base))
        for name, value in route.body.items():
            bad.append(Case(f"{rid}/type-{name}", path=route.path,
                            body={**route.body, name: _wrong_type(value)}, **base))
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    bad.append(Case(f"{rid}/type-{name}.{sub}", path=route.path,
                                    body={**route.body, name: {**value, sub: _wrong_type(subvalue)}}, **base))
            if isinstance(value, list) and value and isinstance(value[0], (str, int)):
                bad.append(Case(f"{rid}/type-{name}[]", path=route.path,
                                body={**route.body, name: [_wrong_type(value[0])]}, **base))
    for account in ("{A}", "{B}", "{C}", "{D}"):
        if f"/{account}" in route.path:
            for label, number in (("unregistered", "{N}"), ("malformed", BAD)):
                bad.append(Case(f"{rid}/{label}-number", path=route.path.replace(account, number, 1),
                                body=route.body, **base))
            break
    for group in ("{G}", "{G2}", "{G3}"):
        if group in route.path:
            bad.append(Case(f"{rid}/unknown-group", path=route.path.replace(group, "{UG}"), body=route.body, **base))
    good = Case(f"{rid}/good", path=route.path, body=route.body, **base)
    return bad, good


def _wrong_methods() -> list[Case]:
    """For each path of the original, one method it does not route."""
    by_path: dict[str, set[str]] = {}
    for route in ROUTES:
        if route.name:
            continue
        by_path.setdefault(route.path.split("?")[0], set()).add(route.method)
    cases = []
    for path, methods in by_path.items():
        method = next(m for m in ("PATCH", "PUT", "POST", "DELETE") if m not in methods)
        rid = path.strip("/").replace("{", "").replace("}", "").replace("/", "-")
        cases.append(Case(f"wrong-method-{method.lower()}-{rid}", method, path, body={}))
    return cases


def all_cases() -> list[Case]:
    """Every case, in the order they are sent: harmless ones first, destructive rows last."""
    first: list[Case] = []
    last_bad: list[Case] = []
    last_good: list[Case] = []
    for route in ROUTES:
        bad, good = _derive(route)
        if route.last:
            last_bad += bad
            last_good.append(good)
        else:
            first += bad + [good]
    cases = first + EXTRA + _wrong_methods() + last_good + last_bad
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def placeholders(seeded: Any) -> dict[str, str]:
    """Values for the placeholders in :func:`all_cases`, from the seeded state (the same for both)."""
    return {"A": A, "B": B, "C": C, "D": D, "N": N, "BAD": BAD, "PEER": PEER, "UG": UNKNOWN_GROUP,
            "G": seeded.group_id, "GB": seeded.group_id.removeprefix("group."), "GI": seeded.group_internal_id, "G2": seeded.group2_id,
            "G3": seeded.group3_id, "BU": seeded.b_uuid, "ATT": seeded.attachment}
