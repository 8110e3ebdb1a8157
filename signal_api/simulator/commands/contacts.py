"""Contacts, identities, user status and sticker packs: listContacts, updateContact, sendContacts,
listIdentities, trust, getUserStatus, listStickerPacks, addStickerPack.

(block/unblock and getAvatar live in commands/groups.py; updateProfile in commands/accounts.py.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

from .. import envelopes, groups, network, recipients, state
from ..delivery import Outgoing, deliver
from ..errors import IOFailure, UserError
from .base import Context, Opt, command

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_STICKER_HOSTS = (("https", "signal.art"), ("sgnl", "addstickers"))
_STICKER_KEY_BYTES = 32
_STICKER_EMOJIS = ("😀", "🎉", "🐱")


def _blocked(account: dict) -> list[dict]:
    return list(account.get("blockedRecipients") or [])


def _fresh(ctx: Context) -> dict:
    """The account file as it is now (``ctx.account`` was read before the lock was taken)."""
    return state.load_account(ctx.config_dir, ctx.account["path"])


def _plain_contact(entry: dict) -> str:
    expiration = f"{entry['messageExpirationTime']}s" if entry["messageExpirationTime"] else "disabled"
    profile = entry.get("profile") or {}
    profile_name = " ".join(p for p in (profile.get("givenName"), profile.get("familyName")) if p)
    return (f"Number: {entry['number']} ACI: {entry['uuid']} Name: {entry['name']} Profile name: {profile_name} "
            f"Username: {entry['username']} Color: {entry['color']} Blocked: {str(entry['isBlocked']).lower()} "
            f"Message expiration: {expiration}")


@command("listContacts", scope="account", plain=lambda r, p: [_plain_contact(e) for e in r], options=[
    Opt(("recipient",), "list", "Specify one ore more phone numbers to show.", nargs="*"),
    Opt(("-a", "--all-recipients"), "flag", "Include all known recipients, not only contacts."),
    Opt(("--blocked",), "bool", "Specify if only blocked or unblocked contacts should be shown"),
    Opt(("--name",), help="Find contacts with the given contact or profile name."),
    Opt(("--detailed",), "flag", "List the full contact details."),
    Opt(("--internal",), "flag", "Include internal information that's normally not user visible"),
])
def list_contacts(ctx: Context, params: dict) -> list[dict]:
    cfg = ctx.config_dir
    account = _fresh(ctx)
    wanted = [network.resolve_text(cfg, text) for text in params.get("recipient") or []]
    book = recipients.load_book(cfg, account)
    blocked = _blocked(account)
    for addr in blocked:
        recipients.find_or_add(book, network.Recipient(**addr))
    result = []
    for rec in book["recipients"]:
        is_blocked = groups.contains(blocked, rec)
        # signal-cli keeps the blocked flag in the contact record, so blocking makes a contact.
        if rec.get("contact") is None and not is_blocked and not params.get("allRecipients"):
            continue
        if wanted and not any(recipients.matches(rec, {"number": w.number, "uuid": w.uuid}) for w in wanted):
            continue
        entry = recipients.contact_json(cfg, rec, is_blocked, bool(params.get("internal")))
        if params.get("blocked") is not None and entry["isBlocked"] != params["blocked"]:
            continue
        if params.get("name") is not None and not _name_matches(entry, params["name"]):
            continue
        result.append(entry)
    return result


def _name_matches(entry: dict, name: str) -> bool:
    profile = entry.get("profile") or {}
    names = (entry["name"], entry["nickName"], profile.get("givenName"), profile.get("familyName"))
    return any(n and name.lower() in n.lower() for n in names)


@command("updateContact", scope="account", options=[
    Opt(("recipient",), help="Contact number"),
    Opt(("-n", "--name"), help="New contact name"),
    Opt(("--given-name",), help="New contact given name"),
    Opt(("--family-name",), help="New contact family name"),
    Opt(("--nick-given-name",), help="New contact nick given name"),
    Opt(("--nick-family-name",), help="New contact nick family name"),
    Opt(("--note",), help="New contact note"),
    Opt(("-e", "--expiration"), "int", "Set expiration time of messages (seconds)"),
])
def update_contact(ctx: Context, params: dict) -> None:
    cfg = ctx.config_dir
    if not params.get("recipient"):
        raise UserError("No recipients given")
    who = network.resolve_text(cfg, params["recipient"])
    fields = {k: params[k] for k in ("givenName", "familyName", "nickGivenName", "nickFamilyName", "note")
              if params.get(k) is not None}
    if params.get("name") is not None and "givenName" not in fields:
        fields.update(givenName=params["name"], familyName="")
    with state.locked(cfg):
        account = _fresh(ctx)
        book = recipients.load_book(cfg, account)
        rec = recipients.find_or_add(book, who)
        recipients.set_contact_fields(rec, fields)
        if params.get("expiration") is not None:
            rec["messageExpirationTime"] = params["expiration"]
        recipients.save_book(cfg, account, book)
        if params.get("expiration") is not None:
            # signal-cli tells the other side about the new timer with an expiration update.
            out = Outgoing(sender=account, timestamp=state.new_timestamp(), message=None,
                           expires=params["expiration"], expiration_update=True)
            deliver(cfg, out, who)


@command("sendContacts", scope="account")
def send_contacts(ctx: Context, params: dict) -> None:
    """Sync the contact list to the account's other devices.

    The simulator has no linked devices, so (as for note-to-self transcripts) the sync message
    shows up in the account's own queue.
    """
    account = ctx.account
    now = state.now_ms()
    source = {"number": account["number"], "uuid": account["uuid"], "name": state.profile_name(account)}
    state.enqueue(ctx.config_dir, account["number"],
                  envelopes.envelope(source, now, now, syncMessage={"type": "CONTACTS_SYNC"}))


def _identities(ctx: Context, params: dict) -> list[dict]:
    cfg = ctx.config_dir
    account = _fresh(ctx)
    wanted = network.resolve_text(cfg, params["number"]) if params.get("number") else None
    return [recipients.identity_json(account, rec) for rec in recipients.load_book(cfg, account)["recipients"]
            if rec.get("identity") and rec.get("uuid")
            and (wanted is None or recipients.matches(rec, {"number": wanted.number, "uuid": wanted.uuid}))]


def _plain_identity(entry: dict) -> str:
    return (f"{entry['number'] or entry['uuid']}: {entry['trustLevel']} Added: {entry['addedTimestamp']} "
            f"Fingerprint: {entry['fingerprint']} Safety Number: {entry['safetyNumber']}")


@command("listIdentities", scope="account", plain=lambda r, p: [_plain_identity(e) for e in r], options=[
    Opt(("-n", "--number"), help="Only show identity keys for the given phone number."),
])
def list_identities(ctx: Context, params: dict) -> list[dict]:
    return _identities(ctx, params)


_FAILED_TRUST = ("Failed to set the trust for this number, make sure the number and the "
                 "fingerprint/safety number are correct.")


@command("trust", scope="account", options=[
    Opt(("recipient",), help="Specify the phone number, for which to set the trust."),
    Opt(("-a", "--trust-all-known-keys"), "flag", "Trust all known keys of this user, only use this for testing.",
        exclusive="trust"),
    Opt(("-v", "--verified-safety-number", "--verified-fingerprint"),
        help="Specify the safety number of the key, only use this option if you have verified the safety number.",
        exclusive="trust"),
])
def trust(ctx: Context, params: dict) -> None:
    cfg = ctx.config_dir
    if not params.get("recipient"):
        raise UserError("No recipients given")
    who = network.resolve_text(cfg, params["recipient"])
    if params.get("trustAllKnownKeys"):
        verified = None
    elif params.get("verifiedSafetyNumber") is not None:
        verified = params["verifiedSafetyNumber"].replace(" ", "")
    else:
        raise UserError("You need to specify the fingerprint/safety number you have verified with -v SAFETY_NUMBER")
    with state.locked(cfg):
        account = _fresh(ctx)
        book = recipients.load_book(cfg, account)
        rec = recipients.find(book, {"number": who.number, "uuid": who.uuid})
        if verified is not None:
            if not _verified_matches(account, rec, verified):
                raise UserError(_FAILED_TRUST)
        elif rec is None or not rec.get("identity"):
            raise UserError(_FAILED_TRUST)
        rec["identity"]["trustLevel"] = recipients.TRUSTED_UNVERIFIED if verified is None \
            else recipients.TRUSTED_VERIFIED
        recipients.save_book(cfg, account, book)


def _verified_matches(account: dict, rec: dict | None, given: str) -> bool:
    """Whether ``given`` is the fingerprint, the safety number or the scannable safety number.

    Raises signal-cli's format error when ``given`` is none of the three kinds.
    """
    if len(given) == 66 and _HEX.fullmatch(given):
        kind = "fingerprint"
    elif len(given) == 60 and given.isdigit():
        kind = "safetyNumber"
    else:
        try:
            base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError):
            raise UserError("Safety number has invalid format, either specify the old hex fingerprint "
                            "or the new safety number") from None
        kind = "scannableSafetyNumber"
    if rec is None or not rec.get("identity") or not rec.get("uuid"):
        return False
    expected = recipients.identity_json(account, rec)[kind].replace(" ", "")
    return expected.lower() == given.lower() if kind == "fingerprint" else expected == given


def _status(ctx: Context, text: str, username: bool) -> dict:
    cfg = ctx.config_dir
    entry: dict = {"recipient": text}
    if username:
        who = network.resolve(cfg, "username", text)
        entry["username"] = text
    else:
        # As signal-cli: the number completed with the account's country code; one that is no
        # number is looked up as nothing (number null, not registered), never an error.
        try:
            number = network.format_number(text, ctx.account.get("number"))
        except network.InvalidNumber:
            number = ""
        who = network.resolve(cfg, "number", number) if network.is_e164(number) else network.Recipient()
        entry["number"] = number or None
    registered = who.failure != "UNREGISTERED_FAILURE" and who.uuid is not None
    entry.update(uuid=who.uuid if registered else None, isRegistered=registered)
    return entry


@command("getUserStatus", scope="account", options=[
    Opt(("recipient",), "list", "Phone number", nargs="*"),
    Opt(("--username",), "list", "Specify the recipient username or username link."),
], plain=lambda r, p: [f"{e['recipient']}: {str(e['isRegistered']).lower()}" for e in r])
def get_user_status(ctx: Context, params: dict) -> list[dict]:
    return ([_status(ctx, text, False) for text in params.get("recipient") or []] +
            [_status(ctx, text, True) for text in params.get("username") or []])


def _pack_url(pack: dict) -> str:
    return f"https://signal.art/addstickers/#pack_id={pack['packId']}&pack_key={pack['packKey']}"


def _pack_json(pack: dict) -> dict:
    stickers = [{"id": i, "emoji": emoji, "contentType": "image/webp"} for i, emoji in enumerate(_STICKER_EMOJIS)]
    return {"packId": pack["packId"], "url": _pack_url(pack), "installed": pack["installed"],
            "title": pack["title"], "author": pack["author"], "cover": dict(stickers[0]), "stickers": stickers}


@command("listStickerPacks", scope="account", plain=lambda r, p: [
    f"Pack {e['packId']}: “{e['title']}” by “{e['author']}” has {len(e['stickers'])} stickers. {e['url']}"
    for e in r])
def list_sticker_packs(ctx: Context, params: dict) -> list[dict]:
    return [_pack_json(pack) for pack in recipients.load_book(ctx.config_dir, _fresh(ctx))["stickerPacks"]]


def _parse_pack_uri(uri: str) -> tuple[str, str]:
    """``(pack id hex, pack key hex)`` of a sticker pack link, else ``Invalid sticker pack link``."""
    parts = urlsplit(uri)
    query = parse_qs(parts.fragment if parts.scheme == "https" else parts.query)
    pack_id, pack_key = (query.get("pack_id") or [""])[0], (query.get("pack_key") or [""])[0]
    if (parts.scheme, parts.netloc) not in _STICKER_HOSTS or not (_HEX.fullmatch(pack_id) and _HEX.fullmatch(pack_key)):
        raise UserError("Invalid sticker pack link")
    return pack_id.lower(), pack_key.lower()


@command("addStickerPack", scope="account", options=[
    Opt(("--uri",), "list", "Specify the uri of the sticker pack. "
        "(e.g. https://signal.art/addstickers/#pack_id=XXX&pack_key=XXX)", required=True),
])
def add_sticker_pack(ctx: Context, params: dict) -> None:
    cfg = ctx.config_dir
    packs = [_parse_pack_uri(uri) for uri in params.get("uri") or []]
    if not packs:
        raise UserError("Invalid sticker pack link")
    with state.locked(cfg):
        account = _fresh(ctx)
        book = recipients.load_book(cfg, account)
        for pack_id, pack_key in packs:
            if len(pack_key) != _STICKER_KEY_BYTES * 2:
                # The manifest cannot be decrypted with a key of the wrong size.
                raise IOFailure("Install sticker pack failed")
            book["stickerPacks"] = [p for p in book["stickerPacks"] if p["packId"] != pack_id]
            tag = hashlib.sha256(pack_id.encode()).hexdigest()[:6]
            book["stickerPacks"].append({"packId": pack_id, "packKey": pack_key, "installed": True,
                                         "title": f"Sticker pack {tag}", "author": "Simulated artist"})
        recipients.save_book(cfg, account, book)
