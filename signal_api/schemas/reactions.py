"""Schemas of sending and removing reactions."""
from __future__ import annotations

from marshmallow import fields

from signal_api.schemas.common import LenientSchema


class ReactionSchema(LenientSchema):
    """A reaction to one message (removing it needs no ``reaction``: 👍 is assumed)."""

    recipient = fields.String(metadata={"description": "+E164 number, UUID, username or group.<id> of the chat"})
    reaction = fields.String(metadata={"example": "👍"})
    target_author = fields.String(metadata={"description": "Number or UUID of the author of the message"})
    timestamp = fields.Integer(strict=True, metadata={"description": "Timestamp of the message reacted to"})
