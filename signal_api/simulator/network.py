"""Who is reachable: local accounts, outside peers and the documented failure number blocks.

Any number that is not a local account is an *outside peer* that is on Signal, with a
deterministic ACI (uuid5 of the number), except these prefixes, which make sends to them fail
so partial failures can be tested:

* ``+999…`` not on Signal            → ``UNREGISTERED_FAILURE`` (recipient uuid null)
* ``+998…`` changed safety number    → ``IDENTITY_FAILURE`` (untrusted)
* ``+997…`` rate limited             → ``RATE_LIMIT_FAILURE`` with ``token`` and ``retryAfterSeconds``
* ``+996…`` unreachable              → ``NETWORK_FAILURE``

A local account that is not registered counts as not on Signal.  UUID recipients resolve to the
local account with that ACI, else to a peer with unknown number.  Usernames (``u:name.12`` or
``-u name.12``) resolve to the local account that owns the username, else to a peer whose ACI is
uuid5 of ``u:<username>``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid as uuidlib
from dataclasses import dataclass, field

from . import state
from .errors import UserError

PEER_NAMESPACE = uuidlib.UUID("6f0c2d8e-6f49-4d0e-9a57-5e2b8c1d7a10")

FAILURE_BLOCKS = {
    "+999": "UNREGISTERED_FAILURE",
    "+998": "IDENTITY_FAILURE",
    "+997": "RATE_LIMIT_FAILURE",
    "+996": "NETWORK_FAILURE",
}
RATE_LIMIT_RETRY_AFTER = 86400

_E164 = re.compile(r"\+[0-9]{6,15}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_e164(text: str | None) -> bool:
    return bool(text) and _E164.fullmatch(text) is not None


def is_uuid(text: str | None) -> bool:
    return bool(text) and _UUID.fullmatch(text) is not None


def peer_uuid(key: str) -> str:
    return str(uuidlib.uuid5(PEER_NAMESPACE, key))


@dataclass
class Recipient:
    """A resolved single recipient and what a send to it does."""

    number: str | None = None
    uuid: str | None = None
    username: str | None = None
    account: dict | None = None          # the local account, if it is one
    failure: str | None = None           # a SendMessageResult type other than SUCCESS
    extra: dict = field(default_factory=dict)

    @property
    def address(self) -> dict:
        return {"uuid": self.uuid, "number": self.number, "username": self.username}

    @property
    def identifier(self) -> str:
        return self.number or self.uuid or self.username or ""

    @property
    def key(self) -> str:
        return self.uuid or self.number or f"u:{self.username}"


def parse_recipient(text: str) -> tuple[str, str]:
    """Classify a RECIPIENT string as ("uuid"|"username"|"number", value), validating syntax."""
    if is_uuid(text):
        return "uuid", text.lower()
    if text.startswith("PNI:") and is_uuid(text[4:]):
        return "uuid", text[4:].lower()
    if text.startswith("u:"):
        return "username", text[2:]
    if is_e164(text):
        return "number", text
    raise UserError(f"Invalid phone number '{text}': The string supplied did not seem to be a phone number.")


def resolve(cfg: str, kind: str, value: str) -> Recipient:
    """Resolve a parsed recipient against local accounts and the peer model."""
    if kind == "username":
        return _resolve_username(cfg, value)
    account = _local_account(cfg, kind, value)
    if account is not None:
        if not account.get("registered"):
            return Recipient(number=account["number"], failure="UNREGISTERED_FAILURE")
        return Recipient(number=account["number"], uuid=account["uuid"],
                         username=account.get("username"), account=account)
    if kind == "uuid":
        return Recipient(uuid=value)
    failure = next((f for prefix, f in FAILURE_BLOCKS.items() if value.startswith(prefix)), None)
    if failure == "UNREGISTERED_FAILURE":
        return Recipient(number=value, failure=failure)
    recipient = Recipient(number=value, uuid=peer_uuid(value), failure=failure)
    if failure == "RATE_LIMIT_FAILURE":
        recipient.extra = {"token": str(uuidlib.uuid4()), "retryAfterSeconds": RATE_LIMIT_RETRY_AFTER}
    return recipient


def resolve_text(cfg: str, text: str) -> Recipient:
    kind, value = parse_recipient(text)
    return resolve(cfg, kind, value)


def _local_account(cfg: str, kind: str, value: str) -> dict | None:
    for account in state.all_accounts(cfg):
        if (kind == "number" and account.get("number") == value) or (
                kind == "uuid" and account.get("uuid") == value):
            return account
    return None


def _resolve_username(cfg: str, username: str) -> Recipient:
    if "." not in username:
        raise UserError(f"Invalid username: {username} (Username must contain a '.' followed by digits)")
    for account in state.registered_accounts(cfg):
        if account.get("username") == username:
            return Recipient(number=account["number"], uuid=account["uuid"], username=username, account=account)
    return Recipient(uuid=peer_uuid("u:" + username), username=username)


def account_address(account: dict) -> dict:
    return {"uuid": account.get("uuid"), "number": account.get("number"), "username": account.get("username")}


# ---------------------------------------------------------------- group ids

def parse_group_id(text: str) -> str:
    """Validate a base64 group id (16 or 32 bytes) like GroupId.fromBase64."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        bad = next((c for c in text if not (c.isascii() and (c.isalnum() or c in "+/="))), None)
        reason = f"Illegal base64 character {ord(bad):x}" if bad else "Input byte array has wrong 4-byte ending unit"
        raise UserError(f'Invalid group id: Failed to decode groupId (must be base64) "{text}": {reason}') from None
    if len(raw) not in (16, 32):
        raise UserError(f'Invalid group id: Failed to decode groupId (must be base64) "{text}": '
                        f"Invalid group id length {len(raw)}")
    return base64.b64encode(raw).decode()
