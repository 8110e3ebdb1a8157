"""Keeping what signal-cli handed over until the inbox has stored it.

signal-cli acknowledges an envelope to Signal once it has printed it (CLI ``receive``) or written
it to the daemon's connection: from then on the service holds the only copy. When the inbox
refuses the write (disk full, read-only database, locked, I/O error) the envelopes are kept here,
in arrival order, and retried with backoff; nobody is given them before they are stored, and the
dedup key of the inbox stores each one once however often a write is retried.

Two signals leave this module: ``failure`` (GET /v1/health turns it into a 503 and the subprocess
modes start no new ``receive`` while it is set), and hold/resume callbacks, called when the kept
envelopes reach ``limit`` and when storage works again, so the backend stops taking more from
signal-cli instead of dropping anything.
"""
from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from signal_api.receive.reserve import KeptReserve
from signal_api.receive.scheduler import BackgroundLoop
from signal_api.storage.inbox import Inbox, StorageError

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 2000
# Stored per transaction while catching up, so one huge backlog is not one huge transaction.
BATCH = 200
FIRST_RETRY = 0.25
MAX_RETRY = 5.0
IDLE_WAIT = 60.0


class Intake:
    """The path from the backend's message handler into the inbox."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        limit: int = DEFAULT_LIMIT,
        first_retry: float = FIRST_RETRY,
        max_retry: float = MAX_RETRY,
        reserve: KeptReserve | None = None,
    ) -> None:
        self.inbox = inbox
        #: Disk space set aside so that what is kept survives a restart (see reserve.py).
        self.reserve = reserve
        self.limit = limit
        self._first_retry = first_retry
        self._max_retry = max_retry
        self._retry_delay = first_retry
        self._kept: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()  # guards _kept, _reason and _holding
        self._writing = threading.Lock()  # one writer at a time keeps the arrival order
        self._reason: str | None = None
        self._holding = False
        self._healthy = threading.Event()
        self._healthy.set()
        self._on_hold: list[Callable[[], None]] = []
        self._on_resume: list[Callable[[], None]] = []
        self._retry = BackgroundLoop("inbox retry", self._retry_step, error_delay=max_retry)
        self._closed = False

    # State

    @property
    def failure(self) -> str | None:
        """Why received messages cannot be stored now (None while storage works)."""
        with self._lock:
            if self._reason is None:
                return None
            return f"cannot store received messages: {self._reason}; {len(self._kept)} kept in memory"

    @property
    def healthy(self) -> bool:
        """True while storage works."""
        return self._healthy.is_set()

    @property
    def kept(self) -> int:
        """How many received messages wait to be stored."""
        with self._lock:
            return len(self._kept)

    def wait_healthy(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for storage to work; True when it does."""
        return self._healthy.wait(timeout)

    def on_hold(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the kept messages reach the limit: take no more from signal-cli."""
        self._on_hold.append(callback)

    def on_resume(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when, after a hold, everything kept is stored."""
        self._on_resume.append(callback)

    # Taking in

    def recover(self) -> int:
        """Allocate the reserve and store what an earlier run set aside in it; return how many."""
        if self.reserve is None:
            return 0
        recovered = self.reserve.open()
        if recovered:
            with self._lock:
                self._kept.extendleft(reversed(recovered))
            self.flush()
        return len(recovered)

    def accept(self, payloads: Sequence[dict[str, Any]]) -> None:
        """Store these messages, or keep them until they can be; never raises for storage."""
        if not payloads:
            return
        with self._lock:
            self._kept.extend(payloads)
            failing = self._reason is not None
            if failing and self.reserve is not None:
                self.reserve.append(payloads)
        if failing:
            self._update_hold()
        else:
            self.flush()

    def flush(self) -> bool:
        """Store everything kept, oldest first; True when nothing is left."""
        with self._writing:
            while True:
                with self._lock:
                    batch = list(itertools.islice(self._kept, BATCH))
                    if not batch:
                        # Decided under the lock that guards accept(): a message arriving from
                        # now on sees storage working and stores itself.
                        recovered, self._reason = self._reason is not None, None
                        resume, self._holding = self._holding, False
                        self._healthy.set()
                        if self.reserve is not None:
                            self.reserve.clear()
                        break
                try:
                    self.inbox.store(batch)
                except StorageError as exc:
                    self._failed(exc.reason)
                    return False
                except Exception as exc:  # an unexpected bug must not lose the batch either
                    log.exception("storing received messages failed")
                    self._failed(f"unexpected {type(exc).__name__}")
                    return False
                with self._lock:
                    # Only this writer removes, and only from the left: these are the batch.
                    for _ in batch:
                        self._kept.popleft()
        if recovered:
            log.warning("storing received messages works again; everything kept is stored")
        if resume:
            self._call(self._on_resume, "resume")
        return True

    def close(self) -> None:
        """Stop retrying after a last attempt; say loudly what could not be stored."""
        self._retry.stop()
        self._closed = True
        if self.kept and not self.flush():
            if self.reserve is not None and self.reserve.available and not self.reserve.incomplete:
                log.error("shutting down with %d received messages that could not be stored (%s): they are set "
                          "aside in %s and will be stored at the next start", self.kept, self._reason,
                          self.reserve.path)
            else:
                log.error("shutting down with %d received messages that could not be stored (%s), not all of "
                          "them set aside (no reserve, or it is full): those are lost", self.kept, self._reason)
        if self.reserve is not None:
            self.reserve.close()

    # Failure and recovery

    def _failed(self, reason: str) -> None:
        with self._lock:
            first = self._reason is None
            self._reason = reason
            self._healthy.clear()
            count = len(self._kept)
            if first and self.reserve is not None:
                # From now on accept() appends; what was kept before is set aside here, under the
                # same lock, so nothing falls between the two.
                self.reserve.replace(list(self._kept))
        if first:
            log.error("cannot store received messages (%s): keeping %d in memory and retrying", reason, count)
            self._retry_delay = self._first_retry
        self._update_hold()
        self._retry.start()
        self._retry.wake()

    def _update_hold(self) -> None:
        with self._lock:
            start = self._reason is not None and not self._holding and len(self._kept) >= self.limit
            if start:
                self._holding = True
            count = len(self._kept)
        if start:
            log.error("%d received messages kept in memory: taking no more from signal-cli until they are stored",
                      count)
            self._call(self._on_hold, "hold")

    def _retry_step(self) -> float:
        with self._lock:
            # After close() what is kept belongs to the reserve and the next start.
            pending = bool(self._kept) and not self._closed
        if not pending or self.flush():
            return IDLE_WAIT
        delay, self._retry_delay = self._retry_delay, min(self._retry_delay * 2, self._max_retry)
        return delay

    @staticmethod
    def _call(callbacks: list[Callable[[], None]], what: str) -> None:
        for callback in list(callbacks):
            try:
                callback()
            except Exception:  # one failing reaction must not stop the others
                log.exception("intake %s callback failed", what)
