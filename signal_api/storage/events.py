"""Account events: rows of the inbox that are not received messages.

An event is stored like a message (same table, same cursors, same retention), so it reaches
its subscribers durably and in order with the messages around it. Its payload is
``{"event": <name>, "account": <number>, ...}`` and has no ``envelope``; clients that expect an
envelope in every item never get one unless they ask for events.
"""
from __future__ import annotations

from typing import Any

RATE_LIMIT_CHALLENGE = "rate_limit_challenge"
RATE_LIMIT_CLEARED = "rate_limit_cleared"
#: Every event name, and the webhook subscription kind (``storage.webhook_subscriptions.KINDS``) it belongs to.
EVENT_KINDS: dict[str, str] = {RATE_LIMIT_CHALLENGE: "rate_limit", RATE_LIMIT_CLEARED: "rate_limit"}


def event_name(payload: Any) -> str | None:
    """The event a stored payload is (None for a received ``{"envelope", "account"}`` message)."""
    if not isinstance(payload, dict) or "envelope" in payload:
        return None
    name = payload.get("event")
    return name if isinstance(name, str) and name in EVENT_KINDS else None
