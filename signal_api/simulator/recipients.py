"""Each local account's view of other users: recipients, contacts, identities and sticker packs.

Stored per account in ``DIR/data/<path>.d/recipients.json`` (removed with the account)::

    {"recipients": [{"number", "uuid", "username", "contact": {"givenName", "familyName",
                     "nickGivenName", "nickFamilyName", "note"} | null,
                     "messageExpirationTime": int, "identity": {"addedTimestamp", "trustLevel"} | null}],
     "stickerPacks": [{"packId", "packKey", "installed", "title", "author"}]}

A recipient is added when a message goes to or comes from it (with its identity key) and when
a contact is edited.  Identity keys and safety numbers are derived from the ACIs, so both sides
of a conversation see the same safety number.  Outside peers of the ``+998`` block have a
changed (UNTRUSTED) key: sends to them fail with IDENTITY_FAILURE until the key is trusted.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from . import state
from .errors import IOFailure
from .network import Recipient

UNTRUSTED = "UNTRUSTED"
TRUSTED_UNVERIFIED = "TRUSTED_UNVERIFIED"
TRUSTED_VERIFIED = "TRUSTED_VERIFIED"
_CONTACT_FIELDS = ("givenName", "familyName", "nickGivenName", "nickFamilyName", "note")


# ---------------------------------------------------------------- storage

def _book_path(cfg: str, account: dict) -> str:
    return state.path_join(state.data_dir(cfg), account["path"] + ".d", "recipients.json")


def load_book(cfg: str, account: dict) -> dict:
    book = state.read_json(_book_path(cfg, account), {}) or {}
    book.setdefault("recipients", [])
    book.setdefault("stickerPacks", [])
    return book


def save_book(cfg: str, account: dict, book: dict) -> None:
    state.write_json(_book_path(cfg, account), book)


def profile_avatar_path(cfg: str, ident: str) -> str:
    """signal-cli's profile avatar file: ``<config>/avatars/profile-<number or uuid>``."""
    return os.path.join(cfg, "avatars", "profile-" + ident)


def matches(rec: dict, address: dict) -> bool:
    """True when ``rec`` and ``address`` (``number``/``uuid``) name the same user."""
    return bool((rec.get("uuid") and rec.get("uuid") == address.get("uuid")) or
                (rec.get("number") and rec.get("number") == address.get("number")))


def find(book: dict, address: dict) -> dict | None:
    return next((rec for rec in book["recipients"] if matches(rec, address)), None)


def find_or_add(book: dict, who: Recipient) -> dict:
    """The record for ``who``, created if needed; missing number/uuid/username are filled in."""
    address = {"number": who.number, "uuid": who.uuid}
    rec = find(book, address)
    if rec is None:
        rec = {"number": None, "uuid": None, "username": None, "contact": None,
               "messageExpirationTime": 0, "identity": None}
        book["recipients"].append(rec)
    for key, value in (("number", who.number), ("uuid", who.uuid), ("username", who.username)):
        if value and not rec.get(key):
            rec[key] = value
    return rec


# ---------------------------------------------------------------- identities

def _identity_key(aci: str) -> bytes:
    # A Curve25519 public key is serialised as 0x05 followed by 32 bytes.
    return b"\x05" + hashlib.sha256(f"identity:{aci}".encode()).digest()


def fingerprint(aci: str) -> str:
    """The identity key as signal-cli prints it: space separated lower-case hex bytes."""
    return " ".join(f"{byte:02x}" for byte in _identity_key(aci))


def _pair_digest(own_aci: str, peer_aci: str) -> bytes:
    first, second = sorted((_identity_key(own_aci), _identity_key(peer_aci)))
    return hashlib.sha512(first + second).digest()


def safety_number(own_aci: str, peer_aci: str) -> str:
    """60 digits in 12 groups of 5, the same for both sides of a conversation."""
    digest = _pair_digest(own_aci, peer_aci)
    groups = [int.from_bytes(digest[i * 5:i * 5 + 5], "big") % 100000 for i in range(12)]
    return " ".join(f"{group:05d}" for group in groups)


def scannable_safety_number(own_aci: str, peer_aci: str) -> str:
    return base64.b64encode(_pair_digest(own_aci, peer_aci)[:32]).decode()


def _note_identity(rec: dict, trust_level: str) -> None:
    if rec.get("uuid") and rec.get("identity") is None:
        rec["identity"] = {"addedTimestamp": state.now_ms(), "trustLevel": trust_level}


def _first_trust(who: Recipient) -> str:
    return UNTRUSTED if who.failure == "IDENTITY_FAILURE" else TRUSTED_UNVERIFIED


def before_send(cfg: str, sender: dict, who: Recipient) -> None:
    """Record ``who`` (and its identity key) for ``sender``; a trusted +998 key lets the send through."""
    if who.uuid is None or who.failure == "UNREGISTERED_FAILURE" or who.uuid == sender.get("uuid"):
        return
    rec = _remember(cfg, sender, who, _first_trust(who))
    if who.failure == "IDENTITY_FAILURE" and rec["identity"]["trustLevel"] != UNTRUSTED:
        who.failure = None


def after_receive(cfg: str, receiver: dict, source: dict) -> None:
    """Record the sender (``{"number","uuid"}``) of a message ``receiver`` got."""
    if not source.get("uuid") or source.get("uuid") == receiver.get("uuid"):
        return
    _remember(cfg, receiver, Recipient(number=source.get("number"), uuid=source["uuid"]), TRUSTED_UNVERIFIED)


def _remember(cfg: str, account: dict, who: Recipient, trust_level: str) -> dict:
    """Add ``who`` (and its identity) to the account's recipients; the book is only written on a change."""
    with state.locked(cfg):
        book = load_book(cfg, account)
        known = find(book, {"number": who.number, "uuid": who.uuid})
        before = dict(known) if known is not None else None
        rec = find_or_add(book, who)
        _note_identity(rec, trust_level)
        if rec != before:
            save_book(cfg, account, book)
        return rec


def identity_json(account: dict, rec: dict) -> dict:
    """A listIdentities entry (signal-cli.md §6.4)."""
    return {
        "number": rec.get("number"),
        "uuid": rec.get("uuid"),
        "fingerprint": fingerprint(rec["uuid"]),
        "safetyNumber": safety_number(account["uuid"], rec["uuid"]),
        "scannableSafetyNumber": scannable_safety_number(account["uuid"], rec["uuid"]),
        "trustLevel": rec["identity"]["trustLevel"],
        "addedTimestamp": rec["identity"]["addedTimestamp"],
    }


# ---------------------------------------------------------------- contacts

def set_contact_fields(rec: dict, fields: dict[str, Any]) -> None:
    """Create the contact record if needed and overwrite the given fields."""
    contact = rec.get("contact") or dict.fromkeys(_CONTACT_FIELDS)
    contact.update({k: v for k, v in fields.items() if k in _CONTACT_FIELDS})
    rec["contact"] = contact


def _joined(*parts: str | None) -> str | None:
    return " ".join(p for p in parts if p) or None


def _profile_json(cfg: str, local: dict | None) -> dict | None:
    """The profile of a local account as other accounts see it (peers' profiles are unknown)."""
    if local is None:
        return None
    profile = local.get("profile") or {}
    return {
        "lastUpdateTimestamp": profile.get("lastUpdateTimestamp") or local.get("timestamp") or 0,
        "givenName": profile.get("givenName"),
        "familyName": profile.get("familyName"),
        "about": profile.get("about"),
        "aboutEmoji": profile.get("aboutEmoji"),
        "hasAvatar": os.path.exists(profile_avatar_path(cfg, local["number"])),
        "mobileCoinAddress": None,
    }


def contact_json(cfg: str, rec: dict, blocked: bool, internal: bool = False) -> dict:
    """A listContacts entry (signal-cli.md §6.3, 0.13.19: no ``isArchived``)."""
    contact = rec.get("contact") or {}
    local = state.find_account(cfg, rec.get("uuid") or rec.get("number"))
    unregistered = (local is not None and not local.get("registered")) or (local is None and not rec.get("uuid"))
    entry = {
        "number": rec.get("number"),
        "uuid": rec.get("uuid"),
        "username": rec.get("username"),
        "name": _joined(contact.get("givenName"), contact.get("familyName")),
        "givenName": contact.get("givenName"),
        "familyName": contact.get("familyName"),
        "nickName": _joined(contact.get("nickGivenName"), contact.get("nickFamilyName")),
        "nickGivenName": contact.get("nickGivenName"),
        "nickFamilyName": contact.get("nickFamilyName"),
        "note": contact.get("note"),
        "color": None,
        "isBlocked": blocked,
        "isHidden": False,
        "messageExpirationTime": rec.get("messageExpirationTime", 0),
        "profileSharing": local is not None,
        "unregistered": unregistered,
        "profile": _profile_json(cfg, local),
    }
    if internal:
        entry["internal"] = {"capabilities": ["storage", "deleteSync"], "unidentifiedAccessMode": "UNKNOWN",
                             "sharesPhoneNumber": True, "discoverableByPhonenumber": True}
    return entry


def update_profile_avatar(cfg: str, account: dict, avatar: str | None, remove: bool | None) -> None:
    """updateProfile ``--avatar FILE`` (copied) or ``--remove-avatar``; neither keeps the avatar."""
    path = profile_avatar_path(cfg, account["number"])
    if avatar is not None:
        try:
            with open(avatar, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise IOFailure(f"Update profile error: {avatar} ({exc.strerror or exc})") from None
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    elif remove and os.path.exists(path):
        os.remove(path)
