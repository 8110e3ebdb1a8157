"""Polls: create a poll, vote on one, close one."""
from __future__ import annotations

from signal_api.actions import next_vote_count, parse_timestamp, recipient_params, require, send_action
from signal_api.extensions import SignalBlueprint
from signal_api.problems import RequestError
from signal_api.schemas.message_actions import TimestampResponseSchema
from signal_api.schemas.polls import ClosePollSchema, CreatePollSchema, VoteSchema

blp = SignalBlueprint("Polls", __name__, description="Create, answer and close polls")


@blp.route("/v1/polls/<number>", methods=["POST"])
@blp.arguments(CreatePollSchema)
@blp.response(201, TimestampResponseSchema)
def create_poll(body, number):
    """Create a new poll.

    Create a new poll
    """
    require(body, "recipient", "question", "answers")
    params = {**recipient_params(body["recipient"]), "question": body["question"], "option": list(body["answers"])}
    if body.get("allow_multiple_selections") is False:
        params["noMulti"] = True
    result = send_action("sendPollCreate", params, number)
    return {"timestamp": str(result.timestamp)}


@blp.route("/v1/polls/<number>/vote", methods=["POST"])
@blp.arguments(VoteSchema)
@blp.response(204)
def vote_poll(body, number):
    """Answer a poll.

    Answer a poll
    """
    require(body, "recipient", "poll_author")
    poll_timestamp = parse_timestamp(body.get("poll_timestamp"), "poll_timestamp")
    require(body, "selected_answers")
    if any(answer < 1 for answer in body["selected_answers"]):
        raise RequestError("Invalid index in selected_answers specified, index needs to be >= 1!")
    params = {
        **recipient_params(body["recipient"]),
        "pollAuthor": body["poll_author"],
        "pollTimestamp": poll_timestamp,
        # signal-cli numbers the options from 0, the REST API from 1.
        "option": [answer - 1 for answer in body["selected_answers"]],
        "voteCount": next_vote_count(),
    }
    send_action("sendPollVote", params, number)


@blp.route("/v1/polls/<number>", methods=["DELETE"])
@blp.arguments(ClosePollSchema)
@blp.response(204)
def close_poll(body, number):
    """Close a poll.

    Close a poll
    """
    require(body, "recipient")
    poll_timestamp = parse_timestamp(body.get("poll_timestamp"), "poll_timestamp")
    params = {**recipient_params(body["recipient"]), "pollTimestamp": poll_timestamp}
    send_action("sendPollTerminate", params, number)
