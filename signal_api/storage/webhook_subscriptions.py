"""Webhook subscriptions (``/v1/webhooks``): who wants which messages, and how delivering to them goes.

A subscription names a URL, a secret, the accounts it wants and the kinds of event it wants
(empty: all). When a message is stored, :data:`ENQUEUE_SQL` gives every matching subscription a
pending row in ``webhook_deliveries`` in the same transaction, so a crash never leaves a stored
message undelivered; the row's ``subscription_id`` keeps each subscription's queue apart from
the others' and from ``RECEIVE_WEBHOOK_URL``'s (``subscription_id`` 0).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from signal_api.storage.events import EVENT_KINDS, event_name

if TYPE_CHECKING:
    from signal_api.storage.inbox import Inbox

#: The ``subscription_id`` of the ``RECEIVE_WEBHOOK_URL`` webhook's deliveries.
ENV_WEBHOOK = 0

#: Event kinds a subscription may ask for, and which part of signal-cli's envelope each one is.
KINDS: dict[str, str] = {
    "message": "envelope.dataMessage without a reaction (text, attachments, stickers, remote deletes, polls, ...)",
    "reaction": "envelope.dataMessage with a reaction",
    "edit": "envelope.editMessage",
    "receipt": "envelope.receiptMessage",
    "typing": "envelope.typingMessage",
    "sync": "envelope.syncMessage (from the account's own linked devices)",
    "call": "envelope.callMessage",
    "story": "envelope.storyMessage",
    "other": "an envelope with none of these (e.g. one signal-cli could not decrypt)",
    "rate_limit": "the account events rate_limit_challenge (a send was rate limited) and rate_limit_cleared "
                  "(a challenge was submitted): not envelopes, see the README",
}
_ENVELOPE_KEYS = {"edit": "editMessage", "receipt": "receiptMessage", "typing": "typingMessage",
                  "sync": "syncMessage", "call": "callMessage", "story": "storyMessage"}

# One INSERT for all subscriptions: those for the message's account (or every account) that want
# one of its kinds (or every kind). Parameters: message id, now (ms), account, kinds (JSON array).
ENQUEUE_SQL = (
    "INSERT INTO webhook_deliveries (subscription_id, message_id, next_attempt) "
    "SELECT s.id, ?1, ?2 FROM webhook_subscriptions s "
    "WHERE (s.accounts IS NULL OR EXISTS (SELECT 1 FROM json_each(s.accounts) a WHERE a.value = ?3)) "
    "AND (s.kinds IS NULL OR EXISTS (SELECT 1 FROM json_each(s.kinds) k "
    "WHERE k.value IN (SELECT value FROM json_each(?4))))"
)


def envelope_kinds(payload: dict[str, Any]) -> list[str]:
    """The event kinds of a stored ``{"envelope", "account"}`` message or account event (at least one)."""
    event = event_name(payload)
    if event is not None:
        return [EVENT_KINDS[event]]
    envelope = payload.get("envelope")
    if not isinstance(envelope, dict):
        return ["other"]
    kinds = []
    data = envelope.get("dataMessage")
    if isinstance(data, dict):
        kinds.append("reaction" if data.get("reaction") else "message")
    kinds += [kind for kind, key in _ENVELOPE_KEYS.items() if key in envelope]
    return kinds or ["other"]


def parse_subscription_id(text: object) -> int | None:
    """The subscription id a path segment names (a positive decimal number), else None."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None


@dataclass(frozen=True)
class Subscription:
    """One subscription and how delivering to it goes (``secret`` is only for the dispatcher)."""

    id: int
    url: str
    secret: str
    accounts: tuple[str, ...]
    kinds: tuple[str, ...]
    created_at: int
    created_by: str | None
    last_attempt_at: int | None = None
    last_delivered_at: int | None = None
    last_status: int | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    pending: int = 0
    failed: int = 0


_COLUMNS = ("id, url, secret, accounts, kinds, created_at, created_by, last_attempt_at, last_delivered_at, "
            "last_status, last_error, consecutive_failures")


class SubscriptionStore:
    """The ``webhook_subscriptions`` table, on the inbox's database."""

    def __init__(self, inbox: Inbox, *, clock: Callable[[], float] | None = None) -> None:
        self.inbox = inbox
        self._clock = clock or inbox.now

    def create(self, url: str, secret: str, *, accounts: Sequence[str] = (), kinds: Sequence[str] = (),
               created_by: str | None = None) -> Subscription:
        """Store a subscription; it gets every matching message stored from now on."""
        rows = self.inbox.execute(
            "INSERT INTO webhook_subscriptions (url, secret, accounts, kinds, created_at, created_by) "
            f"VALUES (?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (url, secret, _json_or_null(accounts), _json_or_null(kinds), int(self._clock() * 1000), created_by),
        )
        return _subscription(rows[0], {})

    def get(self, subscription_id: int) -> Subscription | None:
        """The subscription with this id, with its delivery counts; None when there is none."""
        rows = self.inbox.execute(f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE id = ?", (subscription_id,))
        return _subscription(rows[0], self._counts(subscription_id)) if rows else None

    def list(self) -> list[Subscription]:
        """Every subscription, oldest first, with its delivery counts."""
        rows = self.inbox.execute(f"SELECT {_COLUMNS} FROM webhook_subscriptions ORDER BY id")
        counts = self._counts()
        return [_subscription(row, counts) for row in rows]

    def count(self) -> int:
        """How many subscriptions there are."""
        return self.inbox.execute("SELECT COUNT(*) FROM webhook_subscriptions")[0][0]

    def delete(self, subscription_id: int) -> bool:
        """Delete the subscription and its queue; False when there was none."""
        existed = bool(self.inbox.execute("SELECT 1 FROM webhook_subscriptions WHERE id = ?", (subscription_id,)))
        self.inbox.transaction([
            ("DELETE FROM webhook_deliveries WHERE subscription_id = ?", (subscription_id,)),
            ("DELETE FROM webhook_subscriptions WHERE id = ?", (subscription_id,)),
        ])
        return existed

    def _counts(self, subscription_id: int | None = None) -> dict[int, dict[str, int]]:
        where = "subscription_id = ?" if subscription_id is not None else f"subscription_id <> {ENV_WEBHOOK}"
        params = (subscription_id,) if subscription_id is not None else ()
        rows = self.inbox.execute(
            f"SELECT subscription_id, state, COUNT(*) FROM webhook_deliveries WHERE {where} "
            "AND state IN ('pending', 'failed') GROUP BY subscription_id, state", params)
        counts: dict[int, dict[str, int]] = {}
        for sid, state, number in rows:
            counts.setdefault(sid, {})[state] = number
        return counts


def _json_or_null(values: Sequence[str]) -> str | None:
    return json.dumps(list(dict.fromkeys(values))) if values else None


def _subscription(row: tuple, counts: dict[int, dict[str, int]]) -> Subscription:
    (sid, url, secret, accounts, kinds, created_at, created_by, last_attempt_at, last_delivered_at,
     last_status, last_error, consecutive_failures) = row
    mine = counts.get(sid, {})
    return Subscription(
        id=sid, url=url, secret=secret, accounts=tuple(json.loads(accounts)) if accounts else (),
        kinds=tuple(json.loads(kinds)) if kinds else (), created_at=created_at, created_by=created_by,
        last_attempt_at=last_attempt_at, last_delivered_at=last_delivered_at, last_status=last_status,
        last_error=last_error, consecutive_failures=consecutive_failures,
        pending=mine.get("pending", 0), failed=mine.get("failed", 0),
    )

