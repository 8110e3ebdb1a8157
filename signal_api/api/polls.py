"""Polls: create a poll, vote on one, close one."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.translate.actions import next_vote_count, recipient_params, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.message_actions import TimestampResponseSchema
from signal_api.schemas.polls import ClosePollSchema, CreatePollSchema, VoteSchema
from signal_api.access.idempotency import idempotent

blp = SignalBlueprint("Polls", __name__, description="Create, answer and close polls")


@blp.route("/v1/polls/<number>", methods=["POST"])
@scope("send")
@idempotent
@blp.arguments(CreatePollSchema)
@blp.response(201, TimestampResponseSchema)
def create_poll(body, number):
    """Create a new poll.

    Create a new poll
    """
    params = {**recipient_params(body["recipient"]), "question": body["question"], "option": list(body["answers"])}
    if body.get("allow_multiple_selections") is False:
        params["noMulti"] = True
    result = send_action("sendPollCreate", params, number)
    return {"timestamp": str(result.timestamp)}


@blp.route("/v1/polls/<number>/vote", methods=["POST"])
@scope("send")
@idempotent
@blp.arguments(VoteSchema)
@blp.response(204)
def vote_poll(body, number):
    """Answer a poll.

    Answer a poll
    """
    params = {
        **recipient_params(body["recipient"]),
        "pollAuthor": body["poll_author"],
        "pollTimestamp": body["poll_timestamp"],
        # signal-cli numbers the options from 0, the REST API from 1.
        "option": [answer - 1 for answer in body["selected_answers"]],
        "voteCount": next_vote_count(),
    }
    send_action("sendPollVote", params, number)


@blp.route("/v1/polls/<number>", methods=["DELETE"])
@scope("send")
@idempotent
@blp.arguments(ClosePollSchema)
@blp.response(204)
def close_poll(body, number):
    """Close a poll.

    Close a poll
    """
    params = {**recipient_params(body["recipient"]), "pollTimestamp": body["poll_timestamp"]}
    send_action("sendPollTerminate", params, number)
