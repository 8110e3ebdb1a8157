"""What the message-action routes share: reactions, receipts, typing, remote delete and polls.

Their bodies are checked by their schemas (``signal_api.schemas``, the original's texts and
order); here a recipient becomes signal-cli's ``recipient``, ``groupId`` or ``username`` param.

Vote counts: Signal clients keep, per voter and poll, the vote with the highest ``voteCount``, so
a changed vote must carry a larger count than the one before (the original always sent 1, so a
second vote could be ignored). The count is the current time in seconds, strictly increasing
within the process: no state to keep, still increasing across restarts. Two processes voting for
the same account within the same second could send equal counts; that is the accepted limit.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from signal_api.translate.identifiers import GROUP_PREFIX, RecipientKind, classify_recipient, group_id_to_internal
from signal_api.services import get_services
from signal_api.signalcli import SendResult

_vote_lock = threading.Lock()
_last_vote_count = 0


def recipient_params(recipient: str) -> dict[str, Any]:
    """Address a number/UUID, a group or a username, classified as ``/v2/send`` does (anchor §5.3).

    An empty recipient (the routes that do not require one) goes to signal-cli as the original
    sends it, and signal-cli's answer is the client's: the CLI gets it as an argument
    (``Invalid phone number '': …``), the daemon no recipient at all (``No recipients given``,
    see :data:`signal_api.signalcli.rpc_backend.LEFT_OUT_WHEN_EMPTY`).
    """
    if recipient == "":
        return {"recipient": ""}
    target = classify_recipient(recipient)
    if target.kind is RecipientKind.GROUP:
        return {"groupId": target.value}
    if target.kind is RecipientKind.USERNAME:
        return {"username": target.value}
    return {"recipient": target.value}


def direct_recipient_params(recipient: str, *, username_option: bool = True) -> dict[str, Any]:
    """Address a reaction, receipt or typing indicator.

    As in the original, anything starting with ``group.`` is a group (a bad id is ``Invalid
    group id``). Commands without ``-u`` (sendTyping, sendReceipt) get a username in signal-cli's
    ``u:<username>`` recipient form.
    """
    if recipient.startswith(GROUP_PREFIX):
        return {"groupId": group_id_to_internal(recipient)}
    params = recipient_params(recipient)
    if "username" in params and not username_option:
        return {"recipient": "u:" + params["username"]}
    return params


def next_vote_count() -> int:
    """A vote count larger than every earlier one (see the module docstring)."""
    global _last_vote_count
    with _vote_lock:
        _last_vote_count = max(int(time.time()), _last_vote_count + 1)
        return _last_vote_count


def send_action(method: str, params: dict[str, Any], number: str) -> SendResult:
    """Run one send-like signal-cli command for ``number`` and read its SendResult."""
    return SendResult.parse(get_services().backend.call(method, params, account=number))
