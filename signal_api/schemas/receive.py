"""Schemas of receiving messages."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields

from signal_api.schemas.common import INT32_MAX, INT32_MIN, INT64_MAX, OriginalText, go_int_text

#: The longest ``GET /v1/receive`` wait (seconds): the original killed signal-cli after 120 s anyway.
MAX_RECEIVE_TIMEOUT = 3600


class StrictBoolean(fields.Field):
    """A query flag that is exactly ``true`` or ``false``, as the original requires."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value in ("true", True):
            return True
        if value in ("false", False):
            return False
        raise ValidationError(OriginalText(
            f"Couldn't process request - {self.data_key or attr} parameter needs to be either 'true' or 'false'",
            names_field=True))

    def _jsonschema_type_mapping(self):  # noqa: ANN202
        return {"type": "boolean"}


def query_flag(args: Mapping[str, str], name: str) -> bool | None:
    """A :class:`StrictBoolean` query flag read outside a schema (WebSocket, SSE): absent is False, not a flag None."""
    value = args.get(name)
    if value is None:
        return False
    try:
        return StrictBoolean(data_key=name).deserialize(value)
    except ValidationError:
        return None


class NumericInteger(fields.Integer):
    """An integer query parameter read like Go's strconv (sign and ASCII digits, ``bits`` wide).

    Anything else is the original's "needs to be numeric!"; ``minimum``/``maximum`` are this
    service's limits on top (0 and up to a maximum for a timeout, SQLite's integer for a cursor).
    """

    def __init__(self, *, bits: int = 32, minimum: int | None = None, maximum: int | None = None,
                 **kwargs: Any) -> None:
        self.bits, self.minimum, self.maximum = bits, minimum, maximum
        if minimum is not None:
            kwargs.setdefault("metadata", {})["minimum"] = minimum
        if maximum is not None:
            kwargs.setdefault("metadata", {})["maximum"] = maximum
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        name = self.data_key or attr
        number = go_int_text(value, bits=self.bits) if isinstance(value, str) else None
        if number is None:
            raise ValidationError(OriginalText(f"Couldn't process request - {name} needs to be numeric!", names_field=True))
        low = INT32_MIN if self.minimum is None else self.minimum
        high = INT32_MAX if self.maximum is None else self.maximum
        if not low <= number <= high:
            raise ValidationError(OriginalText(f"Couldn't process request - {name} must be between {low} and {high}",
                                              names_field=True))
        return number


class ReceiveArgsSchema(Schema):
    """Query parameters of ``GET /v1/receive/{number}``."""

    timeout = NumericInteger(load_default=1, minimum=0, maximum=MAX_RECEIVE_TIMEOUT,
                             metadata={"description": f"Seconds to wait for messages (0 to {MAX_RECEIVE_TIMEOUT})"})
    max_messages = NumericInteger(load_default=0, metadata={"description": "0 means unlimited"})
    ignore_attachments = StrictBoolean(load_default=False)
    ignore_stories = StrictBoolean(load_default=False)
    ignore_avatars = StrictBoolean(load_default=False)
    ignore_stickers = StrictBoolean(load_default=False)
    send_read_receipts = StrictBoolean(load_default=False)


class HistoryArgsSchema(Schema):
    """Query parameters of ``GET /v1/messages/{number}``."""

    after = NumericInteger(bits=64, load_default=0, minimum=0, maximum=INT64_MAX,
                           metadata={"description": "Return messages after this cursor"})
    limit = NumericInteger(load_default=100, minimum=1, maximum=1000,
                           metadata={"description": "At most this many (1-1000)"})


class ReceivedMessageSchema(Schema):
    """One received message: signal-cli's envelope, the receiving account and its cursor."""

    envelope = fields.Dict(required=True, metadata={
        "description": "signal-cli's envelope JSON; next to each groupId its REST form groupRestId "
                       "(group.…, the id the group routes and /v2/send take), next to blockedGroupIds "
                       "blockedGroupRestIds"})
    account = fields.String(required=True)
    cursor = fields.Integer(metadata={"description": "Position in the inbox; resume with since/after"})
