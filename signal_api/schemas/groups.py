"""Schemas of the group routes (``/v1/groups``)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields

from signal_api.errors.request import RequestError
from signal_api.schemas.common import (
    INT32_MAX,
    JsonInteger,
    JsonList,
    JsonObject,
    JsonString,
    RecipientString,
    RequestBody,
    Timestamp,
    present,
)
from signal_api.schemas.receive import StrictBoolean

PERMISSION_VALUES = ["only-admins", "every-member"]
GROUP_LINK_VALUES = ["disabled", "enabled", "enabled-with-approval"]


class GroupPermissionsSchema(RequestBody):
    """Who may add members, edit the group details and send messages."""

    add_members = JsonString(metadata={"enum": PERMISSION_VALUES})
    edit_group = JsonString(metadata={"enum": PERMISSION_VALUES})
    send_messages = JsonString(metadata={"enum": PERMISSION_VALUES})


class _GroupSettingsSchema(RequestBody):
    """Settings shared by create and update (checked by the view, with the original's texts)."""

    name = JsonString()
    description = JsonString()
    permissions = JsonObject(GroupPermissionsSchema)
    group_link = JsonString(metadata={"enum": GROUP_LINK_VALUES})
    # signal-cli's --expiration is a Java int.
    expiration_time = JsonInteger(minimum=0, maximum=INT32_MAX,
                                  metadata={"description": "Seconds; 0 turns disappearing messages off"})


class CreateGroupSchema(_GroupSettingsSchema):
    """A new group: members are numbers, UUIDs or usernames."""

    members = JsonList(RecipientString())


class UpdateGroupSchema(_GroupSettingsSchema):
    """Changes to a group; absent fields stay as they are."""

    base64_avatar = JsonString(metadata={"description": "Raw standard base64 of the image (no data URI)"})


class GroupMembersSchema(RequestBody):
    """Members to add or remove."""

    members = JsonList(RecipientString())


class AddGroupMembersSchema(GroupMembersSchema):
    """Members to add: at least one."""

    checks = (present("members", "Couldn't process request - group members missing"),)


class GroupAdminsSchema(RequestBody):
    """Members to promote to or demote from admin."""

    admins = JsonList(RecipientString())


class PinMessageSchema(RequestBody):
    """The message to pin, by its author and timestamp (both go to signal-cli as given)."""

    target_author = RecipientString()
    timestamp = Timestamp()
    # signal-cli's --pin-duration is a Java int; -1 means forever.
    duration = JsonInteger(minimum=-1, maximum=INT32_MAX,
                           metadata={"description": "Seconds; -1 (default) pins forever"})

    # No check that an author is given: as from the original, a missing or empty one goes to
    # signal-cli, whose answer the client reads.


class UnpinMessageSchema(RequestBody):
    """The message to unpin, by its author and timestamp."""

    target_author = RecipientString()
    timestamp = Timestamp()

    checks = (
        present("target_author", "Couldn't process request - target author missing"),
        present("timestamp"),
    )


# A group invite link as signal-cli 0.13.19 reads one (GroupInviteLinkUrl): scheme https or sgnl and
# host signal.group (both in any case), no path, and the invite as url-safe base64 in the fragment.
# Anything else signal-cli answers only after opening the account ("Link is not a signal group
# invitation link"), or reads a query or a blank in a way no link has.
GROUP_INVITE_LINK = re.compile(r"(?i:https|sgnl)://(?i:signal\.group)/?#[A-Za-z0-9_-]+={0,2}")
INVALID_GROUP_LINK = ("Couldn't process request - uri: not a Signal group invite link "
                      "(https://signal.group/#...)")


def _group_invite_link(body: Mapping[str, Any]) -> None:
    if not GROUP_INVITE_LINK.fullmatch(body["uri"]):
        raise RequestError(INVALID_GROUP_LINK)


class JoinGroupByLinkSchema(RequestBody):
    """A group invite link, as shared by a group admin."""

    uri = JsonString(metadata={"description": "The group's invite link (its invite_link)",
                               "example": "https://signal.group/#CjQKIP..."})

    checks = (present("uri"), _group_invite_link)


class JoinedGroupSchema(Schema):
    """The group joined by link (or asked to join, when an admin must approve)."""

    id = fields.String(required=True, metadata={"description": "group.<base64 of internal_id>"})
    internal_id = fields.String(required=True, metadata={"description": "signal-cli's id"})
    pending_approval = fields.Boolean(
        required=True, metadata={"description": "True: the link needs an admin's approval, the request was sent"})


class ExpandArgsSchema(Schema):
    """``?expand=true`` lists members as ``{"number", "uuid"}`` objects."""

    expand = StrictBoolean(load_default=False)


class CreateGroupResponseSchema(Schema):
    """The new group's REST id."""

    id = fields.String(required=True, metadata={"example": "group.UG1waStFZlBXbXN4aW9tTGU5TngyWEY5SE9FNDgzcDZpS2lGajY1aU13ST0="})


class GroupPermissionsOutSchema(Schema):
    """Permission values: ``every-member`` or ``only-admins``."""

    add_members = fields.String(required=True)
    edit_group = fields.String(required=True)
    send_messages = fields.String(required=True)


class GroupEntrySchema(Schema):
    """One group as the original lists it (members as strings, or objects with ``expand=true``)."""

    name = fields.String(required=True)
    description = fields.String(required=True)
    id = fields.String(required=True, metadata={"description": "group.<base64 of internal_id>: use it in /v2/send"})
    internal_id = fields.String(required=True, metadata={"description": "signal-cli's id, = groupInfo.groupId of received messages"})
    members = fields.List(fields.Raw(), required=True)
    blocked = fields.Boolean(required=True)
    member = fields.Boolean(required=True, metadata={"description": "Whether the account is (still) a member"})
    pending_invites = fields.List(fields.Raw(), required=True)
    pending_requests = fields.List(fields.Raw(), required=True)
    invite_link = fields.String(required=True)
    admins = fields.List(fields.Raw(), required=True)
    permissions = fields.Nested(GroupPermissionsOutSchema, required=True)
