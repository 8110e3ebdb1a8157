"""Schemas of read and viewed receipts."""
from __future__ import annotations

from signal_api.schemas.common import JsonString, RecipientString, RequestBody, Timestamp, one_of, present

RECEIPT_TYPES = ("read", "viewed")


class ReceiptSchema(RequestBody):
    """A receipt for one message of ``recipient``."""

    recipient = RecipientString(metadata={"description": "+E164 number, UUID or username of the message's sender"})
    receipt_type = JsonString(metadata={"enum": list(RECEIPT_TYPES)})
    timestamp = Timestamp(metadata={"description": "Timestamp of the message"})

    checks = (
        present("recipient"),
        one_of("receipt_type", RECEIPT_TYPES, "Couldn't process request - receipt type must be read or viewed"),
        present("timestamp"),
    )
