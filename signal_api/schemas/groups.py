"""Schemas of the group routes (``/v1/groups``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import LenientSchema
from signal_api.schemas.receive import StrictBoolean

PERMISSION_VALUES = ["only-admins", "every-member"]
GROUP_LINK_VALUES = ["disabled", "enabled", "enabled-with-approval"]


class GroupPermissionsSchema(LenientSchema):
    """Who may add members, edit the group details and send messages."""

    add_members = fields.String(metadata={"enum": PERMISSION_VALUES})
    edit_group = fields.String(metadata={"enum": PERMISSION_VALUES})
    send_messages = fields.String(metadata={"enum": PERMISSION_VALUES})


class _GroupSettingsSchema(LenientSchema):
    """Settings shared by create and update (checked by the view, with the original's texts)."""

    name = fields.String()
    description = fields.String()
    permissions = fields.Nested(GroupPermissionsSchema)
    group_link = fields.String(metadata={"enum": GROUP_LINK_VALUES})
    expiration_time = fields.Integer(strict=True, metadata={"description": "Seconds; 0 turns disappearing messages off"})


class CreateGroupSchema(_GroupSettingsSchema):
    """A new group: members are numbers, UUIDs or usernames."""

    members = fields.List(fields.String())


class UpdateGroupSchema(_GroupSettingsSchema):
    """Changes to a group; absent fields stay as they are."""

    base64_avatar = fields.String(metadata={"description": "Raw standard base64 of the image (no data URI)"})


class GroupMembersSchema(LenientSchema):
    """Members to add or remove."""

    members = fields.List(fields.String())


class GroupAdminsSchema(LenientSchema):
    """Members to promote to or demote from admin."""

    admins = fields.List(fields.String())


class PinMessageSchema(LenientSchema):
    """The message to pin, by its author and timestamp."""

    target_author = fields.String()
    timestamp = fields.Integer(strict=True)
    duration = fields.Integer(strict=True, metadata={"description": "Seconds; -1 (default) pins forever"})


class UnpinMessageSchema(LenientSchema):
    """The message to unpin, by its author and timestamp."""

    target_author = fields.String()
    timestamp = fields.Integer(strict=True)


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
