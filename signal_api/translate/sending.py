"""Turn a validated ``/v2/send`` (or ``/v1/send``) body into one signal-cli ``send``.

The checks and their messages are the original's (anchor-api §7), in its order. Then, before
any work is done, the send limits (:class:`SendLimits`, the ``SIGNAL_API_MAX_*`` settings), and
last the sending account (checked here, not by signal-cli, so every mode answers the same).
Attachments are decoded first, then written to a private temporary directory under safe
generated names and removed after the call whatever happens.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signal_api.config import Config
from signal_api.translate.attachments import AttachmentDir, DecodedAttachment, decode_base64_attachment
from signal_api.translate.identifiers import RecipientSet, check_account_number, classify_recipients, group_id_to_internal
from signal_api.errors.request import RequestError, RequestTooLarge
from signal_api.signalcli import SendResult, SignalBackend
from signal_api.translate.textstyle import parse_styled_text


@dataclass(frozen=True)
class SendLimits:
    """How much one message may carry (``SIGNAL_API_MAX_RECIPIENTS`` … settings)."""

    recipients: int = 100
    mentions: int = 100
    attachments: int = 32
    attachment_bytes: int = 100 * 1024 * 1024

    @classmethod
    def from_config(cls, config: Config) -> SendLimits:
        """The limits the service is configured with."""
        return cls(recipients=config.max_recipients, mentions=config.max_mentions,
                   attachments=config.max_attachments, attachment_bytes=config.max_attachment_bytes)

    def check_count(self, field: str, items: list[Any], limit: int, setting: str) -> None:
        """400 naming ``field`` when it holds more than ``limit`` items."""
        if len(items) > limit:
            raise RequestError(f"Couldn't process request - {field}: at most {limit} per message ({setting})")

    def decoded(self, field: str, encoded: str) -> DecodedAttachment:
        """Decode one base64 attachment; 413 naming ``field`` when it is over the size limit."""
        # Base64 is 4/3 of the data, and line breaks are allowed: far longer text is too large
        # without decoding it.
        if len(encoded) > 2 * self.attachment_bytes + 4096:
            raise self._too_large(field)
        attachment = decode_base64_attachment(encoded)
        if len(attachment.data) > self.attachment_bytes:
            raise self._too_large(field)
        return attachment

    def _too_large(self, field: str) -> RequestTooLarge:
        return RequestTooLarge(f"Couldn't process request - {field}: an attachment may have at most "
                               f"{self.attachment_bytes} bytes (SIGNAL_API_MAX_ATTACHMENT_BYTES)")



@dataclass
class OutgoingMessage:
    """Everything one send needs, already checked."""

    account: str
    recipients: RecipientSet
    text: str = ""
    attachments: list[DecodedAttachment] = field(default_factory=list)
    text_styles: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    preview: dict[str, Any] | None = None
    preview_image: DecodedAttachment | None = None
    notify_self: bool = True
    view_once: bool = False


def message_from_v2(body: dict[str, Any], *, default_text_mode: str, limits: SendLimits = SendLimits()) -> OutgoingMessage:
    """Check a ``/v2/send`` body and build the message; raises RequestError/IdentifierError."""
    recipients = list(body.get("recipients") or [])
    if body.get("recipient"):
        recipients.append(body["recipient"])
    if not recipients:
        raise RequestError("Couldn't process request - please provide at least one recipient")
    account = body.get("number") or ""
    if not account:
        raise RequestError("Couldn't process request - please provide a valid number")
    sticker = body.get("sticker")
    if sticker and ":" not in sticker:
        raise RequestError("Couldn't process request - please provide valid sticker delimiter")
    text_mode = body.get("text_mode") or default_text_mode
    encoded_attachments = body.get("base64_attachments") or []
    if body.get("view_once") and not encoded_attachments:
        raise RequestError("'view_once' can only be set for image attachments!")
    limits.check_count("recipients", recipients, limits.recipients, "SIGNAL_API_MAX_RECIPIENTS")
    for field in ("mentions", "quote_mentions"):
        limits.check_count(field, body.get(field) or [], limits.mentions, "SIGNAL_API_MAX_MENTIONS")
    limits.check_count("base64_attachments", encoded_attachments, limits.attachments, "SIGNAL_API_MAX_ATTACHMENTS")
    recipient_set = classify_recipients(recipients)
    text = body.get("message") or ""
    preview = _checked_preview(body.get("link_preview"), text)
    message = OutgoingMessage(account=account, recipients=recipient_set)
    if text_mode == "styled":
        styled = parse_styled_text(text)
        text, message.text_styles = styled.text, list(styled.styles)
    message.text = text
    message.attachments = [limits.decoded(f"base64_attachments.{index}", item)
                           for index, item in enumerate(encoded_attachments)]
    if preview is not None:
        message.preview = preview
        if preview.get("base64_thumbnail"):
            message.preview_image = limits.decoded("link_preview.base64_thumbnail", preview["base64_thumbnail"])
    message.options = _options(body)
    message.notify_self = body.get("notify_self") is not False
    message.view_once = bool(body.get("view_once"))
    check_account_number(account, "number")
    return message


def message_from_v1(body: dict[str, Any], *, limits: SendLimits = SendLimits()) -> OutgoingMessage:
    """Check a deprecated ``/v1/send`` body and build the message."""
    recipients = list(body.get("recipients") or [])
    account = body.get("number") or ""
    # The original's only check here; an empty number was signal-cli's "Invalid account" (below).
    if not recipients:
        raise RequestError("Please specify at least one recipient")
    limits.check_count("recipients", recipients, limits.recipients, "SIGNAL_API_MAX_RECIPIENTS")
    if body.get("is_group"):
        recipient_set = RecipientSet(numbers=[], usernames=[], group=group_id_to_internal(recipients[0]))
    else:
        recipient_set = classify_recipients(recipients)
    message = OutgoingMessage(account=account, recipients=recipient_set, text=body.get("message") or "")
    if body.get("base64_attachment"):
        message.attachments = [limits.decoded("base64_attachment", body["base64_attachment"])]
    check_account_number(account, "number")
    return message


def send(backend: SignalBackend, message: OutgoingMessage, *, tmp_dir: Path) -> SendResult:
    """Write the attachments, run one signal-cli send, clean up."""
    with AttachmentDir(tmp_dir) as files:
        paths = [files.write(attachment) for attachment in message.attachments]
        preview_path = files.write(message.preview_image) if message.preview_image is not None else None
        params = send_params(message, paths, preview_path)
        return backend.send_message(message.account, params)


def send_params(message: OutgoingMessage, attachment_paths: list[str], preview_path: str | None) -> dict[str, Any]:
    """The signal-cli ``send`` params, in the order the original passes its options."""
    params: dict[str, Any] = {"message": message.text}
    recipients = message.recipients
    if recipients.group:
        params["groupId"] = recipients.group
    elif recipients.usernames:
        params["username"] = list(recipients.usernames)
    else:
        params["recipient"] = list(recipients.numbers)
    if message.text_styles:
        params["textStyle"] = list(message.text_styles)
    if attachment_paths:
        params["attachment"] = list(attachment_paths)
    params.update(message.options)
    if message.preview is not None:
        params["previewUrl"] = message.preview["url"]
        params["previewTitle"] = message.preview["title"]
        if preview_path:
            params["previewImage"] = preview_path
        params["previewDescription"] = message.preview.get("description") or ""
    if message.notify_self:
        params["notifySelf"] = True
    if message.view_once:
        params["viewOnce"] = True
    return params


def response_entry(result: SendResult) -> dict[str, Any]:
    """One element of the send reply: ``{"timestamp": "<ms>", "errors"?: {...}}``."""
    entry: dict[str, Any] = {"timestamp": str(result.timestamp)}
    if result.failures:
        entry["errors"] = {"recipients": [failure.as_dict() for failure in result.failures]}
    return entry


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if body.get("mentions"):
        options["mention"] = [_mention(m) for m in body["mentions"]]
    if body.get("sticker"):
        options["sticker"] = body["sticker"]
    if body.get("quote_timestamp") is not None:
        options["quoteTimestamp"] = body["quote_timestamp"]
    if body.get("quote_author"):
        options["quoteAuthor"] = body["quote_author"]
    if body.get("quote_message"):
        options["quoteMessage"] = body["quote_message"]
    if body.get("quote_mentions"):
        options["quoteMention"] = [_mention(m) for m in body["quote_mentions"]]
    if body.get("edit_timestamp") is not None:
        options["editTimestamp"] = body["edit_timestamp"]
    return options


def _mention(mention: dict[str, Any]) -> str:
    # As in the original nothing is required: an incomplete mention is signal-cli's to refuse.
    return f"{mention.get('start', 0)}:{mention.get('length', 0)}:{mention.get('author', '')}"


def _checked_preview(preview: dict[str, Any] | None, text: str) -> dict[str, Any] | None:
    if preview is None:
        return None
    url = preview.get("url") or ""
    if not url:
        raise RequestError("Please provide a valid Link Preview URL")
    if not url.startswith("https"):
        raise RequestError("Link Preview URL must start with https://..")
    if not preview.get("title"):
        raise RequestError("Please provide a valid Link Preview Title")
    if url not in text:
        raise RequestError("Link Preview URL is missing in the message!")
    return preview
