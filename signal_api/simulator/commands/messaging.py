"""send and simulateReceive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import attachments, envelopes, groups, network, recipients, state
from ..delivery import Outgoing, deliver, raise_for_results, render_send_result
from ..errors import UserError
from ..network import Recipient
from .base import Context, Opt, command

_PART_PATTERN = re.compile(r"(\d+):(\d+):(.+)", re.S)
_STICKER_PATTERN = re.compile(r"([\da-f]+):(\d+)")
STYLES = ("NONE", "BOLD", "ITALIC", "SPOILER", "STRIKETHROUGH", "MONOSPACE")

RECIPIENT_OPTIONS = (
    Opt(("recipient",), "list", "Specify the recipients' phone number.", nargs="*"),
    Opt(("-g", "--group-id", "--group"), "list", "Specify the recipient group ID."),
    Opt(("-u", "--username"), "list", "Specify the recipient username or username link."),
    Opt(("--note-to-self",), "flag", "Send the message to self without notification."),
)


@dataclass
class Targets:
    """Parsed recipients of a send-like command (validated, not yet resolved)."""

    singles: list[tuple[str, str]] = field(default_factory=list)   # (kind, value), deduplicated
    group_ids: list[str] = field(default_factory=list)
    note_to_self: bool = False

    def __bool__(self) -> bool:
        return bool(self.singles or self.group_ids or self.note_to_self)


def parse_targets(params: dict) -> Targets:
    """CommandUtil.getRecipientIdentifiers: validate syntax, raise ``No recipients given`` if empty."""
    targets = Targets(note_to_self=bool(params.get("noteToSelf")))
    for text in params.get("recipient") or []:
        parsed = network.parse_recipient(text)
        if parsed not in targets.singles:
            targets.singles.append(parsed)
    for text in params.get("groupId") or []:
        group_id = network.parse_group_id(text)
        if group_id not in targets.group_ids:
            targets.group_ids.append(group_id)
    for name in params.get("username") or []:
        if ("username", name) not in targets.singles:
            targets.singles.append(("username", name))
    if not targets:
        raise UserError("No recipients given")
    return targets


def parse_mentions(cfg: str, texts: list[str]) -> list[dict]:
    mentions = []
    for text in texts:
        match = _PART_PATTERN.fullmatch(text)
        if not match:
            raise UserError(f"Invalid mention syntax ({text}) expected 'start:length:recipientNumber'")
        who = network.resolve_text(cfg, match.group(3))
        mentions.append(envelopes.mention_json(who.address, int(match.group(1)), int(match.group(2))))
    return mentions


def parse_text_styles(texts: list[str]) -> list[dict]:
    styles = []
    for text in texts:
        match = _PART_PATTERN.fullmatch(text)
        if not match:
            raise UserError(f"Invalid textStyle syntax ({text}) expected 'start:length:STYLE'")
        if match.group(3) not in STYLES:
            raise UserError(f"Invalid style: {match.group(3)}")
        styles.append({"style": match.group(3), "start": int(match.group(1)), "length": int(match.group(2))})
    return styles


def parse_sticker(text: str | None) -> dict | None:
    if text is None:
        return None
    match = _STICKER_PATTERN.fullmatch(text)
    if not match or len(match.group(1)) % 2:
        raise UserError(f"Invalid sticker syntax ({text}) expected 'stickerPackId:stickerId'")
    return {"packId": match.group(1), "stickerId": int(match.group(2))}


def parse_quote(cfg: str, params: dict) -> dict | None:
    if params.get("quoteTimestamp") is None:
        return None
    if params.get("quoteAuthor") is None:
        raise UserError("Quote author parameter is missing")
    author = network.resolve_text(cfg, params["quoteAuthor"])
    quote = {
        "id": params["quoteTimestamp"],
        "author": author.number or author.uuid,
        "authorNumber": author.number,
        "authorUuid": author.uuid,
        "text": params.get("quoteMessage") or "",
        "attachments": [_quote_attachment(a) for a in params.get("quoteAttachment") or []],
    }
    mentions = parse_mentions(cfg, params.get("quoteMention") or [])
    styles = parse_text_styles(params.get("quoteTextStyle") or [])
    if mentions:
        quote["mentions"] = mentions
    if styles:
        quote["textStyles"] = styles
    return quote


def _quote_attachment(text: str) -> dict:
    parts = text.split(":", 2)
    return {"contentType": parts[0], "filename": parts[1] if len(parts) > 1 else None}


def parse_story_context(cfg: str, params: dict) -> dict | None:
    if params.get("storyTimestamp") is None:
        return None
    if params.get("storyAuthor") is None:
        raise UserError("Story author parameter is missing")
    author = network.resolve_text(cfg, params["storyAuthor"])
    return {"authorNumber": author.number, "authorUuid": author.uuid, "sentTimestamp": params["storyTimestamp"]}


def resolve_singles(cfg: str, account: dict, targets: Targets) -> list[Recipient]:
    """Resolve single recipients (plus note-to-self) once each, in order."""
    resolved: list[Recipient] = []
    if targets.note_to_self:
        resolved.append(network.resolve(cfg, "number", account["number"]))
    for kind, value in targets.singles:
        recipient = network.resolve(cfg, kind, value)
        if all(r.key != recipient.key for r in resolved):
            resolved.append(recipient)
    return resolved


def send_to_targets(cfg: str, account: dict, targets: Targets, out: Outgoing) -> dict:
    """Deliver to all targets under the state lock; return the SendResult."""
    with state.locked(cfg):
        net = state.load_network(cfg) if targets.group_ids else None
        target_groups = [groups.find_for_account(net, gid, account) for gid in targets.group_ids]
        results = [deliver(cfg, out, r) for r in resolve_singles(cfg, account, targets)]
        me = groups.address_of(account)
        for group in target_groups:
            for member in group["members"]:
                if groups.same_address(member, me):
                    if out.notify_self:
                        deliver(cfg, out, network.resolve(cfg, "number", account["number"]), group)
                    continue
                kind, value = ("number", member["number"]) if member.get("number") else ("uuid", member["uuid"])
                results.append(deliver(cfg, out, network.resolve(cfg, kind, value), group))
    return {"timestamp": out.timestamp, "results": results}


SEND_OPTIONS = RECIPIENT_OPTIONS + (
    Opt(("--notify-self",), "flag", "If self is part of recipients/groups send a normal message, not a sync message."),
    Opt(("-m", "--message"), help="Specify the message to be sent.", exclusive="message"),
    Opt(("--message-from-stdin",), "flag", "Read the message from standard input.", exclusive="message"),
    Opt(("-a", "--attachment"), "list", "Add an attachment (a file path or a data URI)."),
    Opt(("--view-once",), "flag", "Send the message as a view once message"),
    Opt(("-e", "--end-session", "--endsession"), "flag", "Clear session state and send end session message."),
    Opt(("--mention",), "list", "Mention another group member (syntax: start:length:recipientNumber)."),
    Opt(("--text-style",), "list", "Style parts of the message text (syntax: start:length:STYLE)."),
    Opt(("--quote-timestamp",), "int", "Specify the timestamp of a previous message to quote."),
    Opt(("--quote-author",), help="Specify the number of the author of the original message."),
    Opt(("--quote-message",), help="Specify the message of the original message."),
    Opt(("--quote-mention",), "list", "Quote with mention of another group member."),
    Opt(("--quote-attachment",), "list", "Specify the attachments of the original message."),
    Opt(("--quote-text-style",), "list", "Quote with style parts of the message text."),
    Opt(("--sticker",), help="Send a sticker (syntax: stickerPackId:stickerId)"),
    Opt(("--preview-url",), help="Specify the url for the link preview."),
    Opt(("--preview-title",), help="Specify the title for the link preview (mandatory)."),
    Opt(("--preview-description",), help="Specify the description for the link preview (optional)."),
    Opt(("--preview-image",), help="Specify the image file for the link preview (optional)."),
    Opt(("--story-timestamp",), "int", "Specify the timestamp of a story to reply to."),
    Opt(("--story-author",), help="Specify the number of the author of the story."),
    Opt(("--edit-timestamp",), "int", "Specify the timestamp of a previous message to edit."),
)


@command("send", scope="account", options=SEND_OPTIONS, plain=lambda r, p: render_send_result(r), extra={"stdin_message": True})
def send(ctx: Context, params: dict) -> dict | None:
    cfg, account = ctx.config_dir, ctx.account
    targets = parse_targets(params)
    if params.get("endSession"):
        if not targets.singles:
            raise UserError("No recipients given")
        return None
    sticker = parse_sticker(params.get("sticker"))
    message = params.get("message") or ""
    attachment_specs = params.get("attachment") or []
    mentions = parse_mentions(cfg, params.get("mention") or [])
    text_styles = parse_text_styles(params.get("textStyle") or [])
    quote = parse_quote(cfg, params)
    story_context = parse_story_context(cfg, params)
    if not message and not attachment_specs and sticker is None and quote is None:
        raise UserError("Sending empty message is not allowed, either a message, attachment or sticker must be given.")
    timestamp = state.new_timestamp()
    # Files are read now: the caller deletes its temp files as soon as the command returns.
    uploaded = [attachments.upload(cfg, spec, timestamp) for spec in attachment_specs]
    previews = []
    if params.get("previewUrl") is not None:
        image = params.get("previewImage")
        previews.append({"url": params["previewUrl"], "title": params.get("previewTitle") or "",
                         "description": params.get("previewDescription") or "",
                         "image": attachments.upload(cfg, image, timestamp) if image else None})
    out = Outgoing(
        sender=account, timestamp=timestamp, message=message,
        fields={"attachments": uploaded, "mentions": mentions, "quote": quote, "sticker": sticker,
                "textStyles": text_styles, "previews": previews, "storyContext": story_context},
        view_once=bool(params.get("viewOnce")), edit_target=params.get("editTimestamp"),
        notify_self=bool(params.get("notifySelf")) and params.get("editTimestamp") is None,
    )
    result = send_to_targets(cfg, account, targets, out)
    raise_for_results(result)
    return result


@command("simulateReceive", scope="account", plain=lambda r, p: [str(r["timestamp"])], options=[
    Opt(("--from",), help="Sender: a phone number, ACI or u:username (an outside peer or a local account).",
        required=True),
    Opt(("-m", "--message"), help="The message text."),
    Opt(("-g", "--group-id"), help="Deliver as a message in this group."),
    Opt(("-a", "--attachment"), "list", "Attach files (paths or data URIs)."),
], help="Simulator only: deliver an incoming message from another user to this account.")
def simulate_receive(ctx: Context, params: dict) -> dict:
    cfg, account = ctx.config_dir, ctx.account
    if not params.get("from"):
        raise UserError("Missing sender, use --from NUMBER")
    sender = network.resolve_text(cfg, params["from"])
    name = state.profile_name(sender.account) if sender.account else None
    timestamp = state.new_timestamp()
    uploaded = [attachments.upload(cfg, spec, timestamp) for spec in params.get("attachment") or []]
    extra: dict = {"attachments": uploaded}
    expires = 0
    with state.locked(cfg):
        if params.get("groupId"):
            group_id = network.parse_group_id(params["groupId"])
            group = state.load_network(cfg)["groups"].get(group_id) or {"id": group_id, "name": None, "revision": 0}
            extra["groupInfo"] = envelopes.group_info(group)
            expires = group.get("messageExpirationTime", 0)
        dm = envelopes.data_message(timestamp, params.get("message"), expires=expires, **extra)
        source = {"number": sender.number, "uuid": sender.uuid or network.peer_uuid(sender.identifier), "name": name}
        state.enqueue(cfg, account["number"], envelopes.envelope(source, timestamp, state.now_ms(), dataMessage=dm))
        recipients.after_receive(cfg, account, source)
    return {"timestamp": timestamp}
