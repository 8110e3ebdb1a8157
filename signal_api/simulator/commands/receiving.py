"""receive: drain the account's pending queue with signal-cli's idle-timeout semantics."""

from __future__ import annotations

import time

from .. import inbox
from .base import Context, Opt, command

POLL_INTERVAL = 0.05
CLI_DEFAULT_TIMEOUT = 3.0
RPC_DEFAULT_TIMEOUT = 1.0

RECEIVE_FLAG_OPTIONS = (
    Opt(("--ignore-attachments",), "flag", "Don’t download attachments of received messages."),
    Opt(("--ignore-stories",), "flag", "Don’t receive story messages from the server."),
    Opt(("--ignore-avatars",), "flag", "Don’t download avatars of received messages."),
    Opt(("--ignore-stickers",), "flag", "Don’t download sticker packs of received messages."),
    Opt(("--send-read-receipts",), "flag", "Send read receipts for all incoming data messages."),
)


@command("receive", scope="account", typed=("timeout", "maxMessages"), options=(
    Opt(("-t", "--timeout"), "float", "Number of seconds to wait for new messages (negative values disable timeout)"),
    Opt(("--max-messages",), "int", "Maximum number of messages to receive, before returning."),
) + RECEIVE_FLAG_OPTIONS, extra={"streams": True})
def receive(ctx: Context, params: dict) -> list[dict]:
    """Print (CLI, via ``ctx.emit``) or collect (JSON-RPC) envelopes until idle for ``timeout``."""
    cfg, number = ctx.config_dir, ctx.account["number"]
    default = CLI_DEFAULT_TIMEOUT if ctx.via == "cli" else RPC_DEFAULT_TIMEOUT
    timeout = params.get("timeout", default)
    limit = params.get("maxMessages")
    flags = dict(getattr(ctx.session, "receive_flags", {}) or {}, **params)
    items: list[dict] = []
    idle_since = time.monotonic()
    while limit is None or limit <= 0 or len(items) < limit:
        entries = inbox.pending(cfg, number)
        if not entries:
            if timeout >= 0 and time.monotonic() - idle_since >= timeout:
                break
            time.sleep(POLL_INTERVAL)
            continue
        for entry in entries:
            item = inbox.prepare(cfg, number, entry, flags)
            if ctx.emit is not None:
                ctx.emit(item)
            items.append(item)
            inbox.ack(cfg, number, entry)  # only once it has been printed
            if limit and 0 < limit <= len(items):
                break
        idle_since = time.monotonic()
    return items
