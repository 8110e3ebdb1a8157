"""The JSON-RPC methods the HTTP endpoint serves: how each one finds its account and which scope it needs.

One table. A method's scope is the scope of the REST routes that run the same signal-cli
command (``signal_api.access.scopes``); ``None`` means any valid token may call it. Its kind is
how signal-cli's multi-account daemon treats the ``account`` param (signal-cli.md §5.3):

* ``multi``: about the whole set of accounts; ``account`` is not looked at;
* ``registration``: opens or creates the named account (it need not be registered yet);
* ``account``: runs on one registered account, named by ``account`` or the only one there is.

Methods not listed are answered -32601 ``Method not implemented``, as are the RPC methods the
HTTP transport of signal-cli does not have (subscriptions) and its CLI-only commands.
"""
from __future__ import annotations

from dataclasses import dataclass

MULTI = "multi"
REGISTRATION = "registration"
ACCOUNT = "account"


@dataclass(frozen=True)
class Method:
    """How the endpoint runs one JSON-RPC method."""

    kind: str
    scope: str | None


def _table(kind: str, scope: str | None, names: str) -> dict[str, Method]:
    return {name: Method(kind, scope) for name in names.split()}


METHODS: dict[str, Method] = {
    **_table(MULTI, None, "version"),
    **_table(MULTI, "admin", "listAccounts startLink finishLink"),
    **_table(REGISTRATION, "admin", "register verify deleteLocalAccountData"),
    **_table(ACCOUNT, "admin", "unregister updateAccount setPin removePin startChangeNumber finishChangeNumber "
                               "submitRateLimitChallenge addDevice listDevices removeDevice updateDevice"),
    **_table(ACCOUNT, "send", "send sendReaction sendReceipt sendTyping remoteDelete sendMessageRequestResponse "
                              "sendPaymentNotification sendPollCreate sendPollVote sendPollTerminate "
                              "sendPinMessage sendUnpinMessage sendAdminDelete sendStory"),
    **_table(ACCOUNT, "receive", "receive getAttachment"),
    **_table(ACCOUNT, "manage", "listGroups updateGroup joinGroup quitGroup block unblock listContacts "
                                "updateContact removeContact getAvatar updateProfile listIdentities trust "
                                "getUserStatus updateConfiguration sendContacts sendSyncRequest listStickerPacks "
                                "addStickerPack uploadStickerPack getSticker"),
}

# The service receives for every account itself (into its inbox, streamed by GET /api/v1/events):
# a `receive` call would take messages away from it, so the endpoint answers what signal-cli's
# daemon answers while it receives.
RECEIVING_REFUSAL = "Receive command cannot be used if messages are already being received."


# Params signal-cli reads as a path on this machine. Its daemon is meant for local clients; over
# the network a path would let a caller send any file the service can read (or probe for it),
# so only ``data:`` URIs are taken there, as the REST API takes attachments.
LOCAL_FILE_PARAMS: dict[str, tuple[str, ...]] = {
    "send": ("attachment", "attachments", "previewImage", "preview-image"),
    "updateProfile": ("avatar",),
    "updateGroup": ("avatar",),
    "uploadStickerPack": ("path",),
}
# Params signal-cli joins to a folder of its own: a separator would reach outside it.
NAME_PARAMS: dict[str, tuple[str, ...]] = {"getAttachment": ("id",)}


def local_file_problem(method: str, params: dict[str, object]) -> str | None:
    """Why ``params`` may not be used over the network (a path of this machine), or None."""
    for name in LOCAL_FILE_PARAMS.get(method, ()):
        values = params.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value is not None and not (isinstance(value, str) and value.startswith("data:")):
                return f"{name}: only data: URIs are accepted here (a path would name a file of the server)"
    for name in NAME_PARAMS.get(method, ()):
        value = params.get(name)
        if isinstance(value, str) and ("/" in value or "\\" in value or value in (".", "..")):
            return f"{name}: must be a name, not a path"
    return None


def method_of(name: object) -> Method | None:
    """The table entry of ``name``; None when the endpoint does not serve it."""
    return METHODS.get(name) if isinstance(name, str) else None
