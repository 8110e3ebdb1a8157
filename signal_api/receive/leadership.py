"""Which of several workers leads the receive pipeline (``WORKERS`` > 1).

Exactly one worker at a time holds an exclusive ``flock`` on ``leader.lock`` in the data dir.
The holder runs what must run once: the signal-cli daemon, the subscription that takes messages
from it, webhook deliveries, retention and scheduled receives. The others serve requests and
WebSockets from the shared inbox and try the lock again every second, so when the leader dies
(even by SIGKILL: the kernel releases the lock with the process) another one takes over.

The lock is only ever tried without blocking: under gevent a blocking ``flock`` would stop every
greenlet of the worker.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "leader.lock"
RETRY_INTERVAL = 1.0


class Leadership:
    """Try to become the leader now and then until it works; run ``on_elected`` once when it does."""

    def __init__(self, data_dir: Path, on_elected: Callable[[], None], *,
                 retry_interval: float = RETRY_INTERVAL) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._on_elected = on_elected
        self._retry_interval = retry_interval
        self._fd: int | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        """True once this process holds the lock."""
        return self._fd is not None

    def start(self) -> None:
        """Try at once (so a single start-up elects someone before it serves), then in the background."""
        if self._try_lock():
            self._elected()
            return
        log.info("worker %s serves requests; another worker leads receiving", os.getpid())
        self._thread = threading.Thread(target=self._wait_for_lead, name="leadership", daemon=True)
        self._thread.start()

    def stop_trying(self) -> None:
        """Try no more (waiting for an election in progress to finish)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self._retry_interval + 1)

    def release(self) -> None:
        """Give the lock up if held: another worker takes over."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock

    def _wait_for_lead(self) -> None:
        while not self._stopping.wait(self._retry_interval):
            if self._try_lock():
                try:
                    self._elected()
                except Exception:
                    continue  # logged; the lock is free again for any worker, this one included
                return

    def _elected(self) -> None:
        log.info("worker %s leads receiving (signal-cli daemon, webhooks, retention)", os.getpid())
        try:
            self._on_elected()
        except Exception:
            # A leader that cannot lead must let another worker try.
            log.exception("worker %s could not take the lead; releasing it", os.getpid())
            self.release()
            raise

    def _try_lock(self) -> bool:
        if self._stopping.is_set():
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True
