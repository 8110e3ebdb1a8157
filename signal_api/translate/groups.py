"""Groups: request bodies to signal-cli ``updateGroup`` params, ``listGroups`` entries to the
original's group objects.

Differences from the original (anchor-api §13 items 9, 14, 15; §14 item 10), on purpose:

* every group route takes the ``group.…`` id or the internal id (the original wanted the exact
  ``group.`` form for GET one group and for members/admins);
* ``permissions.edit_group`` is the edit-details permission (the original copied send-messages);
* ``expiration_time: 0`` is passed on in every mode, so disappearing messages can be turned off
  in json-rpc mode too;
* username members get signal-cli's ``u:`` prefix in every mode and on every route.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from signal_api.translate.identifiers import (
    IdentifierError,
    RecipientKind,
    classify_recipient,
    group_id_to_internal,
    internal_to_group_id,
)
from signal_api.errors.request import RequestError
from signal_api.signalcli import SignalBackend
from signal_api.errors.backend import UnexpectedError

PERMISSIONS = ("every-member", "only-admins")
GROUP_LINKS = ("enabled", "enabled-with-approval", "disabled")
_PERMISSION_CHOICES = "only 'every-member' and 'only-admins' allowed!"
# (body key, signal-cli param, error text), in the order the original checks them.
_PERMISSION_FIELDS = (
    ("add_members", "setPermissionAddMember", f"Invalid add members permission provided - {_PERMISSION_CHOICES}"),
    ("edit_group", "setPermissionEditDetails", f"Invalid edit group permissions provided - {_PERMISSION_CHOICES}"),
    ("send_messages", "setPermissionSendMessages",
     f"Invalid send messages permission provided - {_PERMISSION_CHOICES}"),
)
_INVALID_LINK = "Invalid group link provided - only 'enabled', 'enabled-with-approval' and 'disabled' allowed!"
_PERMISSION_NAMES = {"EVERY_MEMBER": "every-member", "ONLY_ADMINS": "only-admins"}


def internal_id(path_id: str) -> str:
    """signal-cli's group id for a path ``{groupid}``: ``group.<…>``, the same without the
    prefix, or the internal id itself (``%2F`` for ``/`` still escaped is fine). Raises
    IdentifierError ``Invalid group id``."""
    return group_id_to_internal(unquote(path_id) if "%" in path_id else path_id)


def member_identifier(text: str) -> str:
    """A member as signal-cli takes it: numbers and UUIDs as they are, usernames as ``u:<name>``."""
    if text.startswith(("u:", "PNI:")):
        return text
    try:
        kind = classify_recipient(text).kind
    except IdentifierError:
        return text
    return f"u:{text}" if kind is RecipientKind.USERNAME else text


def settings_params(body: dict[str, Any]) -> dict[str, Any]:
    """updateGroup params for the settings shared by create and update (validated first)."""
    permissions = body.get("permissions") or {}
    for key, _, message in _PERMISSION_FIELDS:
        if permissions.get(key) and permissions[key] not in PERMISSIONS:
            raise RequestError(message)
    if body.get("group_link") and body["group_link"] not in GROUP_LINKS:
        raise RequestError(_INVALID_LINK)
    params: dict[str, Any] = {}
    for key, param in (("name", "name"), ("description", "description"), ("group_link", "link")):
        if body.get(key):
            params[param] = body[key]
    for key, param, _ in _PERMISSION_FIELDS:
        if permissions.get(key):
            params[param] = permissions[key]
    if body.get("expiration_time") is not None:
        params["expiration"] = body["expiration_time"]
    return params


def create_params(body: dict[str, Any]) -> dict[str, Any]:
    """updateGroup params creating the group described by a POST body."""
    params = settings_params(body)
    members = [member_identifier(m) for m in body.get("members") or []]
    if members:
        params["member"] = members
    return params


def created_id(result: Any) -> str:
    """The REST id of the group an updateGroup call created."""
    group_id = result.get("groupId") if isinstance(result, dict) else None
    if not isinstance(group_id, str) or not group_id:
        raise UnexpectedError(f"signal-cli did not return the new group's id: {result!r}")
    return internal_to_group_id(group_id)


def list_groups(backend: SignalBackend, account: str) -> list[dict[str, Any]]:
    """signal-cli's listGroups entries for ``account``."""
    result = backend.call("listGroups", {"detailed": True}, account=account)
    return [entry for entry in result or [] if isinstance(entry, dict)]


def find_group(backend: SignalBackend, account: str, internal: str) -> dict[str, Any] | None:
    """The listGroups entry with this internal id, or None."""
    return next((entry for entry in list_groups(backend, account) if entry.get("id") == internal), None)


def group_entry(raw: dict[str, Any], *, expand: bool = False) -> dict[str, Any]:
    """The original's group object for one listGroups entry (signal-cli 0.13 or 0.14 shape)."""
    address = _address_object if expand else _address_text
    members = raw.get("members") or []
    admins = raw.get("admins")
    if admins is None:  # 0.14.1+ may drop the deprecated list; members carry isAdmin
        admins = [m for m in members if m.get("isAdmin")]
    internal = raw.get("id") or ""
    return {
        "name": raw.get("name") or "",
        "description": raw.get("description") or "",
        "id": internal_to_group_id(internal),
        "internal_id": internal,
        "members": [address(m) for m in members],
        "blocked": bool(raw.get("isBlocked")),
        "member": bool(raw.get("isMember")),
        "pending_invites": [address(m) for m in raw.get("pendingMembers") or []],
        "pending_requests": [address(m) for m in raw.get("requestingMembers") or []],
        "invite_link": raw.get("groupInviteLink") or "",
        "admins": [address(m) for m in admins],
        "permissions": {
            "add_members": _PERMISSION_NAMES.get(raw.get("permissionAddMember") or "", ""),
            "edit_group": _PERMISSION_NAMES.get(raw.get("permissionEditDetails") or "", ""),
            "send_messages": _PERMISSION_NAMES.get(raw.get("permissionSendMessage") or "", ""),
        },
    }


def _address_text(addr: dict[str, Any]) -> str:
    return addr.get("number") or addr.get("uuid") or ""


def _address_object(addr: dict[str, Any]) -> dict[str, str]:
    return {"number": addr.get("number") or "", "uuid": addr.get("uuid") or ""}
