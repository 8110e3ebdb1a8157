"""Retention: periodically prune the durable inbox by age and by count per account.

The original stores nothing, so it needs no retention; our inbox would otherwise grow forever.
Messages a webhook still has to deliver are kept whatever their age (``Inbox.prune``).
Expired Idempotency-Keys go in the same run.
"""
from __future__ import annotations

import logging

from signal_api.receive.scheduler import BackgroundLoop
from signal_api.storage.idempotency import IdempotencyStore
from signal_api.storage.inbox import Inbox

log = logging.getLogger(__name__)


class RetentionJob:
    """Runs ``inbox.prune`` shortly after ``start()`` and then every ``interval`` seconds."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        max_age_seconds: float,
        max_per_account: int,
        interval: float = 600.0,
        initial_delay: float = 1.0,
    ) -> None:
        self.inbox = inbox
        self.max_age_seconds = max_age_seconds
        self.max_per_account = max_per_account
        self.interval = interval
        self._initial_delay = initial_delay
        self._first_run_done = False
        self._loop = BackgroundLoop("retention", self._step, error_delay=interval)

    def run_once(self) -> int:
        """Prune once and return how many messages were removed."""
        removed = self.inbox.prune(max_age_seconds=self.max_age_seconds, max_per_account=self.max_per_account)
        if removed:
            log.info("retention removed %d stored messages", removed)
        else:
            log.debug("retention: nothing to remove")
        expired_keys = IdempotencyStore(self.inbox).prune()
        if expired_keys:
            log.info("retention removed %d expired idempotency keys", expired_keys)
        return removed

    def start(self) -> None:
        """Start the background thread; the first run comes after ``initial_delay`` seconds."""
        self._first_run_done = False
        self._loop.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._loop.stop()

    def _step(self) -> float:
        # The first step only waits, so start-up (migrations, the first requests) is not slowed down.
        if not self._first_run_done:
            self._first_run_done = True
            return self._initial_delay
        self.run_once()
        return self.interval
