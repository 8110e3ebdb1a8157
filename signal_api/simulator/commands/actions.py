"""Message actions: sendReaction, sendReceipt, sendTyping, remoteDelete and the poll commands.

All are send-like (signal-cli.md §4 "Messaging"): they print a SendResult and deliver one
envelope per recipient through the same path as ``send``, so a local account (or every member
of a group) finds it in its queue and an outside peer gets an outbox line. Reactions, remote
deletes and polls travel as a ``dataMessage`` with one special field; receipts and typing
indicators as a ``receiptMessage`` / ``typingMessage`` (signal-cli.md §7.2, §7.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import network, state
from ..delivery import Outgoing, raise_for_results, render_send_result
from ..errors import UserError
from .base import Context, Opt, command
from .messaging import RECIPIENT_OPTIONS, Targets, parse_targets, send_to_targets

MAX_POLL_OPTIONS = 10
MAX_POLL_OPTION_LENGTH = 100

_NOTIFY_SELF = Opt(("--notify-self",), "flag",
                   "If self is part of recipients/groups send a normal message, not a sync message.")
_SEND_LIKE = RECIPIENT_OPTIONS + (_NOTIFY_SELF,)
_POLL_TIMESTAMP = Opt(("--poll-timestamp",), "int", "Specify the timestamp of the poll message.", required=True)


def _plain(result: Any, params: dict) -> list[str]:
    return render_send_result(result)


@dataclass
class SignalOutgoing(Outgoing):
    """An outgoing message that is not a DataMessage: a receipt or a typing indicator."""

    kind: str = "receiptMessage"
    payload: dict = field(default_factory=dict)

    def content(self, group: dict | None) -> tuple[str, dict]:
        value = dict(self.payload)
        if group is not None:
            value["groupId"] = group["id"]
        return self.kind, value


def _required(params: dict, key: str, option: str) -> Any:
    """JSON-RPC does not enforce argparse's required options; fail the way a missing one reads."""
    value = params.get(key)
    if value is None or value == []:
        raise UserError(f"Missing required option {option}")
    return value


def _author(cfg: str, targets: Targets, text: str | None, option: str) -> dict:
    """The address fields of a message author; defaults to the only single recipient (as JSON-RPC)."""
    if text is None:
        if len(targets.singles) != 1 or targets.group_ids:
            raise UserError(f"Missing required option {option}")
        who = network.resolve(cfg, *targets.singles[0])
    else:
        who = network.resolve_text(cfg, text)
    return {"number": who.number, "uuid": who.uuid}


def _send(ctx: Context, targets: Targets, params: dict, fields: dict) -> dict:
    """Deliver a DataMessage carrying ``fields`` (and no text) to the targets."""
    out = Outgoing(sender=ctx.account, timestamp=state.new_timestamp(), message=None, fields=fields,
                   notify_self=bool(params.get("notifySelf")))
    return _finish(ctx, targets, out)


def _finish(ctx: Context, targets: Targets, out: Outgoing) -> dict:
    result = send_to_targets(ctx.config_dir, ctx.account, targets, out)
    raise_for_results(result)
    return result


@command("sendReaction", scope="account", plain=_plain, options=_SEND_LIKE + (
    Opt(("-e", "--emoji"), help="Specify the emoji, should be a single unicode grapheme cluster.", required=True),
    Opt(("-a", "--target-author"), help="Specify the number of the author of the message to which to react.",
        required=True),
    Opt(("-t", "--target-timestamp"), "int", "Specify the timestamp of the message to which to react.",
        required=True),
    Opt(("-r", "--remove"), "flag", "Remove a reaction."),
    Opt(("--story",), "flag", "React to a story instead of a normal message"),
))
def send_reaction(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    emoji = _required(params, "emoji", "--emoji")
    timestamp = _required(params, "targetTimestamp", "--target-timestamp")
    author = _author(ctx.config_dir, targets, params.get("targetAuthor"), "--target-author")
    reaction = {"emoji": emoji, "targetAuthor": author["number"] or author["uuid"],
                "targetAuthorNumber": author["number"], "targetAuthorUuid": author["uuid"],
                "targetSentTimestamp": timestamp, "isRemove": bool(params.get("remove"))}
    return _send(ctx, targets, params, {"reaction": reaction})


@command("sendReceipt", scope="account", plain=_plain, options=(
    Opt(("recipient",), help="Specify the sender."),
    Opt(("-t", "--target-timestamp"), "longs",
        "Specify the timestamp of the messages for which a receipt should be sent."),
    Opt(("--type",), help="Specify the receipt type (default is read receipt).", choices=("read", "viewed")),
))
def send_receipt(ctx: Context, params: dict) -> dict:
    recipient = _required(params, "recipient", "RECIPIENT")
    timestamps = _required(params, "targetTimestamp", "--target-timestamp")
    kind = params.get("type") or "read"
    if kind not in ("read", "viewed"):
        raise UserError(f"Unknown receipt type: {kind}")
    receipt = {"when": state.now_ms(), "isDelivery": False, "isRead": kind == "read", "isViewed": kind == "viewed",
               "timestamps": timestamps}
    out = SignalOutgoing(sender=ctx.account, timestamp=state.new_timestamp(), message=None,
                         kind="receiptMessage", payload=receipt)
    return _finish(ctx, parse_targets({"recipient": [recipient]}), out)


@command("sendTyping", scope="account", plain=_plain, options=(
    Opt(("recipient",), "list", "Specify the recipients' phone number.", nargs="*"),
    Opt(("-g", "--group-id", "--group"), "list", "Specify the recipient group ID."),
    Opt(("-s", "--stop"), "flag", "Send a typing STOP message."),
))
def send_typing(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    timestamp = state.new_timestamp()
    typing = {"action": "STOPPED" if params.get("stop") else "STARTED", "timestamp": timestamp}
    out = SignalOutgoing(sender=ctx.account, timestamp=timestamp, message=None, kind="typingMessage", payload=typing)
    return _finish(ctx, targets, out)


@command("remoteDelete", scope="account", plain=_plain, options=RECIPIENT_OPTIONS + (
    Opt(("-t", "--target-timestamp"), "int", "Specify the timestamp of the message to delete.", required=True),
))
def remote_delete(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    timestamp = _required(params, "targetTimestamp", "--target-timestamp")
    return _send(ctx, targets, params, {"remoteDelete": {"timestamp": timestamp}})


def _poll_options(options: list[Any]) -> list[str]:
    texts = [str(option) for option in options]
    if len(texts) < 2:
        raise UserError("Poll needs at least two options")
    if len(texts) > MAX_POLL_OPTIONS:
        raise UserError(f"Poll cannot have more than {MAX_POLL_OPTIONS} options")
    if any(not text for text in texts):
        raise UserError("Poll options must not be empty")
    for text in texts:
        if len(text) > MAX_POLL_OPTION_LENGTH:
            raise UserError(f'Poll option "{text}" is longer than {MAX_POLL_OPTION_LENGTH} characters')
    return texts


@command("sendPollCreate", scope="account", plain=_plain, options=_SEND_LIKE + (
    Opt(("-q", "--question"), help="Specify the poll question.", required=True),
    Opt(("--no-multi",), "flag", "Allow only a single option to be selected."),
    Opt(("-o", "--option"), "list", "The poll options (2-10)."),
))
def send_poll_create(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    question = _required(params, "question", "--question")
    options = _poll_options(params.get("option") or [])
    poll = {"question": question, "allowMultiple": not params.get("noMulti"), "options": options}
    return _send(ctx, targets, params, {"pollCreate": poll})


@command("sendPollVote", scope="account", plain=_plain, options=_SEND_LIKE + (
    Opt(("--poll-author",), help="Specify the number of the author of the poll message."),
    _POLL_TIMESTAMP,
    Opt(("-o", "--option"), "longs", "The indexes of the selected options (starting at 0)."),
    Opt(("--vote-count",), "int", "Increase this number with each vote change for this poll.", required=True),
))
def send_poll_vote(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    timestamp = _required(params, "pollTimestamp", "--poll-timestamp")
    vote_count = _required(params, "voteCount", "--vote-count")
    indexes = params.get("option") or []
    author = _author(ctx.config_dir, targets, params.get("pollAuthor"), "--poll-author")
    vote = {"author": author["number"] or author["uuid"], "authorNumber": author["number"],
            "authorUuid": author["uuid"], "targetSentTimestamp": timestamp, "optionIndexes": indexes,
            "voteCount": vote_count}
    return _send(ctx, targets, params, {"pollVote": vote})


@command("sendPollTerminate", scope="account", plain=_plain, options=_SEND_LIKE + (_POLL_TIMESTAMP,))
def send_poll_terminate(ctx: Context, params: dict) -> dict:
    targets = parse_targets(params)
    timestamp = _required(params, "pollTimestamp", "--poll-timestamp")
    return _send(ctx, targets, params, {"pollTerminate": {"targetSentTimestamp": timestamp}})
