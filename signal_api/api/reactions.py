"""Reactions: send and remove an emoji reaction to a message."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.translate.actions import direct_recipient_params, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.reactions import ReactionSchema, RemoveReactionSchema
from signal_api.access.idempotency import idempotent

blp = SignalBlueprint("Reactions", __name__, description="React to messages")

DEFAULT_REACTION = "👍"


@blp.route("/v1/reactions/<number>", methods=["POST"])
@scope("send")
@idempotent
@blp.arguments(ReactionSchema)
@blp.response(204)
def send_reaction(body, number):
    """Send a reaction.

    React to a message
    """
    _react(number, body, body["reaction"], remove=False)


@blp.route("/v1/reactions/<number>", methods=["DELETE"])
@scope("send")
@idempotent
@blp.arguments(RemoveReactionSchema)
@blp.response(204)
def remove_reaction(body, number):
    """Remove a reaction.

    Remove a reaction
    """
    _react(number, body, body.get("reaction") or DEFAULT_REACTION, remove=True)


def _react(number: str, body: dict, emoji: str, *, remove: bool) -> None:
    params = {
        **direct_recipient_params(body["recipient"]),
        "emoji": emoji,
        "targetAuthor": body["target_author"],
        "targetTimestamp": body["timestamp"],
        "remove": remove,
    }
    send_action("sendReaction", params, number)
