"""Schemas of receiving messages."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate


class StrictBoolean(fields.Field):
    """A query flag that is exactly ``true`` or ``false``, as the original requires."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if value in ("true", True):
            return True
        if value in ("false", False):
            return False
        raise ValidationError(f"Couldn't process request - {self.data_key or attr} parameter needs to be either 'true' or 'false'")

    def _jsonschema_type_mapping(self):  # noqa: ANN202
        return {"type": "boolean"}


class NumericInteger(fields.Integer):
    """An integer query parameter with the original's "needs to be numeric" message."""

    def __init__(self, **kwargs):  # noqa: ANN003
        super().__init__(strict=False, **kwargs)

    def _validated(self, value):  # noqa: ANN001, ANN202
        try:
            return super()._validated(value)
        except ValidationError:
            raise ValidationError(f"Couldn't process request - {self.name} needs to be numeric!") from None


class ReceiveArgsSchema(Schema):
    """Query parameters of ``GET /v1/receive/{number}``."""

    timeout = NumericInteger(load_default=1, metadata={"description": "Seconds to wait for messages"})
    max_messages = NumericInteger(load_default=0, metadata={"description": "0 means unlimited"})
    ignore_attachments = StrictBoolean(load_default=False)
    ignore_stories = StrictBoolean(load_default=False)
    ignore_avatars = StrictBoolean(load_default=False)
    ignore_stickers = StrictBoolean(load_default=False)
    send_read_receipts = StrictBoolean(load_default=False)


class HistoryArgsSchema(Schema):
    """Query parameters of ``GET /v1/messages/{number}``."""

    after = NumericInteger(load_default=0, validate=validate.Range(min=0),
                           metadata={"description": "Return messages after this cursor"})
    limit = NumericInteger(load_default=100, validate=validate.Range(min=1, max=1000),
                           metadata={"description": "At most this many (1-1000)"})


class ReceivedMessageSchema(Schema):
    """One received message: signal-cli's envelope, the receiving account and its cursor."""

    envelope = fields.Dict(required=True, metadata={"description": "signal-cli's envelope JSON"})
    account = fields.String(required=True)
    cursor = fields.Integer(metadata={"description": "Position in the inbox; resume with since/after"})
