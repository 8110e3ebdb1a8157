"""Schemas of sending messages (``/v1/send`` and ``/v2/send``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import LenientSchema

ATTACHMENT_FORMS = [
    "<BASE64 ENCODED DATA>",
    "data:<MIME-TYPE>;base64<comma><BASE64 ENCODED DATA>",
    "data:<MIME-TYPE>;filename=<FILENAME>;base64<comma><BASE64 ENCODED DATA>",
]


class MentionSchema(LenientSchema):
    """A mention: ``start`` and ``length`` in UTF-16 code units of the final text."""

    author = fields.String(required=True)
    start = fields.Integer(required=True, strict=True)
    length = fields.Integer(required=True, strict=True)


class LinkPreviewSchema(LenientSchema):
    """A link preview; the url must start with https and appear in the message."""

    url = fields.String()
    title = fields.String()
    description = fields.String()
    base64_thumbnail = fields.String()


class SendMessageV2Schema(LenientSchema):
    """A message to one group, or to numbers/UUIDs, or to usernames."""

    number = fields.String(metadata={"description": "The sending account"})
    recipients = fields.List(fields.String(), metadata={"description": "+E164 numbers, UUIDs, usernames or one group.<id>"})
    recipient = fields.String(metadata={"description": "A single recipient, added to recipients"})
    message = fields.String()
    base64_attachments = fields.List(fields.String(), metadata={"example": ATTACHMENT_FORMS})
    sticker = fields.String(metadata={"description": "<packIdHex>:<stickerId>"})
    mentions = fields.List(fields.Nested(MentionSchema))
    quote_timestamp = fields.Integer(strict=True)
    quote_author = fields.String()
    quote_message = fields.String()
    quote_mentions = fields.List(fields.Nested(MentionSchema))
    text_mode = fields.String(metadata={"enum": ["normal", "styled"]})
    edit_timestamp = fields.Integer(strict=True)
    notify_self = fields.Boolean(metadata={"description": "Default true"})
    link_preview = fields.Nested(LinkPreviewSchema)
    view_once = fields.Boolean()


class SendMessageV1Schema(LenientSchema):
    """The deprecated v1 message."""

    number = fields.String()
    recipients = fields.List(fields.String())
    message = fields.String()
    base64_attachment = fields.String()
    is_group = fields.Boolean()


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
