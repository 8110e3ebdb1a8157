"""Schemas of the typing indicator and remote deletion."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import LenientSchema

RECIPIENT_DESCRIPTION = "+E164 number, UUID, username or group.<id>"


class TypingIndicatorSchema(LenientSchema):
    """Who sees the indicator."""

    recipient = fields.String(metadata={"description": RECIPIENT_DESCRIPTION})


class RemoteDeleteSchema(LenientSchema):
    """The message (by its timestamp) to delete for everyone in the chat."""

    recipient = fields.String(metadata={"description": RECIPIENT_DESCRIPTION})
    timestamp = fields.Integer(strict=True, metadata={"description": "Timestamp of the message to delete"})


class TimestampResponseSchema(Schema):
    """The timestamp (the id) of the message just sent, as a string."""

    timestamp = fields.String(required=True, metadata={"example": "1769271479000"})
