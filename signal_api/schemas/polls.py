"""Schemas of creating, answering and closing polls.

The original's checks run in its order; a vote checks the poll timestamp, author and answers
before the recipient. ``poll_timestamp`` is a string of digits in the original (a JSON number
works here too) and is an integer after loading.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load

from signal_api.errors.request import RequestError
from signal_api.schemas.common import (
    INT64_MAX,
    JsonBoolean,
    JsonInteger,
    JsonList,
    JsonString,
    OversizedNumber,
    RecipientString,
    RequestBody,
    go_int_text,
    present,
)
from signal_api.schemas.message_actions import RECIPIENT_DESCRIPTION

INVALID_TIMESTAMP = "Couldn't process request - invalid timestamp"
INVALID_ANSWER = "Invalid index in selected_answers specified, index needs to be >= 1!"


class PollTimestamp(fields.Field):
    """A timestamp as a string of digits or a JSON number; judged by :func:`_valid_poll_timestamp`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str | OversizedNumber:
        if isinstance(value, bool) or not isinstance(value, (int, str, OversizedNumber)):
            raise ValidationError("expected a string of digits or an integer")
        return value


def _poll_timestamp() -> PollTimestamp:
    return PollTimestamp(metadata={"type": "string", "example": "1769271479000",
                                   "description": "Timestamp of the poll message (a JSON number works too)"})


def _timestamp_value(value: int | str | OversizedNumber) -> int | None:
    if isinstance(value, str):
        value = go_int_text(value)
    if isinstance(value, int) and 0 <= value <= INT64_MAX:
        return value
    return None  # not Go's integer syntax, beyond int64 or negative (timestamps are positive)


def _valid_poll_timestamp(body: Mapping[str, Any]) -> None:
    if _timestamp_value(body["poll_timestamp"]) is None:
        raise RequestError(INVALID_TIMESTAMP)


def _answers_from_one(body: Mapping[str, Any]) -> None:
    if any(answer < 1 for answer in body["selected_answers"]):
        raise RequestError(INVALID_ANSWER)


class _PollTimestampBody(RequestBody):
    @post_load
    def _timestamp_as_integer(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "poll_timestamp" in data:
            data["poll_timestamp"] = _timestamp_value(data["poll_timestamp"])
        return data


class CreatePollSchema(RequestBody):
    """A poll; several answers may be selected unless allow_multiple_selections is false."""

    recipient = RecipientString(metadata={"description": RECIPIENT_DESCRIPTION})
    question = JsonString(metadata={"example": "What's your favourite fruit?"})
    answers = JsonList(JsonString(), metadata={"example": ["apple", "banana", "orange"]})
    allow_multiple_selections = JsonBoolean(metadata={"description": "Default true"})

    checks = (present("recipient"), present("question"), present("answers"))


class VoteSchema(_PollTimestampBody):
    """A vote: the selected answers are numbered from 1."""

    recipient = RecipientString(metadata={"description": RECIPIENT_DESCRIPTION})
    poll_author = RecipientString(metadata={"description": "Number or UUID of the poll's author"})
    poll_timestamp = _poll_timestamp()
    # The original's answers are Go int32.
    selected_answers = JsonList(JsonInteger(bits=32), metadata={"example": [1]})

    checks = (
        present("poll_timestamp"),
        present("poll_author"),
        present("selected_answers"),
        present("recipient"),
        _valid_poll_timestamp,
        _answers_from_one,
    )


class ClosePollSchema(_PollTimestampBody):
    """The poll to close."""

    recipient = RecipientString(metadata={"description": RECIPIENT_DESCRIPTION})
    poll_timestamp = _poll_timestamp()

    checks = (present("poll_timestamp"), present("recipient"), _valid_poll_timestamp)
