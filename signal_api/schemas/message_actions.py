"""Schemas of the typing indicator and remote deletion."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import RecipientString, RequestBody, Timestamp

RECIPIENT_DESCRIPTION = "+E164 number, UUID, username or group.<id>"
# No check that a recipient is given: as from the original, a missing or empty one goes to
# signal-cli, whose answer the client reads (translate.actions.recipient_params).


class TypingIndicatorSchema(RequestBody):
    """Who sees the indicator."""

    recipient = RecipientString(metadata={"description": RECIPIENT_DESCRIPTION})


class RemoteDeleteSchema(RequestBody):
    """The message (by its timestamp) to delete for everyone in the chat."""

    recipient = RecipientString(metadata={"description": RECIPIENT_DESCRIPTION})
    timestamp = Timestamp(metadata={"description": "Timestamp of the message to delete"})


class TimestampResponseSchema(Schema):
    """The timestamp (the id) of the message just sent, as a string."""

    timestamp = fields.String(required=True, metadata={"example": "1769271479000"})
