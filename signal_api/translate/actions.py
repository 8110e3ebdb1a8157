"""What the message-action routes share: reactions, receipts, typing, remote delete and polls.

Their checks use the original's texts (anchor-api §6.4, §6.8); a recipient becomes signal-cli's
``recipient``, ``groupId`` or ``username`` param.

Vote counts: Signal clients keep, per voter and poll, the vote with the highest ``voteCount``, so
a changed vote must carry a larger count than the one before (the original always sent 1, so a
second vote could be ignored). The count is the current time in seconds, strictly increasing
within the process: no state to keep, still increasing across restarts. Two processes voting for
the same account within the same second could send equal counts; that is the accepted limit.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from signal_api.identifiers import GROUP_PREFIX, RecipientKind, classify_recipient, group_id_to_internal
from signal_api.problems import RequestError
from signal_api.services import get_services
from signal_api.signalcli import SendResult

_DIGITS = re.compile(r"[0-9]+")
_vote_lock = threading.Lock()
_last_vote_count = 0


def require(body: Mapping[str, Any], *names: str) -> None:
    """Refuse the first field that is absent, empty or 0: ``Couldn't process request - <field> missing``."""
    for name in names:
        if body.get(name) in (None, "", 0, []):
            raise RequestError(f"Couldn't process request - {name} missing")


def recipient_params(recipient: str) -> dict[str, Any]:
    """Address a number/UUID, a group or a username, classified as ``/v2/send`` does (anchor §5.3)."""
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


def parse_timestamp(value: int | str | None, name: str) -> int:
    """A timestamp given as a JSON number or as a string of digits (the original took only strings)."""
    require({name: value}, name)
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise RequestError("Couldn't process request - invalid timestamp")
        return int(value)
    return value


def next_vote_count() -> int:
    """A vote count larger than every earlier one (see the module docstring)."""
    global _last_vote_count
    with _vote_lock:
        _last_vote_count = max(int(time.time()), _last_vote_count + 1)
        return _last_vote_count


def send_action(method: str, params: dict[str, Any], number: str) -> SendResult:
    """Run one send-like signal-cli command for ``number`` and read its SendResult."""
    return SendResult.parse(get_services().backend.call(method, params, account=number))
