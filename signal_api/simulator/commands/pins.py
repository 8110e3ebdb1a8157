"""sendPinMessage and sendUnpinMessage (signal-cli 0.14.0+): pin a message for a chat or group."""

from __future__ import annotations

from .. import network, state
from ..delivery import Outgoing, raise_for_results, render_send_result
from ..errors import UserError
from .base import Context, Opt, command
from .messaging import RECIPIENT_OPTIONS, parse_targets, send_to_targets

_TARGET_OPTIONS = (
    Opt(("--notify-self",), "flag", "If self is part of recipients/groups send a normal message, not a sync message."),
    Opt(("-a", "--target-author"), help="Specify the number of the author of the message to pin.", required=True),
    Opt(("-t", "--target-timestamp"), "int", "Specify the timestamp of the message to pin.", required=True),
    Opt(("--story",), "flag", "Pin a story instead of a normal message"),
)


def _send_pin(ctx: Context, params: dict, key: str, extra: dict) -> dict:
    cfg, account = ctx.config_dir, ctx.account
    targets = parse_targets(params)
    if params.get("targetAuthor") is None or params.get("targetTimestamp") is None:
        raise UserError("Missing target author or target timestamp")
    author = network.resolve_text(cfg, params["targetAuthor"])
    target = {"targetAuthor": author.number or author.uuid, "targetAuthorNumber": author.number,
              "targetAuthorUuid": author.uuid, "targetSentTimestamp": params["targetTimestamp"], **extra}
    out = Outgoing(sender=account, timestamp=state.new_timestamp(), message=None, fields={key: target},
                   notify_self=bool(params.get("notifySelf")))
    result = send_to_targets(cfg, account, targets, out)
    raise_for_results(result)
    return result


@command("sendPinMessage", scope="account", plain=lambda r, p: render_send_result(r),
         options=RECIPIENT_OPTIONS + _TARGET_OPTIONS + (
             Opt(("-d", "--pin-duration"), "int", "Seconds the message stays pinned (default -1: forever)"),))
def send_pin_message(ctx: Context, params: dict) -> dict:
    duration = params.get("pinDuration")
    return _send_pin(ctx, params, "pinMessage", {"pinDurationSeconds": -1 if duration is None else duration})


@command("sendUnpinMessage", scope="account", plain=lambda r, p: render_send_result(r),
         options=RECIPIENT_OPTIONS + _TARGET_OPTIONS)
def send_unpin_message(ctx: Context, params: dict) -> dict:
    return _send_pin(ctx, params, "unpinMessage", {})
