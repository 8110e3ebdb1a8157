"""Build signal-cli's envelope JSON (signal-cli.md §7) and its plain-text rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any


def data_message(timestamp: int, message: str | None, *, expires: int = 0, view_once: bool = False,
                 **optional: Any) -> dict:
    """A DataMessage: the always-present fields, then the optional ones that are non-empty.

    ``optional`` keys use the JSON names (``attachments``, ``mentions``, ``quote``, ``sticker``,
    ``textStyles``, ``previews``, ``groupInfo``, ``storyContext``, ``reaction``, ``remoteDelete``,
    ``pinMessage``, ``unpinMessage``, ``pollCreate``, ``pollVote``, ``pollTerminate``).
    """
    dm: dict[str, Any] = {
        "timestamp": timestamp,
        "message": message,
        "expiresInSeconds": expires,
        "isExpirationUpdate": False,
        "viewOnce": view_once,
    }
    order = ("reaction", "quote", "payment", "mentions", "previews", "attachments", "sticker",
             "remoteDelete", "contacts", "textStyles", "groupInfo", "storyContext", "pinMessage", "unpinMessage",
             "pollCreate", "pollVote", "pollTerminate")
    for key in order:
        value = optional.get(key)
        if value not in (None, [], {}):
            dm[key] = value
    return dm


def envelope(source: dict, timestamp: int, server_ts: int, **content: Any) -> dict:
    """An envelope from ``source`` (``{"number","uuid","name"}``) with one content key.

    ``content`` is e.g. ``dataMessage=…``, ``editMessage=…`` or ``syncMessage=…``.
    """
    env: dict[str, Any] = {
        "source": source.get("number") or source.get("uuid"),
        "sourceNumber": source.get("number"),
        "sourceUuid": source.get("uuid"),
        "sourceName": source.get("name"),
        "sourceDevice": 1,
        "timestamp": timestamp,
        "serverReceivedTimestamp": server_ts,
        "serverDeliveredTimestamp": server_ts,
    }
    env.update({k: v for k, v in content.items() if v is not None})
    return env


def edit_message(target_ts: int, dm: dict) -> dict:
    return {"targetSentTimestamp": target_ts, "dataMessage": dm}


def sent_transcript(destination: dict | None, dm: dict, edit: dict | None = None) -> dict:
    """A syncMessage.sentMessage: destination fields, then the DataMessage fields inlined."""
    dest = destination or {}
    sent: dict[str, Any] = {
        "destination": dest.get("number") or dest.get("uuid"),
        "destinationNumber": dest.get("number"),
        "destinationUuid": dest.get("uuid"),
    }
    if edit is not None:
        sent["editMessage"] = edit
    sent.update(edit["dataMessage"] if edit is not None else dm)
    return {"sentMessage": sent}


def group_info(group: dict, kind: str = "DELIVER") -> dict:
    return {"groupId": group["id"], "groupName": group.get("name"), "revision": group.get("revision", 0),
            "type": kind}


def mention_json(address: dict, start: int, length: int) -> dict:
    return {"name": address.get("number") or address.get("uuid"), "number": address.get("number"),
            "uuid": address.get("uuid"), "start": start, "length": length}


# ---------------------------------------------------------------- plain text

def _when(ms: int) -> str:
    iso = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{ms} ({iso})"


def render_plain(item: dict) -> list[str]:
    """Human-readable lines for one ``{"envelope","account"}`` item (not meant to be parsed)."""
    env = item["envelope"]
    name = f"“{env['sourceName']}” " if env.get("sourceName") else ""
    lines = [
        f"Envelope from: {name}{env.get('source')} (device: {env.get('sourceDevice')}) to {item.get('account')}",
        f"Timestamp: {_when(env['timestamp'])}",
        f"Server timestamps: received: {_when(env['serverReceivedTimestamp'])} "
        f"delivered: {_when(env['serverDeliveredTimestamp'])}",
    ]
    if "dataMessage" in env:
        lines += ["Received a message:"] + _render_data(env["dataMessage"], "  ")
    if "editMessage" in env:
        lines.append(f"Received an edit for message {env['editMessage']['targetSentTimestamp']}:")
        lines += _render_data(env["editMessage"]["dataMessage"], "  ")
    if "syncMessage" in env:
        sent = env["syncMessage"].get("sentMessage")
        lines.append("Received a sync message")
        if sent:
            lines.append(f"  Received sync sent message to {sent.get('destination')}")
            lines += _render_data(sent, "  ")
    for key in ("receiptMessage", "typingMessage", "storyMessage", "callMessage"):
        if key in env:
            lines.append(f"Received a {key}: {env[key]}")
    lines.append("")
    return lines


def _render_data(dm: dict, indent: str) -> list[str]:
    lines = [f"{indent}Message timestamp: {_when(dm['timestamp'])}"]
    if dm.get("message") is not None:
        lines.append(f"{indent}Body: {dm['message']}")
    if dm.get("groupInfo"):
        gi = dm["groupInfo"]
        lines += [f"{indent}Group info:", f"{indent}  Id: {gi['groupId']}", f"{indent}  Name: {gi.get('groupName')}",
                  f"{indent}  Revision: {gi.get('revision')}", f"{indent}  Type: {gi.get('type')}"]
    if dm.get("expiresInSeconds"):
        lines.append(f"{indent}Expires in: {dm['expiresInSeconds']} seconds")
    if dm.get("viewOnce"):
        lines.append(f"{indent}View once: true")
    for key, label in (("quote", "Quote"), ("sticker", "Sticker"), ("reaction", "Reaction"),
                       ("remoteDelete", "Remote delete"), ("storyContext", "Story reply")):
        if dm.get(key):
            lines.append(f"{indent}{label}: {dm[key]}")
    for mention in dm.get("mentions", []):
        lines.append(f"{indent}Mention: {mention['name']} at {mention['start']}:{mention['length']}")
    for style in dm.get("textStyles", []):
        lines.append(f"{indent}Text style: {style['style']} at {style['start']}:{style['length']}")
    if dm.get("attachments"):
        lines.append(f"{indent}Attachments:")
        for att in dm["attachments"]:
            lines += [f"{indent}- {att['contentType']} (id: {att['id']})",
                      f"{indent}  Filename: {att.get('filename')}", f"{indent}  Size: {att.get('size')} bytes"]
    return lines
