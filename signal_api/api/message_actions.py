"""The typing indicator and remote deletion (tagged "Messages", like the original)."""
from __future__ import annotations

from signal_api.actions import direct_recipient_params, recipient_params, require, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.message_actions import RemoteDeleteSchema, TimestampResponseSchema, TypingIndicatorSchema

blp = SignalBlueprint("MessageActions", __name__, description="Typing indicator and remote deletion")
blp.tag_in_spec = False

TAGS = ["Messages"]


@blp.route("/v1/typing-indicator/<number>", methods=["PUT"], tags=TAGS)
@blp.arguments(TypingIndicatorSchema)
@blp.response(204)
def show_typing_indicator(body, number):
    """Show Typing Indicator."""
    _typing(number, body, stop=False)


@blp.route("/v1/typing-indicator/<number>", methods=["DELETE"], tags=TAGS)
@blp.arguments(TypingIndicatorSchema)
@blp.response(204)
def hide_typing_indicator(body, number):
    """Hide Typing Indicator."""
    _typing(number, body, stop=True)


def _typing(number: str, body: dict, *, stop: bool) -> None:
    # The original passed an empty recipient on to signal-cli; refusing it here says why.
    require(body, "recipient")
    params = {**direct_recipient_params(body["recipient"], username_option=False), "stop": stop}
    send_action("sendTyping", params, number)


@blp.route("/v1/remote-delete/<number>", methods=["DELETE"], tags=TAGS)
@blp.arguments(RemoteDeleteSchema)
@blp.response(201, TimestampResponseSchema)
def remote_delete(body, number):
    """Delete a signal message.

    Delete a signal message
    """
    require(body, "recipient", "timestamp")
    params = {**recipient_params(body["recipient"]), "targetTimestamp": body["timestamp"]}
    result = send_action("remoteDelete", params, number)
    return {"timestamp": str(result.timestamp)}
