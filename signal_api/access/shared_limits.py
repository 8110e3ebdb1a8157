"""Rate-limit buckets in the service's database, shared by every worker (``WORKERS`` > 1).

Each take reads and writes its bucket in one write transaction, so two workers taking at the
same moment see each other's take. When the database refuses (disk full, locked too long) the
take falls back to this worker's memory: a full disk must not stop sends, and the limit then
holds per worker until the database works again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from signal_api.access.limits import MemoryRateLimiter, Rate, refill
from signal_api.storage.inbox import Inbox, StorageError

log = logging.getLogger(__name__)


class SharedRateLimiter:
    """Token buckets in the ``rate_buckets`` table (see :class:`signal_api.access.limits.RateLimiter`)."""

    def __init__(self, inbox: Inbox, clock: Callable[[], float] = time.time) -> None:
        self._inbox = inbox
        self._clock = clock
        self._fallback = MemoryRateLimiter()
        self._warned = False

    def take(self, key: str, rate: Rate) -> float | None:
        """Take one request from ``key``'s bucket."""
        now = self._clock()

        def take_stored(execute: Callable[..., list[tuple]]) -> float | None:
            rows = execute("SELECT level, updated FROM rate_buckets WHERE key = ? AND rate = ?", (key, str(rate)))
            level, updated = rows[0] if rows else (float(rate.count), now)
            level, wait = refill(level, updated, now, rate)
            execute("INSERT INTO rate_buckets (key, rate, level, updated) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (key, rate) DO UPDATE SET level = excluded.level, updated = excluded.updated",
                    (key, str(rate), level, now))
            return wait

        try:
            wait = self._inbox.atomically(take_stored)
        except StorageError as exc:
            if not self._warned:
                log.warning("rate limits held in this worker's memory: the database refused (%s)", exc.reason)
                self._warned = True
            return self._fallback.take(key, rate)
        self._warned = False
        return wait
