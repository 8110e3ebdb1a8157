"""Hearing about rows other processes commit to the inbox (``WORKERS`` > 1).

Only the leading worker stores received messages, but every worker has WebSockets, waiting
``GET /v1/receive`` calls and (on the leader) webhook dispatchers to tell. The tail has its own
connection and looks at SQLite's ``PRAGMA data_version``, which changes when any *other*
connection commits, including the inbox connection of its own process; only then does it read
the rows after the last one it saw and hand them to :meth:`Inbox.dispatch`.

Rows arrive in cursor order: SQLite has one writer at a time and a row id is assigned inside the
writing transaction, so no row can commit below one already seen.
"""
from __future__ import annotations

import logging
import sqlite3
import threading

from signal_api.storage.inbox import Inbox, connect, stored_message

log = logging.getLogger(__name__)

# How often the tail looks; a look that finds nothing new is one cheap PRAGMA.
POLL_INTERVAL = 0.005
PAGE = 500
ERROR_PAUSE = 1.0


class InboxTail:
    """Dispatches every row committed to ``inbox``'s database after ``start``, once, in order."""

    def __init__(self, inbox: Inbox, *, poll_interval: float = POLL_INTERVAL) -> None:
        self.inbox = inbox
        self.poll_interval = poll_interval
        self._db: sqlite3.Connection | None = None
        self._last = 0
        self._version: int | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin after the newest row there is now (older ones are for replays, not for live listeners)."""
        self._db = connect(self.inbox.path)
        self._version = self._data_version()
        self._last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
        self._thread = threading.Thread(target=self._run, name="inbox-tail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking (rows committed from now on are not dispatched)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._db is not None:
            self._db.close()

    def _run(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            try:
                self.catch_up()
            except sqlite3.Error as exc:
                log.warning("reading new inbox rows failed (%s); trying again", exc)
                self._stopping.wait(ERROR_PAUSE)
            except Exception:  # the tail must outlive any single failure (a listener's is caught)
                log.exception("inbox tail failed")
                self._stopping.wait(ERROR_PAUSE)

    def catch_up(self) -> int:
        """Dispatch what was committed since the last look; return how many rows that was."""
        version = self._data_version()
        if version == self._version:
            return 0
        self._version = version
        count = 0
        while True:
            rows = self._db.execute(
                "SELECT id, account, received_at, payload FROM messages WHERE id > ? ORDER BY id LIMIT ?",
                (self._last, PAGE),
            ).fetchall()
            if not rows:
                return count
            batch = [stored_message(row) for row in rows]
            self._last = batch[-1].cursor
            count += len(batch)
            self.inbox.dispatch(batch)

    def _data_version(self) -> int:
        return self._db.execute("PRAGMA data_version").fetchone()[0]
