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
import functools
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


@functools.lru_cache(maxsize=4096)
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
    """Classify a RECIPIENT string as ("uuid"|"username"|"number", value), validating syntax.

    A number is read as signal-cli's PhoneNumberFormatter reads it (its error texts included),
    except that one without ``+``, which signal-cli completes with the account's country code,
    is refused here (the simulator parses recipients without knowing the account).
    """
    if is_uuid(text):
        return "uuid", text.lower()
    if text.startswith("PNI:") and is_uuid(text[4:]):
        return "uuid", text[4:].lower()
    if text.startswith("u:"):
        return "username", text[2:]
    try:
        number = format_number(text, None)
    except InvalidNumber as exc:
        raise UserError(f"Invalid phone number '{text}': {exc}") from None
    if is_e164(number):
        return "number", number
    raise UserError(f"Invalid phone number '{text}': The string supplied did not seem to be a phone number.")


class InvalidNumber(ValueError):
    """PhoneNumberFormatter's InvalidNumberException; ``str()`` is its message."""


# ITU country calling codes of one and two digits; every other code has three.
_SHORT_COUNTRY_CODES = frozenset(
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 "
    "81 82 84 86 90 91 92 93 94 95 98".split())


def format_number(text: str, local_number: str | None) -> str:
    """signal-cli's ``PhoneNumberFormatter.formatNumber``: a number to E.164, or InvalidNumber.

    Everything but ASCII digits and ``+`` is dropped; a number without ``+`` is completed with
    the country code of ``local_number`` (after an international ``00`` or a national ``0``
    prefix, a simplification of libphonenumber's rules for the region). Without a local number
    it comes back without ``+``.
    """
    if "@" in text:
        raise InvalidNumber("Possible attempt to use email address.")
    digits = re.sub(r"[^0-9+]", "", text)
    if not digits:
        raise InvalidNumber("No valid characters found.")
    if digits.startswith("+") or local_number is None:
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    local = local_number.lstrip("+")
    country = next((local[:n] for n in (1, 2) if local[:n] in _SHORT_COUNTRY_CODES), local[:3])
    return "+" + country + digits.removeprefix("0")


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
    account = state.find_account(cfg, value)
    return account if account is not None and account.get(kind) == value else None


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
    """Validate a base64 group id (16 or 32 bytes) like GroupId.fromBase64, with its error texts."""
    try:
        raw = java_base64_decode(text)
    except ValueError as exc:
        reason = str(exc)
    else:
        if len(raw) in (16, 32):
            return base64.b64encode(raw).decode()
        reason = f"Invalid group id of size {len(raw)}"
    raise UserError(f'Invalid group id: Failed to decode groupId (must be base64) "{text}": {reason}')


_BASE64_ALPHABET = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def java_base64_decode(text: str) -> bytes:
    """``java.util.Base64.getDecoder().decode(String)``: padding optional, Java's error texts.

    Java reads the string as ISO-8859-1 bytes (other characters become ``?``) and names a bad
    byte by its signed value in hex.
    """
    src = text.encode("latin-1", errors="replace")
    if len(src) == 1:
        raise ValueError("Input byte[] should at least have 2 bytes for base64 bytes")
    out = bytearray()
    bits, shift, pos = 0, 18, 0
    while pos < len(src):
        byte = src[pos]
        pos += 1
        if byte == ord("="):
            # "=" ends the data; it may only follow 2 or 3 characters of a unit (then "==" / "=").
            if shift == 18 or (shift == 6 and (pos == len(src) or src[pos] != ord("="))):
                raise ValueError("Input byte array has wrong 4-byte ending unit")
            if shift == 6:
                pos += 1
            break
        value = _BASE64_ALPHABET.get(byte)
        if value is None:
            signed = byte - 256 if byte > 127 else byte
            raise ValueError(f"Illegal base64 character {signed:x}" if signed >= 0 else
                             f"Illegal base64 character -{-signed:x}")
        bits |= value << shift
        shift -= 6
        if shift < 0:
            out += bytes(((bits >> 16) & 0xFF, (bits >> 8) & 0xFF, bits & 0xFF))
            bits, shift = 0, 18
    if shift == 6:
        out.append((bits >> 16) & 0xFF)
    elif shift == 0:
        out += bytes(((bits >> 16) & 0xFF, (bits >> 8) & 0xFF))
    elif shift == 12:
        raise ValueError("Last unit does not have enough valid bits")
    if pos < len(src):
        raise ValueError(f"Input byte array has incorrect ending byte at {pos}")
    return bytes(out)
