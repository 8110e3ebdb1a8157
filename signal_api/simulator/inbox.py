"""Taking envelopes out of an account's pending queue: download attachments, then acknowledge."""

from __future__ import annotations

from typing import Any

from . import envelopes, state


def attachment_ids(node: Any) -> list[str]:
    """Ids of every Attachment object anywhere inside an envelope."""
    found: list[str] = []
    if isinstance(node, dict):
        if "uploadTimestamp" in node and "contentType" in node and node.get("id"):
            found.append(node["id"])
        for value in node.values():
            found.extend(attachment_ids(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(attachment_ids(value))
    return found


def pending(cfg: str, number: str) -> list[dict]:
    """Queue entries ``{"qid","envelope"}`` waiting for ``number``."""
    return state.peek_queue(cfg, number) if state.has_pending(cfg, number) else []


def prepare(cfg: str, number: str, entry: dict, flags: dict) -> dict:
    """Do what signal-cli does before printing an envelope; return the ``{envelope, account}`` item."""
    env = entry["envelope"]
    if not flags.get("ignoreAttachments"):
        for blob_id in attachment_ids(env):
            state.download_blob(cfg, blob_id)
    if flags.get("sendReadReceipts") and "dataMessage" in env:
        _send_read_receipt(cfg, number, env)
    return {"envelope": env, "account": number}


def ack(cfg: str, number: str, entry: dict) -> None:
    state.remove_from_queue(cfg, number, {entry["qid"]})


def _send_read_receipt(cfg: str, number: str, env: dict) -> None:
    sender = state.find_account(cfg, env.get("sourceUuid") or env.get("sourceNumber"))
    me = state.find_account(cfg, number)
    if not sender or not sender.get("registered") or not me:
        return
    now = state.now_ms()
    receipt = {"when": now, "isDelivery": False, "isRead": True, "isViewed": False, "timestamps": [env["timestamp"]]}
    source = {"number": me["number"], "uuid": me["uuid"], "name": state.profile_name(me)}
    state.enqueue(cfg, sender["number"], envelopes.envelope(source, now, now, receiptMessage=receipt))
