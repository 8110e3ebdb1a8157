"""Receipts: tell a sender that their message was read or viewed."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.translate.actions import direct_recipient_params, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.errors.request import RequestError
from signal_api.schemas.receipts import ReceiptSchema

blp = SignalBlueprint("Receipts", __name__, description="Send read and viewed receipts")


@blp.route("/v1/receipts/<number>", methods=["POST"])
@scope("send")
@blp.arguments(ReceiptSchema)
@blp.response(204)
def send_receipt(body, number):
    """Send a receipt.

    Send a read or viewed receipt
    """
    target = direct_recipient_params(body["recipient"], username_option=False)
    if "groupId" in target:
        raise RequestError("Couldn't process request - a receipt goes to the message's sender, not to a group")
    # The original dropped receipt_type in CLI modes (a viewed receipt went out as read).
    params = {**target, "targetTimestamp": [body["timestamp"]], "type": body["receipt_type"]}
    send_action("sendReceipt", params, number)
