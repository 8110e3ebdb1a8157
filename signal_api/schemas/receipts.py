"""Schemas of read and viewed receipts."""
from __future__ import annotations

from marshmallow import fields

from signal_api.schemas.common import LenientSchema

RECEIPT_TYPES = ("read", "viewed")


class ReceiptSchema(LenientSchema):
    """A receipt for one message of ``recipient``."""

    recipient = fields.String(metadata={"description": "+E164 number, UUID or username of the message's sender"})
    receipt_type = fields.String(metadata={"enum": list(RECEIPT_TYPES)})
    timestamp = fields.Integer(strict=True, metadata={"description": "Timestamp of the message"})
