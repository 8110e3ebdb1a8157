"""Which request field each signal-cli param comes from, so that a refused value names its field.

The views and ``signal_api.translate`` turn request bodies into signal-cli params; when the
command line builder has to refuse a value, the client must learn which of *its* fields it was.
Params not listed are named by their snake_case spelling.
"""
from __future__ import annotations

import re

ACCOUNT_FIELD = "number"

# The field behind a param on every command that takes it...
_BY_PARAM: dict[str, str] = {
    "recipient": "recipient",
    "username": "recipient",
    "groupId": "recipient",
    "targetAuthor": "target_author",
    "targetTimestamp": "timestamp",
    "emoji": "reaction",
    "type": "receipt_type",
    "member": "members",
    "removeMember": "members",
    "admin": "admins",
    "removeAdmin": "admins",
    "link": "group_link",
    "setPermissionAddMember": "permissions.add_members",
    "setPermissionEditDetails": "permissions.edit_group",
    "setPermissionSendMessages": "permissions.send_messages",
    "avatar": "base64_avatar",
    "givenName": "name",
    "challenge": "challenge_token",
    "numberSharing": "share_number",
    "uri": "uri",
    "pinDuration": "duration",
    "verificationCode": "token",
    "deviceId": "deviceId",
    "profile": "uuid",
}

# ...and where one command takes it from another field.
_BY_COMMAND: dict[str, dict[str, str]] = {
    "send": {
        "recipient": "recipients", "username": "recipients", "groupId": "recipients", "textStyle": "message",
        "attachment": "base64_attachments", "mention": "mentions", "quoteMention": "quote_mentions",
        "previewUrl": "link_preview.url", "previewTitle": "link_preview.title",
        "previewDescription": "link_preview.description", "previewImage": "link_preview.base64_thumbnail",
    },
    "updateGroup": {"groupId": "groupid", "expiration": "expiration_time"},
    "quitGroup": {"groupId": "groupid"},
    "getAvatar": {"groupId": "groupid"},
    "sendPinMessage": {"groupId": "groupid"},
    "sendUnpinMessage": {"groupId": "groupid"},
    "sendPollCreate": {"option": "answers"},
    "sendPollVote": {"option": "selected_answers"},
    "updateContact": {"expiration": "expiration_in_seconds"},
    "listContacts": {"recipient": "uuid"},
    "trust": {"recipient": "numberToTrust"},
    "getUserStatus": {"recipient": "numbers"},
    "addStickerPack": {"uri": "pack_id"},
    "link": {"name": "device_name"},
    "updateAccount": {"username": "username"},
    "sendMessageRequestResponse": {"recipient": "uuid", "username": "uuid", "groupId": "groupid", "type": "response"},
    "block": {"groupId": "groupid", "recipient": "uuid"},
    "unblock": {"recipient": "uuid"},
}


def field_of(method: str, param: str) -> str:
    """The request field a ``method`` param was built from (``quoteMessage`` -> ``quote_message``)."""
    known = _BY_COMMAND.get(method, {}).get(param) or _BY_PARAM.get(param)
    return known or re.sub(r"(?<!^)([A-Z])", r"_\1", param).lower()
