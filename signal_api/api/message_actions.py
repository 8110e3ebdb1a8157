"""The typing indicator and remote deletion (tagged "Messages", like the original)."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.translate.actions import direct_recipient_params, recipient_params, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.message_actions import RemoteDeleteSchema, TimestampResponseSchema, TypingIndicatorSchema
from signal_api.access.idempotency import idempotent

blp = SignalBlueprint("MessageActions", __name__, description="Typing indicator and remote deletion")
blp.tag_in_spec = False

TAGS = ["Messages"]


@blp.route("/v1/typing-indicator/<number>", methods=["PUT"], tags=TAGS)
@scope("send")
@blp.arguments(TypingIndicatorSchema)
@blp.response(204)
def show_typing_indicator(body, number):
    """Show Typing Indicator."""
    _typing(number, body, stop=False)


@blp.route("/v1/typing-indicator/<number>", methods=["DELETE"], tags=TAGS)
@scope("send")
@blp.arguments(TypingIndicatorSchema)
@blp.response(204)
def hide_typing_indicator(body, number):
    """Hide Typing Indicator."""
    _typing(number, body, stop=True)


def _typing(number: str, body: dict, *, stop: bool) -> None:
    params = {**direct_recipient_params(body.get("recipient", ""), username_option=False), "stop": stop}
    send_action("sendTyping", params, number)


@blp.route("/v1/remote-delete/<number>", methods=["DELETE"], tags=TAGS)
@scope("send")
@idempotent
@blp.arguments(RemoteDeleteSchema)
@blp.response(201, TimestampResponseSchema)
def remote_delete(body, number):
    """Delete a signal message.

    Delete a signal message. Without a ``timestamp`` signal-cli gets 0, as from the original.
    """
    params = {**recipient_params(body.get("recipient", "")), "targetTimestamp": body.get("timestamp", 0)}
    result = send_action("remoteDelete", params, number)
    return {"timestamp": str(result.timestamp)}
