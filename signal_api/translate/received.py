"""Received envelopes as clients get them: signal-cli's JSON plus the REST form of every group id.

signal-cli names a group by its internal id (``groupId``: base64 of the group identifier), while
every route of this API takes the REST id (``group.`` + base64 of that text, the ``id`` that
``GET /v1/groups`` lists). Next to each ``groupId`` of an envelope (``groupInfo`` of a data, edit or
sync message, ``typingMessage``, ``storyMessage``, ...) a client also finds ``groupRestId``, and next
to ``blockedGroupIds`` ``blockedGroupRestIds``, so it can answer in a group without converting.

Added when a message is handed out, never stored: messages stored before get them too, and the
inbox keeps exactly what signal-cli printed.
"""
from __future__ import annotations

from typing import Any

from signal_api.translate.identifiers import internal_to_group_id

#: The key added next to each ``groupId``.
REST_ID_KEY = "groupRestId"
# Lists of internal group ids, and the key their REST forms go under.
_ID_LISTS = {"blockedGroupIds": "blockedGroupRestIds"}


def with_rest_group_ids(payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of a received ``{"envelope", "account"}`` message with the REST group ids added."""
    return _added(payload)


def _added(value: Any) -> Any:
    if isinstance(value, list):
        return [_added(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = _added(item)
        if key == "groupId" and isinstance(item, str) and item and REST_ID_KEY not in value:
            out[REST_ID_KEY] = internal_to_group_id(item)
        elif key in _ID_LISTS and isinstance(item, list) and _ID_LISTS[key] not in value:
            out[_ID_LISTS[key]] = [internal_to_group_id(entry) for entry in item if isinstance(entry, str) and entry]
    return out
