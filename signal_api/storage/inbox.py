"""The durable inbox: every received message, stored before anyone is given it.

A message's cursor is its row id: it only grows, so "everything after cursor N" is a gap-free,
duplicate-free way to resume. Consumers that take messages once (``GET /v1/receive``) keep a
position per account in ``consumer_cursors``. Listeners hear about new rows only after commit.

A write the database refuses (disk full, read-only, locked, I/O error) raises
:class:`StorageError` and leaves nothing half-written; the caller keeps what it could not store.
A consumer's position that cannot be written is kept in memory and written with the next write
that works: a message is then at worst handed out again after a crash, never skipped.

Account events (:mod:`signal_api.storage.events`) are rows of the same table, with their
``event`` column set: readers get them only with ``events=True``. A consumer's position passes
over the events it skips, as it passes over what another consumer of the same position took.

A ``shared`` inbox is one of several processes on the same file (``WORKERS`` > 1): positions are
read from the database every time and taken in one write transaction, so two workers never hand
out the same message, and listeners hear of new rows from an :class:`InboxTail` (every process's
commits, in cursor order) instead of from ``store``.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from signal_api.storage.events import event_name
from signal_api.storage.migrate import apply_migrations
from signal_api.storage.webhook_subscriptions import ENQUEUE_SQL, envelope_kinds
from signal_api.translate.received import with_rest_group_ids

log = logging.getLogger(__name__)

# The API's clients (GET /v1/receive and WebSocket clients without ?since) share one position
# per account: a message handed to one of them is not handed to them again.
HTTP_CONSUMER = "http"
# How long a write waits for another process's lock. Short on purpose: under gevent the wait
# blocks the whole worker, and a write that gives up loses nothing (the caller keeps and retries).
DEFAULT_BUSY_TIMEOUT = 2.0
# One page: a disk with less room than this cannot take the next message either.
PROBE_BYTES = 4096


@dataclass(frozen=True)
class StoredMessage:
    """One stored ``{"envelope", "account"}`` message (or account event) and its cursor."""

    cursor: int
    account: str
    received_at: int
    payload: dict[str, Any]

    @property
    def event(self) -> str | None:
        """The account event this row is (None for a received message)."""
        return event_name(self.payload)

    def client_payload(self) -> dict[str, Any]:
        """The message as every client gets it (GET, WebSocket, history, webhook): with REST group ids."""
        return with_rest_group_ids(self.payload)

    def frame(self) -> dict[str, Any]:
        """What API clients get: :meth:`client_payload` plus the ``cursor``."""
        return {**self.client_payload(), "cursor": self.cursor}

    @functools.cached_property
    def frame_text(self) -> str:
        """:meth:`frame` as compact JSON, serialised once for all the WebSockets that send it."""
        return json.dumps(self.frame(), ensure_ascii=False, separators=(",", ":"))


Listener = Callable[[list[StoredMessage]], None]
T = TypeVar("T")


class StorageError(Exception):
    """The database refused a write; ``reason`` is SQLite's (or the OS's) one-line explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

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
    return _storable(f"{sender}/{envelope.get('sourceDevice')}/{timestamp}/{kinds}")


def payload_json(payload: dict[str, Any]) -> str:
    """The payload as stored: compact JSON, readable UTF-8 unless a lone surrogate forces escapes.

    A lone surrogate (Jackson writes ``\\ud800`` for a broken UTF-16 string) cannot be encoded
    as UTF-8, so SQLite could never take such a message; escaped, it reads back unchanged.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if text != _storable(text):
        text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text


def _storable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def connect(path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> sqlite3.Connection:
    """Open (creating) the database with the settings the service relies on."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _private(path)
    connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                 timeout=busy_timeout)
    connection.execute("PRAGMA journal_mode = WAL")
    # WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _private(path: Path) -> None:
    """Create the database file readable by its owner only, or take other users' access away.

    It holds the messages received, webhook subscription secrets and token hashes: under the usual
    umask 022 SQLite would create it (and its -wal and -shm files, which copy its mode) readable by
    every local user.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
    except OSError:
        return  # sqlite3.connect reports what is wrong with the path
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = os.stat(name).st_mode
            if mode & 0o077:
                os.chmod(name, mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:  # e.g. a file of another user on a mounted volume: usable, not ours
            log.warning("cannot make %s private: %s", name, exc)


class Inbox:
    """Thread-safe access to the stored messages."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        track_webhook_deliveries: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        shared: bool = False,
    ) -> None:
        self.path = Path(path)
        self.shared = shared
        # When a webhook is configured, each message gets its pending delivery row in the same
        # transaction, so a crash can never leave a stored message that is never delivered.
        # Webhook subscriptions (storage.webhook_subscriptions) get theirs the same way, always.
        self.track_webhook_deliveries = track_webhook_deliveries
        self._clock = clock
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        self._listeners: list[Listener] = []
        self._db = connect(self.path, busy_timeout=busy_timeout)
        apply_migrations(self._db)
        self._positions: dict[tuple[str, str], int] = {}
        # Positions handed out whose write failed; written with the next write that works.
        self._unsaved_positions: dict[tuple[str, str], int] = {}
        self._warned_unsaved = False

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(messages)`` after each committed batch."""
        self._listeners.append(listener)

    # Writing

    def store(self, payloads: Sequence[dict[str, Any]]) -> list[StoredMessage]:
        """Store a batch in one transaction, then tell the listeners.

        Raises:
            StorageError: the database refused the write; nothing of the batch is stored.
        """
        if not payloads:
            return []
        now = int(self._clock() * 1000)
        stored = []
        with self._lock:
            try:
                with _transaction(self._db):
                    for payload in payloads:
                        stored += self._insert(payload, now)
                    self._write_unsaved_positions()
            except (sqlite3.Error, OSError) as exc:
                raise StorageError(_reason(exc)) from exc
            self._unsaved_positions.clear()
            self._warned_unsaved = False
        if not self.shared:
            self.dispatch(stored)
        return stored

    def dispatch(self, stored: list[StoredMessage]) -> None:
        """Tell waiting takers and the listeners about committed rows (by ``store``, or by the tail)."""
        with self._lock:
            self._arrived.notify_all()
        for listener in list(self._listeners):
            try:
                listener(stored)
            except Exception:  # a listener's bug must not undo or block storing
                log.exception("inbox listener failed")

    def _insert(self, payload: dict[str, Any], now: int) -> list[StoredMessage]:
        account = str(payload.get("account") or "")
        key = dedup_key(payload)
        event = event_name(payload)
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO messages (account, received_at, payload, dedup_key, event) "
            "VALUES (?, ?, ?, ?, ?)",
            (_storable(account), now, payload_json(payload), key, event),
        )
        if inserted.rowcount == 0:
            log.info("dropping an envelope signal-cli handed over twice (%s)", key)
            return []
        cursor = inserted.lastrowid
        # RECEIVE_WEBHOOK_URL is the original's: its receivers expect a receive notification.
        if self.track_webhook_deliveries and event is None:
            self._db.execute("INSERT INTO webhook_deliveries (message_id, next_attempt) VALUES (?, ?)", (cursor, now))
        self._db.execute(ENQUEUE_SQL, (cursor, now, _storable(account), json.dumps(envelope_kinds(payload))))
        return [StoredMessage(cursor, account, now, payload)]

    def write_problem(self) -> str | None:
        """Why the inbox could not take a write now (None when it could); leaves nothing behind.

        A page written and synced next to the database finds a full disk or a read-only file
        system; an empty write transaction finds a database another process keeps locked.
        """
        probe = self.path.with_name(f".{self.path.name}.write-probe")
        try:
            with open(probe, "wb") as handle:
                handle.write(bytes(PROBE_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            return _reason(exc)
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
        with self._lock:
            try:
                with _transaction(self._db):
                    pass
            except (sqlite3.Error, OSError) as exc:
                return _reason(exc)
        return None

    # Reading

    def after(self, account: str, cursor: int, limit: int = 100, *, events: bool = False) -> list[StoredMessage]:
        """Messages of ``account`` with a cursor greater than ``cursor``, oldest first.

        Account events are among them only with ``events``.
        """
        with self._lock:
            rows = self._db.execute(
                "SELECT id, account, received_at, payload FROM messages WHERE account = ? AND id > ? "
                f"{_events_clause(events)} ORDER BY id LIMIT ?",
                (account, cursor, limit),
            ).fetchall()
        return [stored_message(r) for r in rows]

    def after_any(self, accounts: Sequence[str], cursor: int, limit: int = 100, *,
                  events: bool = False) -> list[StoredMessage]:
        """Messages of any of ``accounts`` with a cursor greater than ``cursor``, oldest first (see :meth:`after`)."""
        if not accounts:
            return []
        marks = ",".join("?" * len(accounts))
        with self._lock:
            rows = self._db.execute(
                "SELECT id, account, received_at, payload FROM messages "
                f"WHERE account IN ({marks}) AND id > ? {_events_clause(events)} ORDER BY id LIMIT ?",
                (*accounts, cursor, limit),
            ).fetchall()
        return [stored_message(r) for r in rows]

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
        return [stored_message(r) for r in rows]

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
                batch = self._take_shared(consumer, account, limit) if self.shared else None
                if batch is None:
                    position = self._position(consumer, account)
                    batch = self.after(account, position, limit if limit > 0 else -1)
                    if batch:
                        self.mark_taken(consumer, account, batch[-1].cursor)
                if batch:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._arrived.wait(remaining)

    def _take_shared(self, consumer: str, account: str, limit: int) -> list[StoredMessage] | None:
        # Read the position, the batch and write the new position in one write transaction, so
        # another worker taking at the same moment waits and then starts after this batch. None
        # when the database refuses the write: the caller takes the in-memory way.
        try:
            with _transaction(self._db):
                position = self._position(consumer, account)
                batch = self.after(account, position, limit if limit > 0 else -1)
                if batch:
                    self._write_position(consumer, account, batch[-1].cursor)
                    self._write_unsaved_positions()
        except (sqlite3.Error, OSError):
            return None
        self._unsaved_positions.clear()
        return batch

    def position(self, consumer: str, account: str) -> int:
        """The last cursor ``consumer`` has taken for ``account`` (0 when none)."""
        with self._lock:
            return self._position(consumer, account)

    def mark_taken(self, consumer: str, account: str, cursor: int) -> None:
        """Record that ``consumer`` has everything of ``account`` up to ``cursor`` (never moves back).

        When the database refuses the write, the position holds in memory (nothing is handed out
        twice while the service runs) and is written with the next write that works.
        """
        with self._lock:
            if cursor <= self._position(consumer, account):
                return  # many sockets report the same message: only the first one writes
            self._positions[(consumer, account)] = cursor
            self._unsaved_positions[(consumer, account)] = cursor
            try:
                with _transaction(self._db):
                    self._write_unsaved_positions()
            except (sqlite3.Error, OSError) as exc:
                if not self._warned_unsaved:
                    log.warning("cannot save consumer positions yet (%s); keeping them in memory", _reason(exc))
                    self._warned_unsaved = True
                return
            self._unsaved_positions.clear()
            self._warned_unsaved = False

    def _write_unsaved_positions(self) -> None:
        for (consumer, account), cursor in self._unsaved_positions.items():
            self._write_position(consumer, account, cursor)

    def _write_position(self, consumer: str, account: str, cursor: int) -> None:
        self._db.execute(
            "INSERT INTO consumer_cursors (consumer, account, position) VALUES (?, ?, ?) "
            "ON CONFLICT (consumer, account) DO UPDATE SET position = MAX(position, excluded.position)",
            (consumer, _storable(account), cursor),
        )

    def _position(self, consumer: str, account: str) -> int:
        key = (consumer, account)
        if self.shared:
            # Other workers move it too; what this one could not write yet still counts.
            row = self._db.execute(
                "SELECT position FROM consumer_cursors WHERE consumer = ? AND account = ?", (consumer, account)
            ).fetchone()
            return max(row[0] if row else 0, self._unsaved_positions.get(key, 0))
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

    def now(self) -> float:
        """The inbox's clock (seconds since the epoch), for the other stores on this database."""
        return self._clock()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement under the inbox lock (for the other stores on this database)."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run several statements in one transaction under the inbox lock."""
        with self._lock, _transaction(self._db):
            for sql, params in statements:
                self._db.execute(sql, params)

    def atomically(self, work: Callable[[Callable[..., list[tuple]]], T]) -> T:
        """``work(execute)`` in one write transaction: what it reads no other process changes before it writes.

        Raises:
            StorageError: the database refused the transaction; nothing of it is written.
        """
        def execute(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
            return self._db.execute(sql, params).fetchall()

        with self._lock:
            try:
                with _transaction(self._db):
                    return work(execute)
            except (sqlite3.Error, OSError) as exc:
                raise StorageError(_reason(exc)) from exc


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.Error:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        # A failed COMMIT (disk full) may or may not have ended the transaction already; one
        # left open would make every later BEGIN fail.
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("rollback failed: %s", _reason(exc))


def _events_clause(events: bool) -> str:
    return "" if events else "AND event IS NULL"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def stored_message(row: tuple) -> StoredMessage:
    """The message of a ``(id, account, received_at, payload)`` row of ``messages``."""
    cursor, account, received_at, payload = row
    return StoredMessage(cursor, account, received_at, json.loads(payload))
