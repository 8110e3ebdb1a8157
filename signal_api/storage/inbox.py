"""The durable inbox: every received message, stored before anyone is given it.

A message's cursor is its row id: it only grows, so "everything after cursor N" is a gap-free,
duplicate-free way to resume. Consumers that take messages once (``GET /v1/receive``) keep a
position per account in ``consumer_cursors``. Listeners hear about new rows only after commit.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signal_api.storage.migrate import apply_migrations

log = logging.getLogger(__name__)

# The API's clients (GET /v1/receive and WebSocket clients without ?since) share one position
# per account: a message handed to one of them is not handed to them again.
HTTP_CONSUMER = "http"


@dataclass(frozen=True)
class StoredMessage:
    """One stored ``{"envelope", "account"}`` message and its cursor."""

    cursor: int
    account: str
    received_at: int
    payload: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        """What clients get: the original's object plus its ``cursor``."""
        return {**self.payload, "cursor": self.cursor}


Listener = Callable[[list[StoredMessage]], None]

_CONTENT_KINDS = ("dataMessage", "editMessage", "syncMessage", "receiptMessage", "typingMessage",
                  "storyMessage", "callMessage")


def dedup_key(payload: dict[str, Any]) -> str | None:
    """What identifies an envelope: sender, device, timestamp and kind (None when the sender is unknown).

    Signal names a message by its sender and timestamp, so a second envelope with the same key is
    the same message delivered again.
    """
    envelope = payload.get("envelope")
    if not isinstance(envelope, dict):
        return None
    sender = envelope.get("sourceUuid") or envelope.get("sourceNumber") or envelope.get("source")
    timestamp = envelope.get("timestamp")
    if not sender or not isinstance(timestamp, int):
        return None
    kinds = ",".join(kind for kind in _CONTENT_KINDS if kind in envelope)
    return f"{sender}/{envelope.get('sourceDevice')}/{timestamp}/{kinds}"


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the database with the settings the service relies on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode = WAL")
    # WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


class Inbox:
    """Thread-safe access to the stored messages."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, track_webhook_deliveries: bool = False
    ) -> None:
        self.path = Path(path)
        # When a webhook is configured, each message gets its pending delivery row in the same
        # transaction, so a crash can never leave a stored message that is never delivered.
        self.track_webhook_deliveries = track_webhook_deliveries
        self._clock = clock
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        self._listeners: list[Listener] = []
        self._db = connect(self.path)
        apply_migrations(self._db)
        self._positions: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(messages)`` after each committed batch."""
        self._listeners.append(listener)

    # Writing

    def store(self, payloads: Sequence[dict[str, Any]]) -> list[StoredMessage]:
        """Store a batch in one transaction, then tell the listeners."""
        if not payloads:
            return []
        now = int(self._clock() * 1000)
        stored = []
        with self._lock:
            with _transaction(self._db):
                for payload in payloads:
                    account = str(payload.get("account") or "")
                    key = dedup_key(payload)
                    inserted = self._db.execute(
                        "INSERT OR IGNORE INTO messages (account, received_at, payload, dedup_key) VALUES (?, ?, ?, ?)",
                        (account, now, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), key),
                    )
                    if inserted.rowcount == 0:
                        log.info("dropping an envelope signal-cli handed over twice (%s)", key)
                        continue
                    cursor = inserted.lastrowid
                    if self.track_webhook_deliveries:
                        self._db.execute(
                            "INSERT INTO webhook_deliveries (message_id, next_attempt) VALUES (?, ?)", (cursor, now)
                        )
                    stored.append(StoredMessage(cursor, account, now, payload))
            self._arrived.notify_all()
        for listener in list(self._listeners):
            try:
                listener(stored)
            except Exception:  # a listener's bug must not undo or block storing
                log.exception("inbox listener failed")
        return stored

    # Reading

    def after(self, account: str, cursor: int, limit: int = 100) -> list[StoredMessage]:
        """Messages of ``account`` with a cursor greater than ``cursor``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, account, received_at, payload FROM messages WHERE account = ? AND id > ? "
                "ORDER BY id LIMIT ?",
                (account, cursor, limit),
            ).fetchall()
        return [_row(r) for r in rows]

    def by_cursors(self, cursors: Sequence[int]) -> list[StoredMessage]:
        """The messages with these cursors (those still stored), in cursor order."""
        if not cursors:
            return []
        marks = ",".join("?" * len(cursors))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, account, received_at, payload FROM messages WHERE id IN ({marks}) ORDER BY id",
                list(cursors),
            ).fetchall()
        return [_row(r) for r in rows]

    def latest_cursor(self, account: str | None = None) -> int:
        """The newest cursor (of ``account``, or of any account); 0 when there is none."""
        with self._lock:
            if account is None:
                row = self._db.execute("SELECT MAX(id) FROM messages").fetchone()
            else:
                row = self._db.execute("SELECT MAX(id) FROM messages WHERE account = ?", (account,)).fetchone()
        return row[0] or 0

    def count(self, account: str | None = None) -> int:
        """How many messages are stored (for ``account``, or in all)."""
        with self._lock:
            if account is None:
                return self._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            return self._db.execute("SELECT COUNT(*) FROM messages WHERE account = ?", (account,)).fetchone()[0]

    # Consuming once

    def take(self, consumer: str, account: str, *, limit: int = 0, timeout: float = 0.0) -> list[StoredMessage]:
        """Messages ``consumer`` has not taken yet, waiting up to ``timeout`` s for the first one."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._lock:
            while True:
                position = self._position(consumer, account)
                batch = self.after(account, position, limit if limit > 0 else -1)
                if batch:
                    self.mark_taken(consumer, account, batch[-1].cursor)
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._arrived.wait(remaining)

    def position(self, consumer: str, account: str) -> int:
        """The last cursor ``consumer`` has taken for ``account`` (0 when none)."""
        with self._lock:
            return self._position(consumer, account)

    def mark_taken(self, consumer: str, account: str, cursor: int) -> None:
        """Record that ``consumer`` has everything of ``account`` up to ``cursor`` (never moves back)."""
        with self._lock:
            if cursor <= self._position(consumer, account):
                return  # many sockets report the same message: only the first one writes
            with _transaction(self._db):
                self._db.execute(
                    "INSERT INTO consumer_cursors (consumer, account, position) VALUES (?, ?, ?) "
                    "ON CONFLICT (consumer, account) DO UPDATE SET position = MAX(position, excluded.position)",
                    (consumer, account, cursor),
                )
            self._positions[(consumer, account)] = cursor

    def _position(self, consumer: str, account: str) -> int:
        key = (consumer, account)
        if key not in self._positions:
            row = self._db.execute(
                "SELECT position FROM consumer_cursors WHERE consumer = ? AND account = ?", (consumer, account)
            ).fetchone()
            self._positions[key] = row[0] if row else 0
        return self._positions[key]

    # Retention

    def prune(self, *, max_age_seconds: float, max_per_account: int) -> int:
        """Delete messages past the retention limits, except those a webhook still has to deliver."""
        cutoff = int((self._clock() - max_age_seconds) * 1000)
        keep_pending = "id NOT IN (SELECT message_id FROM webhook_deliveries WHERE state = 'pending')"
        with self._lock, _transaction(self._db):
            removed = self._db.execute(
                f"DELETE FROM messages WHERE received_at < ? AND {keep_pending}", (cutoff,)
            ).rowcount
            removed += self._db.execute(
                f"DELETE FROM messages WHERE {keep_pending} AND id IN ("
                " SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY account ORDER BY id DESC) AS rank"
                " FROM messages) WHERE rank > ?)",
                (max_per_account,),
            ).rowcount
        return removed

    # Shared with the webhook deliveries

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement under the inbox lock (for the other stores on this database)."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run several statements in one transaction under the inbox lock."""
        with self._lock, _transaction(self._db):
            for sql, params in statements:
                self._db.execute(sql, params)


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _row(row: tuple) -> StoredMessage:
    cursor, account, received_at, payload = row
    return StoredMessage(cursor, account, received_at, json.loads(payload))
