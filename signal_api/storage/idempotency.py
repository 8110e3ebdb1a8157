"""Idempotency keys: the first response to a send, kept so that a retry gets it instead of a second send.

A key belongs to an owner (the API token's name; none without auth), an account and a route: one
row of ``idempotency_keys`` each, in the inbox's database, so keys survive restarts. A row is

* ``pending`` while the request that claimed it runs (``attempt`` names that request). A claim
  older than ``in_flight_limit`` seconds counts as abandoned (its worker died) and may be taken over;
* ``done`` once its response is kept: replayed to every repeat until ``expires_at``;
* ``failed`` once its request ended with a response that is not kept: whoever waited for that
  attempt gets it, and the next request claims the key anew. The row expires as soon as no
  waiter can still be waiting.

A row past ``expires_at`` counts as absent; :meth:`IdempotencyStore.prune` (the retention job)
deletes it. Times come from the inbox's clock. Request bodies are never stored, only a fingerprint.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from signal_api.storage.inbox import Inbox, StorageError, _reason, _storable

PENDING = "pending"
DONE = "done"
FAILED = "failed"

_COLUMNS = "fingerprint, state, attempt, claimed_at, status, headers, body"
_WHERE_KEY = "owner = ? AND account = ? AND route = ? AND key = ?"


@dataclass(frozen=True)
class KeyScope:
    """Which key: its owner ('' without a token), account, route and the header's value."""

    owner: str
    account: str
    route: str
    key: str

    def params(self) -> tuple[str, str, str, str]:
        """The key's columns, in the order of the primary key."""
        return (_storable(self.owner), _storable(self.account), _storable(self.route), self.key)


@dataclass(frozen=True)
class StoredResponse:
    """A response as kept: status, the headers worth replaying, body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class KeyRecord:
    """A key's row: whose body it was claimed for, its state and, once finished, its response."""

    fingerprint: str
    state: str
    attempt: str
    claimed_at_ms: int
    response: StoredResponse | None


@dataclass(frozen=True)
class Claim:
    """The outcome of :meth:`IdempotencyStore.claim`: ``taken`` when this request holds the key now."""

    attempt: str
    record: KeyRecord

    @property
    def taken(self) -> bool:
        """True when the key is this request's to run."""
        return self.record.attempt == self.attempt and self.record.state == PENDING


class IdempotencyStore:
    """The ``idempotency_keys`` table, reached through the inbox's connection and lock."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def claim(self, scope: KeyScope, fingerprint: str, *, ttl: float, in_flight_limit: float) -> Claim:
        """Take the key for a new request unless someone holds it; return who holds it now.

        The key is taken when it is new, expired, failed, or pending for longer than
        ``in_flight_limit`` seconds. One statement does it, so two requests never both take it.

        Raises:
            StorageError: the database refused the write.
        """
        attempt = uuid.uuid4().hex
        now = self._now_ms()
        self._run(
            "INSERT INTO idempotency_keys (owner, account, route, key, fingerprint, state, attempt, claimed_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
            "ON CONFLICT (owner, account, route, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "state = 'pending', attempt = excluded.attempt, claimed_at = excluded.claimed_at, "
            "expires_at = excluded.expires_at, status = NULL, headers = NULL, body = NULL "
            "WHERE expires_at <= ? OR state = 'failed' OR (state = 'pending' AND claimed_at <= ?)",
            (*scope.params(), fingerprint, attempt, now, now + int(ttl * 1000), now, now - int(in_flight_limit * 1000)),
        )
        record = self.record(scope)
        if record is None:  # only a clock running backwards gets here: the row is ours but looks expired
            raise StorageError("the idempotency key vanished right after it was claimed")
        return Claim(attempt, record)

    def record(self, scope: KeyScope) -> KeyRecord | None:
        """The key's row, or None when there is none or it expired."""
        rows = self._run(
            f"SELECT {_COLUMNS} FROM idempotency_keys WHERE {_WHERE_KEY} AND expires_at > ?",
            (*scope.params(), self._now_ms()),
        )
        return _record(rows[0]) if rows else None

    def is_abandoned(self, record: KeyRecord, in_flight_limit: float) -> bool:
        """True when a pending claim is older than ``in_flight_limit`` seconds."""
        return record.state == PENDING and record.claimed_at_ms <= self._now_ms() - int(in_flight_limit * 1000)

    def finish(self, scope: KeyScope, attempt: str, response: StoredResponse, *, keep: bool,
               waiters_window: float) -> bool:
        """Record how ``attempt`` ended: kept for replay (``done``) or only for its waiters (``failed``).

        A failed row is needed only by the requests waiting for it, none of which waits longer than
        ``waiters_window`` seconds: it expires then instead of after the key's whole lifetime.
        Returns False when the attempt no longer held the key (it was taken over).
        """
        forget_at = self._now_ms() + int(waiters_window * 1000)
        rows = self._run(
            f"UPDATE idempotency_keys SET state = ?, status = ?, headers = ?, body = ?, "
            f"expires_at = CASE WHEN ? THEN expires_at ELSE MIN(expires_at, ?) END "
            f"WHERE {_WHERE_KEY} AND attempt = ? AND state = 'pending' RETURNING 1",
            (DONE if keep else FAILED, response.status, json.dumps(response.headers), response.body,
             keep, forget_at, *scope.params(), attempt),
        )
        return bool(rows)

    def release(self, scope: KeyScope, attempt: str) -> None:
        """Give the key up without a response (the request ended without one, e.g. a crash)."""
        self._run(f"DELETE FROM idempotency_keys WHERE {_WHERE_KEY} AND attempt = ?", (*scope.params(), attempt))

    def prune(self) -> int:
        """Delete the expired keys; return how many."""
        return len(self._run("DELETE FROM idempotency_keys WHERE expires_at <= ? RETURNING 1", (self._now_ms(),)))

    def _now_ms(self) -> int:
        return int(self.inbox.now() * 1000)

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        try:
            return self.inbox.execute(sql, params)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(_reason(exc)) from exc


def _record(row: tuple) -> KeyRecord:
    fingerprint, state, attempt, claimed_at, status, headers, body = row
    response = None
    if status is not None:
        response = StoredResponse(int(status), [(str(n), str(v)) for n, v in json.loads(headers or "[]")],
                                  bytes(body or b""))
    return KeyRecord(fingerprint, state, attempt, int(claimed_at), response)

