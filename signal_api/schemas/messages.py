"""Schemas of sending messages (``/v1/send`` and ``/v2/send``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import (
    INT32_MAX,
    JsonBoolean,
    JsonInteger,
    JsonList,
    JsonObject,
    JsonString,
    RecipientString,
    RequestBody,
    Timestamp,
)

ATTACHMENT_FORMS = [
    "<BASE64 ENCODED DATA>",
    "data:<MIME-TYPE>;base64<comma><BASE64 ENCODED DATA>",
    "data:<MIME-TYPE>;filename=<FILENAME>;base64<comma><BASE64 ENCODED DATA>",
]


class MentionSchema(RequestBody):
    """A mention: ``start`` and ``length`` in UTF-16 code units of the final text.

    As in the original none is required (signal-cli refuses an incomplete one); the numbers
    are Java ints for signal-cli.
    """

    author = RecipientString()
    start = JsonInteger(minimum=0, maximum=INT32_MAX)
    length = JsonInteger(minimum=0, maximum=INT32_MAX)


class LinkPreviewSchema(RequestBody):
    """A link preview; the url must start with https and appear in the message."""

    url = JsonString()
    title = JsonString()
    description = JsonString()
    base64_thumbnail = JsonString()


class SendMessageV2Schema(RequestBody):
    """A message to one group, or to numbers/UUIDs, or to usernames."""

    number = JsonString(metadata={"description": "The sending account"})
    recipients = JsonList(RecipientString(), metadata={"description": "+E164 numbers, UUIDs, usernames or one group.<id>"})
    recipient = RecipientString(metadata={"description": "A single recipient, added to recipients"})
    message = JsonString()
    base64_attachments = JsonList(JsonString(), metadata={"example": ATTACHMENT_FORMS})
    sticker = JsonString(metadata={"description": "<packIdHex>:<stickerId>"})
    mentions = JsonList(JsonObject(MentionSchema))
    quote_timestamp = Timestamp()
    quote_author = RecipientString()
    quote_message = JsonString()
    quote_mentions = JsonList(JsonObject(MentionSchema))
    text_mode = JsonString(metadata={"enum": ["normal", "styled"]})
    edit_timestamp = Timestamp()
    notify_self = JsonBoolean(metadata={"description": "Default true"})
    link_preview = JsonObject(LinkPreviewSchema)
    view_once = JsonBoolean()


class SendMessageV1Schema(RequestBody):
    """The deprecated v1 message."""

    number = JsonString()
    recipients = JsonList(RecipientString())
    message = JsonString()
    base64_attachment = JsonString()
    is_group = JsonBoolean()


class RecipientErrorSchema(Schema):
    """A recipient the message did not reach."""

    number = fields.String()
    uuid = fields.String()
    username = fields.String()
    reason = fields.String(required=True)


class SendErrorsSchema(Schema):
    """Partial failures of a send."""

    recipients = fields.List(fields.Nested(RecipientErrorSchema))


class SendMessageResponseSchema(Schema):
    """One send: the message timestamp (its id) as a string, and partial failures."""

    timestamp = fields.String(required=True)
    errors = fields.Nested(SendErrorsSchema)
