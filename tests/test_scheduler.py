"""The auto-receive schedule: cron ticks on a controlled clock, failures that never stop it."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from signal_api.receive.scheduler import AutoReceiveScheduler, receive_all_accounts

log = logging.getLogger("test-scheduler")


class FakeClock:
    """An aware UTC clock that only moves when told to (or when its ``sleep`` is called)."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.current

    def set(self, hour: int, minute: int, second: int = 0) -> None:
        with self._lock:
            self.current = self.current.replace(hour=hour, minute=minute, second=second)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.current += timedelta(seconds=seconds)
        time.sleep(0.001)  # let the test thread run between fake waits


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute, second, tzinfo=timezone.utc)


def test_job_fires_exactly_at_the_ticks():
    clock = FakeClock(at(12, 3))
    runs: list[datetime] = []
    scheduler = AutoReceiveScheduler("*/5 * * * *", lambda: runs.append(clock.now()), now=clock.now)

    assert scheduler.run_pending() is False
    clock.set(12, 4, 59)
    assert scheduler.run_pending() is False
    clock.set(12, 5)
    assert scheduler.run_pending() is True
    assert scheduler.run_pending() is False
    clock.set(12, 6)
    assert scheduler.run_pending() is False
    clock.set(12, 10)
    assert scheduler.run_pending() is True
    assert runs == [at(12, 5), at(12, 10)]


def test_missed_ticks_run_once_not_as_a_burst():
    clock = FakeClock(at(12, 3))
    runs: list[datetime] = []
    scheduler = AutoReceiveScheduler("*/5 * * * *", lambda: runs.append(clock.now()), now=clock.now)

    clock.set(12, 31)
    assert scheduler.run_pending() is True
    assert scheduler.run_pending() is False
    assert scheduler.next_tick == at(12, 35)
    assert len(runs) == 1


def test_a_failing_job_does_not_stop_later_ticks(caplog):
    clock = FakeClock(at(12, 0))
    calls = []

    def job():
        calls.append(clock.now())
        if len(calls) == 1:
            raise RuntimeError("signal-cli exploded")

    scheduler = AutoReceiveScheduler("*/5 * * * *", job, now=clock.now)
    clock.set(12, 5)
    with caplog.at_level(logging.ERROR):
        assert scheduler.run_pending() is True
    assert "signal-cli exploded" in caplog.text
    clock.set(12, 10)
    assert scheduler.run_pending() is True
    assert calls == [at(12, 5), at(12, 10)]


def test_next_run_follows_the_cron_expression():
    scheduler = AutoReceiveScheduler("30 2 * * 1", lambda: None, now=lambda: at(0, 0))
    assert scheduler.next_run(at(12, 0)) == datetime(2024, 5, 6, 2, 30, tzinfo=timezone.utc)  # next Monday
    assert scheduler.next_run(datetime(2024, 5, 6, 2, 30, tzinfo=timezone.utc)) == datetime(
        2024, 5, 13, 2, 30, tzinfo=timezone.utc
    )


@pytest.mark.parametrize("schedule", ["", "not cron", "61 * * * *", "* * * *", "0 * * * * *", "* * * * * * *"])
def test_invalid_schedules_raise(schedule):
    with pytest.raises(ValueError):
        AutoReceiveScheduler(schedule, lambda: None)


def test_thread_runs_each_tick_keeps_going_after_errors_and_stops():
    clock = FakeClock(at(11, 59, 59))
    runs: list[datetime] = []
    enough = threading.Event()

    def job():
        runs.append(clock.now())
        if len(runs) >= 3:
            enough.set()
        raise RuntimeError("every run fails")

    scheduler = AutoReceiveScheduler("* * * * *", job, now=clock.now, sleep=clock.sleep)
    scheduler.start()
    try:
        assert enough.wait(4)
    finally:
        scheduler.stop()

    assert runs[:3] == [at(12, 0), at(12, 1), at(12, 2)]
    count = len(runs)
    clock.sleep(600)
    assert scheduler.run_pending() is True  # the thread is gone; only this manual call ran the job
    assert len(runs) == count + 1


def test_stop_interrupts_a_long_real_wait():
    scheduler = AutoReceiveScheduler("0 0 1 1 *", lambda: None)
    scheduler.start()
    started = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - started < 1.0


def test_receive_all_accounts_continues_after_one_account_fails(caplog):
    received = []

    def receive_one(account):
        if account == "+2":
            raise RuntimeError("rate limited")
        received.append(account)

    with caplog.at_level(logging.ERROR, logger=log.name):
        result = receive_all_accounts(lambda: ["+1", "+2", "+3"], receive_one, log)

    assert received == ["+1", "+3"]
    assert result == {"+1": None, "+2": "rate limited", "+3": None}
    assert "+2" in caplog.text and "rate limited" in caplog.text


def test_receive_all_accounts_returns_nothing_when_the_accounts_cannot_be_listed(caplog):
    def list_accounts():
        raise OSError("accounts.json unreadable")

    with caplog.at_level(logging.ERROR, logger=log.name):
        assert receive_all_accounts(list_accounts, pytest.fail, log) == {}
    assert "accounts.json unreadable" in caplog.text
