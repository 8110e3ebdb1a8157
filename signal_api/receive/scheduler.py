"""Background loops: the ``AUTO_RECEIVE_SCHEDULE`` cron job and the thread helper the other jobs share.

The original runs the schedule with robfig/cron and crashes the whole process when a receive fails
(a nil response is dereferenced in the cron goroutine). Here a failing tick, or a failing account
within a tick, is logged and the schedule carries on.

Everything uses plain ``threading``: under gunicorn's gevent worker these are patched into greenlets.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from croniter import croniter

log = logging.getLogger(__name__)

# Waits are capped so a wall-clock jump (NTP, suspend) is noticed within this many seconds.
MAX_WAIT_SECONDS = 60.0


class BackgroundLoop:
    """Calls ``step`` in a daemon thread until stopped; ``step`` returns the seconds to wait next.

    An exception from ``step`` is logged and the loop waits ``error_delay`` before trying again,
    so a bug or an unavailable resource never ends the loop or the process.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], float],
        *,
        error_delay: float = 1.0,
        sleep: Callable[[float], None] | None = None,
        join_timeout: float = 5.0,
    ) -> None:
        self.name = name
        self._step = step
        self._error_delay = error_delay
        self._sleep = sleep
        self._join_timeout = join_timeout
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped: threading.Thread | None = None  # stopped, not joined yet

    @property
    def stopping(self) -> bool:
        """True once ``stop()`` was called (until the next ``start()``)."""
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (no-op when it already runs)."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Ask the loop to end and, with ``wait``, :meth:`join` it."""
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._stopped, self._thread = self._thread, None
        if wait:
            self.join()

    def join(self) -> None:
        """Wait (bounded) for the step of a stopped loop to finish."""
        thread, self._stopped = self._stopped, None
        if thread is None or thread is threading.current_thread():
            return
        thread.join(self._join_timeout)
        if thread.is_alive():
            log.warning("%s did not stop within %.1f s; leaving its daemon thread behind", self.name,
                        self._join_timeout)

    def wake(self) -> None:
        """End the current wait early so the next step runs now."""
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before the step, so a wake() that arrives during the step is not lost.
            self._wakeup.clear()
            try:
                delay = self._step()
            except Exception:
                log.exception("%s failed; retrying in %.1f s", self.name, self._error_delay)
                delay = self._error_delay
            if not self._stopping.is_set():
                self._pause(max(0.0, delay))

    def _pause(self, seconds: float) -> None:
        if self._sleep is None:
            self._wakeup.wait(seconds)
        else:
            self._sleep(seconds)


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def validate_schedule(schedule: str) -> str:
    """Return ``schedule`` stripped, or raise ValueError unless it is a valid 5-field cron expression."""
    expression = schedule.strip() if isinstance(schedule, str) else ""
    # croniter also accepts a 6th (seconds) field; the original's robfig spec has exactly 5.
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"{schedule!r} is not a valid 5-field cron expression")
    return expression


class AutoReceiveScheduler:
    """Runs ``job`` at every tick of a 5-field cron ``schedule`` (evaluated in the ``now`` clock's zone).

    Ticks missed while the job ran, or while the machine slept, are skipped rather than replayed,
    so a slow receive never piles up back-to-back runs.
    """

    def __init__(
        self,
        schedule: str,
        job: Callable[[], None],
        *,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.schedule = validate_schedule(schedule)
        self._job = job
        self._now = now
        self._next = self.next_run(now())
        self._loop = BackgroundLoop("auto-receive scheduler", self._step, sleep=sleep)

    def next_run(self, after: datetime) -> datetime:
        """The first tick strictly after ``after``."""
        return croniter(self.schedule, after).get_next(datetime)

    @property
    def next_tick(self) -> datetime:
        """When the job runs next."""
        return self._next

    def run_pending(self) -> bool:
        """Run the job if its tick is due by the clock; True when it ran (even if it failed)."""
        if self._now() < self._next:
            return False
        self._run_job()
        self._next = self.next_run(self._now())
        return True

    def start(self) -> None:
        """Start running the job in a background thread."""
        self._loop.start()

    def stop(self) -> None:
        """Stop the thread (waits for a running job, bounded)."""
        self._loop.stop()

    def _run_job(self) -> None:
        try:
            self._job()
        except Exception:
            log.exception("scheduled auto-receive failed; the schedule continues")

    def _step(self) -> float:
        self.run_pending()
        remaining = (self._next - self._now()).total_seconds()
        return min(MAX_WAIT_SECONDS, max(0.0, remaining))


def receive_all_accounts(
    list_accounts: Callable[[], list[str]],
    receive_one: Callable[[str], Any],
    log: logging.Logger,
) -> dict[str, str | None]:
    """Receive for every account, each failure logged on its own; returns ``{account: error or None}``."""
    try:
        accounts = list_accounts()
    except Exception as exc:
        log.error("auto-receive: cannot list the accounts: %s", _describe(exc))
        return {}
    results: dict[str, str | None] = {}
    for account in accounts:
        results[account] = _receive(account, receive_one, log)
    return results


def _receive(account: str, receive_one: Callable[[str], Any], log: logging.Logger) -> str | None:
    try:
        receive_one(account)
    except Exception as exc:
        error = _describe(exc)
        log.error("auto-receive for %s failed: %s", account, error)
        return error
    return None


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
