"""The group model (stored in network.json under ``groups``), shared by every local account.

A group record::

    {"id": base64, "name", "description", "revision": int, "members": [addr], "admins": [addr],
     "pendingMembers": [addr], "requestingMembers": [addr], "banned": [addr], "knownBy": [aci],
     "permissionAddMember"/"permissionEditDetails"/"permissionSendMessage": "EVERY_MEMBER"|"ONLY_ADMINS",
     "link": "disabled"|"enabled"|"enabled-with-approval", "linkPassword": str|null,
     "messageExpirationTime": int}

``addr`` is ``{"number", "uuid"}``.  ``knownBy`` lists the ACIs of local accounts that have ever
been involved, so ``listGroups`` keeps showing groups an account has left (``isMember: false``).
"""

from __future__ import annotations

import base64
import os
import secrets

from .errors import UserError
from .network import parse_group_id


def new_group_id() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def new_group(group_id: str, creator: dict) -> dict:
    me = address_of(creator)
    return {
        "id": group_id, "name": None, "description": None, "revision": 0,
        "members": [me], "admins": [me], "pendingMembers": [], "requestingMembers": [], "banned": [],
        "knownBy": [creator["uuid"]],
        "permissionAddMember": "EVERY_MEMBER", "permissionEditDetails": "EVERY_MEMBER",
        "permissionSendMessage": "EVERY_MEMBER",
        "link": "disabled", "linkPassword": None, "messageExpirationTime": 0,
    }


def address_of(account_or_recipient: dict) -> dict:
    return {"number": account_or_recipient.get("number"), "uuid": account_or_recipient.get("uuid")}


def contains(addresses: list[dict], addr: dict) -> bool:
    return any(same_address(a, addr) for a in addresses)


def same_address(a: dict, b: dict) -> bool:
    return bool((a.get("uuid") and a.get("uuid") == b.get("uuid")) or
                (a.get("number") and a.get("number") == b.get("number")))


def is_member(group: dict, account: dict) -> bool:
    return contains(group["members"], address_of(account))


def find_for_account(net: dict, group_id_text: str, account: dict, need_member: bool = True) -> dict:
    """The group with this id as seen by ``account``; raise signal-cli's user errors otherwise."""
    group_id = parse_group_id(group_id_text)
    group = net["groups"].get(group_id)
    if group is None or account["uuid"] not in group.get("knownBy", []):
        raise UserError(f"Group not found: {group_id}")
    if need_member and not is_member(group, account):
        raise UserError(f"User is not a member in group: {group.get('name')} ({group_id})")
    return group


def avatar_path(cfg: str, group_id: str) -> str:
    """Where signal-cli keeps a group's avatar: ``<config>/avatars/group-<id with / as _>``."""
    return os.path.join(cfg, "avatars", "group-" + group_id.replace("/", "_"))


def remove_address(addresses: list[dict], addr: dict) -> list[dict]:
    return [a for a in addresses if not same_address(a, addr)]


def invite_link(group: dict) -> str | None:
    if group.get("link", "disabled") == "disabled" or not group.get("linkPassword"):
        return None
    return "https://signal.group/#" + group["linkPassword"]


def group_json(group: dict, account: dict, blocked: bool = False) -> dict:
    """listGroups entry, 0.13.19 shape (members are plain addresses)."""
    return {
        "id": group["id"],
        "name": group.get("name"),
        "description": group.get("description"),
        "isMember": is_member(group, account),
        "isBlocked": blocked,
        "messageExpirationTime": group.get("messageExpirationTime", 0),
        "members": [dict(a) for a in group["members"]],
        "pendingMembers": [dict(a) for a in group["pendingMembers"]],
        "requestingMembers": [dict(a) for a in group["requestingMembers"]],
        "admins": [dict(a) for a in group["admins"]],
        "banned": [dict(a) for a in group["banned"]],
        "permissionAddMember": group["permissionAddMember"],
        "permissionEditDetails": group["permissionEditDetails"],
        "permissionSendMessage": group["permissionSendMessage"],
        "groupInviteLink": invite_link(group),
    }
