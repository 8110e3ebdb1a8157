"""Schemas of the Contacts area: listing, updating, syncing, blocking contacts, message requests.

Responses are built from signal-cli's ``listContacts`` JSON (signal-cli.md §6.3) by its real
keys: the original read ``blocked``, ``messageExpiration`` and ``profileName``, which signal-cli
never writes, so those fields were always empty (anchor-api §13 item 9).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump

from signal_api.schemas.common import (
    INT32_MAX, GoString, JsonInteger, JsonString, RecipientString, RequestBody, one_of, present,
)
from signal_api.schemas.receive import StrictBoolean


class GoStruct(fields.Nested):
    """A nested response object that is never null (Go's zero struct instead)."""

    def __init__(self, nested: type[Schema], **kwargs: Any) -> None:
        super().__init__(nested, dump_default=dict, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value or {}, attr, obj, **kwargs)


class ContactsArgsSchema(Schema):
    """Query parameters of the contact listing routes."""

    all_recipients = StrictBoolean(
        load_default=False, metadata={"description": "Include every known recipient, not only contacts"}
    )


class UpdateContactSchema(RequestBody):
    """A contact to add or change."""

    recipient = RecipientString(metadata={"description": "Phone number or UUID of the contact"})
    name = JsonString(metadata={"description": "The contact's name"})
    # signal-cli's --expiration is a Java int.
    expiration_in_seconds = JsonInteger(
        minimum=0, maximum=INT32_MAX, metadata={"description": "Disappearing-messages timer; 0 turns it off"}
    )

    checks = (present("recipient"),)


#: signal-cli's ``sendMessageRequestResponse --type`` choices.
MESSAGE_REQUEST_RESPONSES = ("accept", "delete")


class MessageRequestResponseSchema(RequestBody):
    """The answer to a message request (from a contact or, on the group route, a group)."""

    response = JsonString(metadata={"description": "accept or delete", "enum": list(MESSAGE_REQUEST_RESPONSES),
                                    "example": "accept"})

    checks = (
        present("response"),
        one_of("response", MESSAGE_REQUEST_RESPONSES,
               "Couldn't process request - response must be accept or delete"),
    )


class ContactProfileSchema(Schema):
    """The contact's own Signal profile (the family name really is under ``lastname``)."""

    given_name = GoString(attribute="givenName")
    lastname = GoString(attribute="familyName")
    about = GoString()
    has_avatar = fields.Boolean(attribute="hasAvatar", dump_default=False)
    last_updated_timestamp = fields.Integer(attribute="lastUpdateTimestamp", dump_default=0)


class NicknameSchema(Schema):
    """The nickname given to the contact locally."""

    name = GoString()
    given_name = GoString()
    family_name = GoString()


class ContactSchema(Schema):
    """One contact (``client.ListContactsResponse``)."""

    number = GoString()
    uuid = GoString()
    name = GoString()
    profile_name = GoString(attribute="profileName", metadata={"description": "Profile given + family name"})
    username = GoString()
    color = GoString()
    blocked = fields.Boolean(attribute="isBlocked", dump_default=False)
    message_expiration = GoString(
        attribute="messageExpirationTime", metadata={"description": "Disappearing-messages timer in seconds"}
    )
    note = GoString()
    profile = GoStruct(ContactProfileSchema)
    given_name = GoString(attribute="givenName")
    nickname = GoStruct(NicknameSchema)

    @pre_dump
    def _derive(self, contact: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        profile = contact.get("profile") or {}
        return {
            **contact,
            "messageExpirationTime": contact.get("messageExpirationTime") or 0,
            "profileName": " ".join(p for p in (profile.get("givenName"), profile.get("familyName")) if p),
            "nickname": {
                "name": contact.get("nickName"),
                "given_name": contact.get("nickGivenName"),
                "family_name": contact.get("nickFamilyName"),
            },
        }
