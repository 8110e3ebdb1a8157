"""Schemas of sending and removing reactions."""
from __future__ import annotations

from signal_api.schemas.common import JsonString, RecipientString, RequestBody, Timestamp, present


class ReactionSchema(RequestBody):
    """A reaction to one message."""

    recipient = RecipientString(metadata={"description": "+E164 number, UUID, username or group.<id> of the chat"})
    reaction = JsonString(metadata={"example": "👍"})
    target_author = RecipientString(metadata={"description": "Number or UUID of the author of the message"})
    timestamp = Timestamp(metadata={"description": "Timestamp of the message reacted to"})

    checks = (present("recipient"), present("reaction"), present("target_author"), present("timestamp"))


class RemoveReactionSchema(ReactionSchema):
    """The reaction to remove (no ``reaction`` needed: 👍 is assumed)."""

    checks = (present("recipient"), present("target_author"), present("timestamp"))
