"""Schemas of creating, answering and closing polls."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from signal_api.schemas.common import LenientSchema
from signal_api.schemas.message_actions import RECIPIENT_DESCRIPTION


class NumberOrString(fields.Field):
    """A timestamp as a JSON number or a string of digits; the view checks the digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Not a valid timestamp.")
        return value


def _poll_timestamp() -> NumberOrString:
    return NumberOrString(metadata={"type": "string", "example": "1769271479000",
                                    "description": "Timestamp of the poll message (a JSON number works too)"})


class CreatePollSchema(LenientSchema):
    """A poll; several answers may be selected unless allow_multiple_selections is false."""

    recipient = fields.String(metadata={"description": RECIPIENT_DESCRIPTION})
    question = fields.String(metadata={"example": "What's your favourite fruit?"})
    answers = fields.List(fields.String(), metadata={"example": ["apple", "banana", "orange"]})
    allow_multiple_selections = fields.Boolean(metadata={"description": "Default true"})


class VoteSchema(LenientSchema):
    """A vote: the selected answers are numbered from 1."""

    recipient = fields.String(metadata={"description": RECIPIENT_DESCRIPTION})
    poll_author = fields.String(metadata={"description": "Number or UUID of the poll's author"})
    poll_timestamp = _poll_timestamp()
    selected_answers = fields.List(fields.Integer(strict=True), metadata={"example": [1]})


class ClosePollSchema(LenientSchema):
    """The poll to close."""

    recipient = fields.String(metadata={"description": RECIPIENT_DESCRIPTION})
    poll_timestamp = _poll_timestamp()
